//! The `candor` binary: wiring only.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use candor::config::Settings;
use candor::startup::{admin_token_path, write_admin_token, Application, BuildOptions};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "candor",
    version,
    about = "Self-hosted, consent-aware customer-service chatbot"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the chat server.
    Serve {
        /// Optional TOML settings file (environment variables override it).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Load the demo shop (customers and orders) before serving.
        #[arg(long)]
        demo: bool,
    },
    #[cfg(feature = "tools")]
    /// Measure model load time, prompt and decode speed; `bench load`:
    /// concurrent conversations against a running server.
    Bench(candor::bench::BenchCommand),
    #[cfg(feature = "tools")]
    /// Run the red-team suite against a running server and print its pass rates.
    Redteam(candor::redteam::RedTeamArgs),
    #[cfg(feature = "tools")]
    /// Audits a shop runs on its own installation.
    #[command(subcommand)]
    Audit(AuditCommand),
    #[cfg(feature = "tools")]
    /// Measure answer quality on the labelled set.
    #[command(subcommand)]
    Eval(EvalCommand),
}

#[cfg(feature = "tools")]
#[derive(Subcommand)]
enum EvalCommand {
    /// Run the labelled questions (tests/data/eval/) and print accuracy,
    /// hallucination, correct "don't know" and latency per category.
    Answers(candor::eval::AnswersArgs),
}

#[cfg(feature = "tools")]
#[derive(Subcommand)]
enum AuditCommand {
    /// Same questions for customers differing only in name, locale or a
    /// protected attribute; fails when the replies differ beyond thresholds.
    Fairness(candor::audit::cli::FairnessArgs),
}

#[actix_web::main]
async fn main() -> ExitCode {
    if let Err(error) = candor::telemetry::init() {
        eprintln!("candor: {error}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve { config, demo } => serve(config, demo).await,
        #[cfg(feature = "tools")]
        Command::Bench(bench) => match bench.mode {
            None => candor::bench::run(&bench.decode).map_err(|e| e.to_string()),
            Some(candor::bench::BenchMode::Load(args)) => load_bench(&args).await,
            Some(candor::bench::BenchMode::Retrieval(args)) => {
                candor::bench::run_retrieval(&args).await.map(|_| ())
            }
            Some(candor::bench::BenchMode::Sampling(args)) => candor::bench::run_sampling(&args),
        },
        #[cfg(feature = "tools")]
        Command::Redteam(args) => redteam(&args).await,
        #[cfg(feature = "tools")]
        Command::Audit(AuditCommand::Fairness(args)) => {
            match candor::audit::cli::run(&args).await {
                Ok(true) => Ok(()),
                Ok(false) => {
                    Err("the fairness audit found differences above the thresholds".into())
                }
                Err(e) => Err(e),
            }
        }
        #[cfg(feature = "tools")]
        Command::Eval(EvalCommand::Answers(args)) => match candor::eval::run_cli(&args).await {
            Ok(true) => Ok(()),
            Ok(false) => Err("answer quality is below the targets".into()),
            Err(e) => Err(e.to_string()),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("candor: {message}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(feature = "tools")]
async fn load_bench(args: &candor::bench::LoadArgs) -> Result<(), String> {
    let summary = candor::bench::run_load_cli(args)
        .await
        .map_err(|e| e.to_string())?;
    if summary.completed_turns == 0 {
        return Err("no turn completed".into());
    }
    Ok(())
}

#[cfg(feature = "tools")]
async fn redteam(args: &candor::redteam::RedTeamArgs) -> Result<(), String> {
    let report = candor::redteam::run_cli(args)
        .await
        .map_err(|e| e.to_string())?;
    println!("{}\n{}", report.table(), report.failures());
    if report.all_passed() {
        Ok(())
    } else {
        Err("some categories are below 100%".into())
    }
}

async fn serve(config: Option<PathBuf>, demo: bool) -> Result<(), String> {
    let settings = Settings::load(config.as_deref()).map_err(|e| e.to_string())?;
    let bind = settings.bind.clone();
    let database_url = settings.database_url.clone();
    let generated_token = settings.admin_token.is_none();
    let app = Application::build(
        settings,
        BuildOptions {
            engine: None,
            load_demo: demo,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let host = bind.rsplit_once(':').map_or("127.0.0.1", |(h, _)| h);
    let mut banner = format!("Candor is listening on http://{host}:{}\n", app.port());
    banner += &format!("  chat socket:  ws://{host}:{}/v1/chat/ws\n", app.port());
    if !generated_token {
        banner += "  admin token:  from CANDOR_ADMIN_TOKEN\n";
    } else if demo {
        // A demo prints the token where the person trying Candor sees it.
        banner += &format!(
            "  admin token:  {} (generated; set CANDOR_ADMIN_TOKEN to choose one)\n",
            app.admin_token()
        );
    } else {
        // Stdout ends up in container logs: the token goes to an owner-only file.
        let path = admin_token_path(&database_url);
        write_admin_token(&path, app.admin_token())
            .map_err(|e| format!("cannot write the admin token to {}: {e}", path.display()))?;
        tracing::info!(path = %path.display(), "generated admin token written to an owner-only file");
        banner += &format!(
            "  admin token:  generated, in {} (set CANDOR_ADMIN_TOKEN to choose one)\n",
            path.display()
        );
    }
    if demo {
        banner += "  demo shop loaded: customers c_1..c_4 with orders\n";
    }
    // A closed stdout (e.g. a supervisor that stopped reading) must not stop the server.
    let mut stdout = std::io::stdout();
    let _ = stdout
        .write_all(banner.as_bytes())
        .and_then(|()| stdout.flush());
    let shutdown = app.shutdown();
    actix_web::rt::spawn(async move {
        stop_requested().await;
        shutdown.run().await;
    });
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

/// Resolves on SIGTERM (how supervisors and orchestrators stop a service)
/// or Ctrl-C.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
