//! `candor bench load`: options, one run, its line on stdout and its JSON
//! object appended to `--json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};

use super::report::{LoadReport, LoadSummary, TurnRecord};
use super::runner::{run_load, LoadPlan, LoadTarget};
use super::scripts::script_for;
use super::tokens::TokenCounter;
use super::LoadError;
use crate::personalization::ConsentedContext;
use crate::prompt::PromptBuilder;

/// Options of `candor bench load`.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// Which server protocol to speak.
    #[arg(long, value_enum, default_value = "candor")]
    pub target: TargetKind,
    /// The server: Candor's chat socket (default `ws://127.0.0.1:8080/v1/chat/ws`)
    /// or llama-server's base URL (default `http://127.0.0.1:8081`).
    #[arg(long)]
    pub url: Option<String>,
    /// Conversations at the same time.
    #[arg(short = 'n', long, default_value_t = 4)]
    pub conversations: usize,
    /// Turns per conversation (each of the ten customer scripts has 3).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=3))]
    pub turns: u8,
    /// `max_tokens` sent to llama-server. Candor's cap is its own setting
    /// (`[engine] max_new_tokens`); set both to the same value.
    #[arg(long, default_value_t = 64)]
    pub max_new_tokens: usize,
    /// Ask llama-server to generate `--max-new-tokens` past the end of turn
    /// (`ignore_eos`), so replies have the same length as a Candor started
    /// with `[engine] ignore_end_of_turn = true` (benchmarks only).
    #[arg(long)]
    pub ignore_eos: bool,
    /// Seconds one reply may take before the turn counts as an error.
    #[arg(long, default_value_t = 300)]
    pub turn_timeout_secs: u64,
    /// Cap the run at this many seconds: no turn starts after it and turns
    /// still running are cut (their streamed tokens count toward tokens/s).
    #[arg(long)]
    pub max_secs: Option<u64>,
    /// GGUF whose tokenizer counts the tokens of replies when the server
    /// reports no count (Candor never does).
    #[arg(long, default_value = "models/SmolLM2-135M-Instruct.Q4_1.gguf")]
    pub model: PathBuf,
    /// Candor's prompts folder (the system prompt sent to llama-server).
    #[arg(long, default_value = "prompts")]
    pub prompts_dir: PathBuf,
    /// The shop name in that system prompt (default: Candor's default).
    #[arg(long)]
    pub shop_name: Option<String>,
    /// `Origin` header for Candor (default: the socket URL's scheme, host
    /// and port as http(s); `none` sends no Origin).
    #[arg(long)]
    pub origin: Option<String>,
    /// Append the run's summary as one JSON object (one line) to this file.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Free-form label copied into the JSON (e.g. `round=2`).
    #[arg(long)]
    pub tag: Option<String>,
    /// Append every completed turn (conversation, customer text, reply,
    /// tokens) as one JSON object per line to this file, to check that both
    /// servers gave comparable replies.
    #[arg(long)]
    pub transcript: Option<PathBuf>,
}

/// `--target` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TargetKind {
    /// Candor's WebSocket chat protocol.
    Candor,
    /// llama-server's OpenAI-compatible streaming chat endpoint.
    Llama,
}

/// Runs one load run as `args` say, prints its line, appends its JSON.
pub async fn run_cli(args: &LoadArgs) -> Result<LoadSummary, LoadError> {
    if args.conversations == 0 {
        return Err(LoadError::Options(
            "--conversations must be at least 1".into(),
        ));
    }
    let plan = LoadPlan {
        target: target(args)?,
        conversations: args.conversations,
        turns: usize::from(args.turns),
        max_new_tokens: args.max_new_tokens,
        ignore_eos: args.ignore_eos,
        turn_timeout: Duration::from_secs(args.turn_timeout_secs.max(1)),
        time_cap: args.max_secs.map(Duration::from_secs),
        counter: Some(TokenCounter::from_gguf(&args.model)?),
        run_id: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64 % 1_000_000),
    };
    let report = run_load(&plan).await;
    let summary = report.summary(args.tag.as_deref());
    println!("{}", summary.line());
    for error in &summary.error_samples {
        println!("  error: {error}");
    }
    if let Some(path) = &args.json {
        let value = serde_json::to_value(&summary).map_err(|e| LoadError::Write {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        append_lines(path, [value])?;
    }
    if let Some(path) = &args.transcript {
        append_lines(
            path,
            report
                .turns
                .iter()
                .map(|t| transcript_line(&report, t, args)),
        )?;
    }
    Ok(summary)
}

fn target(args: &LoadArgs) -> Result<LoadTarget, LoadError> {
    Ok(match args.target {
        TargetKind::Candor => {
            let url = args
                .url
                .clone()
                .unwrap_or_else(|| "ws://127.0.0.1:8080/v1/chat/ws".into());
            let origin = match args.origin.as_deref() {
                Some("none") => None,
                Some(origin) => Some(origin.to_owned()),
                None => origin_of(&url),
            };
            LoadTarget::Candor { url, origin }
        }
        TargetKind::Llama => {
            let shop_name = args
                .shop_name
                .clone()
                .unwrap_or_else(|| crate::config::Settings::default().shop_name);
            LoadTarget::Llama {
                url: args
                    .url
                    .clone()
                    .unwrap_or_else(|| "http://127.0.0.1:8081".into()),
                system_prompt: anonymous_system_prompt(&args.prompts_dir, &shop_name)?,
            }
        }
    })
}

/// The system prompt Candor gives the model for an anonymous English visitor.
pub fn anonymous_system_prompt(prompts_dir: &Path, shop_name: &str) -> Result<String, LoadError> {
    let builder = PromptBuilder::load(prompts_dir, shop_name)?;
    Ok(builder.system_prompt("English", &ConsentedContext::none(), &[])?)
}

/// `ws://host:port/path` → `http://host:port` (`wss` → `https`).
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = match scheme {
        "ws" => "http",
        "wss" => "https",
        other => other,
    };
    let authority = rest.split('/').next().filter(|a| !a.is_empty())?;
    Some(format!("{scheme}://{authority}"))
}

fn transcript_line(report: &LoadReport, turn: &TurnRecord, args: &LoadArgs) -> Value {
    let script = script_for(turn.conversation);
    json!({
        "target": report.target,
        "tag": args.tag,
        "conversation": turn.conversation + 1,
        "topic": script.topic,
        "turn": turn.turn + 1,
        "customer": turn.customer,
        "reply": turn.text,
        "tokens": turn.tokens,
    })
}

/// Appends each value as one line of JSON.
fn append_lines(path: &Path, values: impl IntoIterator<Item = Value>) -> Result<(), LoadError> {
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        for value in values {
            writeln!(file, "{value}")?;
        }
        Ok(())
    };
    write().map_err(|source| LoadError::Write {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_follows_the_socket_url() {
        assert_eq!(
            origin_of("ws://127.0.0.1:18080/v1/chat/ws").as_deref(),
            Some("http://127.0.0.1:18080")
        );
        assert_eq!(
            origin_of("wss://shop.example/v1/chat/ws").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(origin_of("nonsense"), None);
    }

    #[test]
    fn the_llama_system_prompt_is_candors() {
        let prompts = Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts");
        let prompt = anonymous_system_prompt(&prompts, "Tea Shop").expect("prompt");
        assert!(prompt.starts_with("You are Candor, the customer-service assistant of Tea Shop."));
        assert!(prompt.contains("Answer in English."));
        assert!(!prompt.contains("Verified customer context"));
    }
}
