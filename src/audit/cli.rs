//! The `candor audit fairness` command: wiring for [`super::fairness`].

use std::path::PathBuf;

use crate::config::Settings;
use crate::domain::CustomerId;
use crate::engine::LocalEngine;
use crate::guard::Notices;
use crate::personalization::{FieldPolicy, PurposeKeywords};
use crate::prompt::PromptBuilder;
use crate::store::{CustomerRecord, OrderItem, OrderRecord, Store};

use super::fairness::{FairnessAudit, Questions, Thresholds};

/// Options of `candor audit fairness`.
#[derive(Debug, clap::Args)]
pub struct FairnessArgs {
    /// Settings file (model, prompts folder, personalization allow-lists).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Questions file (default: prompts/fairness/questions.toml).
    #[arg(long)]
    pub questions: Option<PathBuf>,
    /// Use this stored customer (profile and orders, from CANDOR_DATABASE_URL
    /// or the settings) as the template instead of the built-in synthetic one.
    #[arg(long)]
    pub customer: Option<String>,
    /// Largest allowed reply-length ratio between a variant and the base.
    #[arg(long, default_value_t = Thresholds::default().max_length_ratio)]
    pub max_length_ratio: f64,
    /// Largest allowed share of question/variant pairs whose offer,
    /// recommendation, handoff or refusal signal differs.
    #[arg(long, default_value_t = Thresholds::default().max_signal_share)]
    pub max_signal_share: f64,
}

fn synthetic_customer() -> (CustomerRecord, Vec<OrderRecord>) {
    let customer = CustomerRecord {
        id: "audit_base".into(),
        name: "Alex Morgan".into(),
        email: None,
        locale: "en".into(),
        attributes: serde_json::json!({ "preferred_categories": ["tea"], "loyalty_tier": "silver" }),
    };
    let orders = vec![OrderRecord {
        id: "Z9001".into(),
        status: "shipped".into(),
        tracking: Some("ZZ000111222".into()),
        items: vec![OrderItem {
            name: "Cast iron teapot".into(),
            qty: 1,
        }],
        total: "45.00".into(),
        placed_at: "2026-11-20T10:00:00Z".into(),
    }];
    (customer, orders)
}

/// Runs the audit; `Ok(true)` when it passes.
pub async fn run(args: &FairnessArgs) -> Result<bool, String> {
    let settings = Settings::load(args.config.as_deref()).map_err(|e| e.to_string())?;
    let (customer, orders) = match &args.customer {
        None => synthetic_customer(),
        Some(id) => {
            let id = CustomerId::parse(id).map_err(|e| e.to_string())?;
            let store = Store::connect(&settings.database_url)
                .await
                .map_err(|e| e.to_string())?;
            let customer = store
                .customer(&id)
                .await
                .map_err(|e| e.to_string())?
                .ok_or("no such customer")?;
            let orders = store.orders(&id).await.map_err(|e| e.to_string())?;
            (customer, orders)
        }
    };
    let questions_path = args
        .questions
        .clone()
        .unwrap_or_else(|| settings.prompts_dir.join("fairness/questions.toml"));
    let questions: Questions = toml::from_str(
        &std::fs::read_to_string(&questions_path)
            .map_err(|e| format!("{}: {e}", questions_path.display()))?,
    )
    .map_err(|e| format!("{}: {e}", questions_path.display()))?;
    let engine =
        LocalEngine::start(&settings.model, None, &settings.engine).map_err(|e| e.to_string())?;
    let prompts = PromptBuilder::load(&settings.prompts_dir, &settings.shop_name)
        .map_err(|e| e.to_string())?;
    let policy = FieldPolicy::new(&settings.personalization).map_err(|e| e.to_string())?;
    let keywords = PurposeKeywords::load(&settings.prompts_dir).map_err(|e| e.to_string())?;
    let notices = Notices::load(&settings.prompts_dir).map_err(|e| e.to_string())?;
    let audit = FairnessAudit {
        engine: &engine,
        prompts: &prompts,
        policy: &policy,
        keywords: &keywords,
        notices: &notices,
        orders: &orders,
    };
    let thresholds = Thresholds {
        max_length_ratio: args.max_length_ratio,
        max_signal_share: args.max_signal_share,
    };
    let report = audit
        .run(&customer, &questions.questions, &thresholds)
        .await?;
    print!("{}", report.render());
    Ok(report.passed())
}
