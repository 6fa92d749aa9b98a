//! `candor eval answers`: runs the labelled set against the in-process
//! server (default) or a running one (`--url`), prints the table and
//! optionally the failures and a JSON report.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;

use super::cases::{load_dir, Category, Selection};
use super::error::EvalError;
use super::judge::Judge;
use super::report::{Report, Targets};
use super::runner::{run_cases, Target};
use super::server::{demo_store, LocalServer, ScratchDir};
use super::shop::ShopData;
use crate::config::Settings;
use crate::domain::Locale;
use crate::gateway::WidgetSigner;
use crate::guard::Notices;

/// Options of `candor eval answers`.
#[derive(Debug, clap::Args)]
pub struct AnswersArgs {
    /// A running server's chat socket (`candor serve --demo`); without it
    /// the server is started in this process with the default model.
    #[arg(long)]
    pub url: Option<String>,
    /// The running server's widget secret (signs the cases' customers).
    #[arg(long, env = "CANDOR_WIDGET_SECRET", hide_env_values = true)]
    pub widget_secret: Option<SecretString>,
    /// Settings file of the in-process server (environment variables
    /// override it, as for `candor serve`).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Folder of case files (`<locale>.toml`).
    #[arg(long, default_value = "tests/data/eval")]
    pub cases: PathBuf,
    /// Prompts folder: knowledge base (`kb/*.md`) and locale texts for the
    /// judges, and the in-process server's prompts (default: the
    /// settings' `prompts_dir`, `prompts`).
    #[arg(long)]
    pub prompts_dir: Option<PathBuf>,
    /// Only this locale (`en`, `es`, `fr`, `de`, `pt`, `it`, `nl`).
    #[arg(long, value_parser = parse_locale)]
    pub locale: Option<Locale>,
    /// Only this category (e.g. `order_facts`, `unanswerable`).
    #[arg(long, value_parser = parse_category)]
    pub category: Option<Category>,
    /// Only every N-th case (after the other filters).
    #[arg(long)]
    pub every: Option<NonZeroUsize>,
    /// Write the scores and every case as JSON to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Print every failing case with its reply.
    #[arg(long)]
    pub show_failures: bool,
    /// Exit 1 when a target is missed.
    #[arg(long)]
    pub check: bool,
    /// Seconds one reply may take.
    #[arg(long, default_value_t = 120)]
    pub reply_timeout_secs: u64,
    /// Cases run at the same time.
    #[arg(long, default_value_t = 2)]
    pub concurrency: usize,
}

fn parse_locale(code: &str) -> Result<Locale, String> {
    Locale::ALL
        .into_iter()
        .find(|l| l.code() == code)
        .ok_or_else(|| format!("unsupported locale {code:?}"))
}

fn parse_category(name: &str) -> Result<Category, String> {
    Category::parse(name).ok_or_else(|| {
        let names: Vec<&str> = Category::ALL.iter().map(|c| c.name()).collect();
        format!("unknown category {name:?} (one of {})", names.join(", "))
    })
}

/// Runs the cases as `args` say and prints the results; `Ok(false)` when
/// `--check` is given and a target is missed.
pub async fn run(args: &AnswersArgs) -> Result<bool, EvalError> {
    let selection = Selection {
        locale: args.locale,
        category: args.category,
        every: args.every,
    };
    let cases = selection.apply(load_dir(&args.cases)?);
    if cases.is_empty() {
        return Err(EvalError::NoCases(args.cases.clone()));
    }
    let wait = Duration::from_secs(args.reply_timeout_secs);
    let started = std::time::Instant::now();
    let report = match &args.url {
        Some(url) => {
            let secret = args.widget_secret.clone().ok_or_else(|| {
                EvalError::Startup("--url needs --widget-secret (or CANDOR_WIDGET_SECRET)".into())
            })?;
            let prompts = args.prompts_dir.clone().unwrap_or_else(|| "prompts".into());
            let scratch = ScratchDir::new()?;
            let store = demo_store(&scratch).await?;
            let judge = Judge::new(
                &Notices::load(&prompts)?,
                ShopData::load(&prompts, &store).await?,
            );
            store.close().await;
            let target = Target {
                url: url.clone(),
                signer: WidgetSigner::new(secret),
                reply_timeout: wait,
                concurrency: args.concurrency,
            };
            Report {
                results: run_cases(&target, &judge, &cases).await,
            }
        }
        None => {
            let mut settings = Settings::load(args.config.as_deref())
                .map_err(|e| EvalError::Startup(e.to_string()))?;
            if let Some(dir) = &args.prompts_dir {
                settings.prompts_dir = dir.clone();
            }
            let prompts = settings.prompts_dir.clone();
            let server = LocalServer::start(settings).await?;
            let judge = Judge::new(
                &Notices::load(&prompts)?,
                ShopData::load(&prompts, &server.store).await?,
            );
            let target = Target {
                url: server.url.clone(),
                signer: server.signer.clone(),
                reply_timeout: wait,
                concurrency: args.concurrency,
            };
            let results = run_cases(&target, &judge, &cases).await;
            server.stop().await;
            Report { results }
        }
    };
    let targets = Targets::default();
    println!(
        "answer quality: {} cases in {:.0?}\n\n{}",
        report.results.len(),
        started.elapsed(),
        report.table()
    );
    let shortfalls = report.shortfalls(&targets);
    if shortfalls.is_empty() {
        println!("every target met");
    } else {
        println!("below target: {}", shortfalls.join("; "));
    }
    if args.show_failures {
        println!("\n{}", report.failures());
    }
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&report.to_json(&targets)).unwrap_or_default();
        std::fs::write(path, text).map_err(|source| EvalError::Write {
            path: path.clone(),
            source,
        })?;
    }
    Ok(!args.check || shortfalls.is_empty())
}
