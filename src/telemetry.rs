//! Logging: `tracing` to stderr, filtered by `RUST_LOG` (default `info`),
//! as text or, with `CANDOR_LOG_FORMAT=json`, one JSON object per line
//! (for log collectors). Spans and events carry ids only, never personal
//! data, in either format.

use tracing_subscriber::EnvFilter;

/// The variable that picks the log format: `text` (default) or `json`.
pub const LOG_FORMAT_VAR: &str = "CANDOR_LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (coloured on a terminal).
    #[default]
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields`, `span`, `spans`.
    Json,
}

/// `CANDOR_LOG_FORMAT` holds something else than `text` or `json`.
#[derive(Debug, thiserror::Error)]
#[error("invalid value in {LOG_FORMAT_VAR}: {0:?} (use text or json)")]
pub struct LogFormatError(String);

impl LogFormat {
    /// The format named by `value` (the variable's content; unset = text).
    pub fn parse(value: Option<&str>) -> Result<Self, LogFormatError> {
        match value.map(str::trim) {
            None | Some("" | "text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(other) => Err(LogFormatError(other.to_owned())),
        }
    }
}

/// Installs the global subscriber in the format `CANDOR_LOG_FORMAT` names;
/// safe to call more than once (later calls keep the first subscriber).
pub fn init() -> Result<(), LogFormatError> {
    let value = std::env::var(LOG_FORMAT_VAR).ok();
    let format = LogFormat::parse(value.as_deref())?;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(true)
            .try_init(),
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_text_unless_json_is_asked_for() {
        assert_eq!(LogFormat::parse(None).ok(), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some("text")).ok(), Some(LogFormat::Text));
        assert_eq!(LogFormat::parse(Some(" json")).ok(), Some(LogFormat::Json));
        let error = LogFormat::parse(Some("yaml")).map(|_| ()).unwrap_err();
        assert!(error.to_string().contains("CANDOR_LOG_FORMAT"));
    }
}
