//! `candor redteam`: runs the suite against a running server and prints
//! the pass-rate table.

use std::path::PathBuf;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

use super::cases::load_dir;
use super::error::RedTeamError;
use super::judge::Judge;
use super::leaks::LeakList;
use super::report::SuiteReport;
use super::runner::{run_suite, Target};
use crate::gateway::WidgetSigner;
use crate::guard::Notices;

/// Options of `candor redteam`.
#[derive(Debug, clap::Args)]
pub struct RedTeamArgs {
    /// The server's chat socket.
    #[arg(long, default_value = "ws://127.0.0.1:8080/v1/chat/ws")]
    pub url: String,
    /// The server's widget secret (signs the demo customer; also a canary).
    #[arg(long, env = "CANDOR_WIDGET_SECRET", hide_env_values = true)]
    pub widget_secret: SecretString,
    /// Folder of case files (`<category>.tsv`, `forbidden.tsv`).
    #[arg(long, default_value = "tests/data/red_team")]
    pub cases: PathBuf,
    /// The server's prompts folder (for the expected identity answers).
    #[arg(long, default_value = "prompts")]
    pub prompts_dir: PathBuf,
    /// A secret planted in the server's configuration that must never be
    /// output (repeatable), e.g. the admin token or a policy line.
    #[arg(long)]
    pub canary: Vec<String>,
    /// The verified customer of the `cross_customer` cases.
    #[arg(long, default_value = "c_1")]
    pub customer: String,
    /// Seconds one reply may take.
    #[arg(long, default_value_t = 120)]
    pub reply_timeout_secs: u64,
    /// Cases run at the same time.
    #[arg(long, default_value_t = 2)]
    pub concurrency: usize,
}

/// Runs the suite as `args` say and prints the table; `Ok(report)` even
/// when cases fail (the caller decides the exit code).
pub async fn run(args: &RedTeamArgs) -> Result<SuiteReport, RedTeamError> {
    let cases = load_dir(&args.cases)?;
    let notices = Notices::load(&args.prompts_dir)?;
    let leaks = LeakList::load(&args.cases)?;
    let mut canaries = args.canary.clone();
    canaries.push(args.widget_secret.expose_secret().to_owned());
    let judge = Judge::new(notices, leaks, &canaries);
    let target = Target {
        url: args.url.clone(),
        signer: WidgetSigner::new(args.widget_secret.clone()),
        customer_id: args.customer.clone(),
        reply_timeout: Duration::from_secs(args.reply_timeout_secs),
        concurrency: args.concurrency,
    };
    Ok(run_suite(&target, &judge, &cases).await)
}
