//! Settings: compiled-in defaults, then an optional TOML file, then environment variables.
//!
//! The environment variable names are a public contract (deployments depend on them):
//! `CANDOR_BIND`, `CANDOR_DATABASE_URL`, `CANDOR_MODEL`, `CANDOR_ADMIN_TOKEN`,
//! `CANDOR_WIDGET_SECRET`, `CANDOR_ALLOWED_ORIGINS`, `CANDOR_CONFORMANCE_ECHO`,
//! `CANDOR_METRICS_REQUIRE_ADMIN_TOKEN`, `CANDOR_DRAIN_SECS`,
//! `CANDOR_ENGINE_API_KEY` (all in [`ENV_VARS`]).

use std::path::{Path, PathBuf};

use secrecy::SecretString;
use serde::Deserialize;

pub use crate::engine::EngineSettings;
pub use crate::handoff::HandoffSettings;
pub use crate::privacy::PrivacySettings;

/// Every environment variable [`Settings::apply_env`] reads (deployment
/// files are checked against this list).
pub const ENV_VARS: &[&str] = &[
    "CANDOR_BIND",
    "CANDOR_DATABASE_URL",
    "CANDOR_MODEL",
    "CANDOR_ADMIN_TOKEN",
    "CANDOR_WIDGET_SECRET",
    "CANDOR_ALLOWED_ORIGINS",
    "CANDOR_CONFORMANCE_ECHO",
    "CANDOR_METRICS_REQUIRE_ADMIN_TOKEN",
    "CANDOR_DRAIN_SECS",
    "CANDOR_ENGINE_API_KEY",
];

/// Everything the server needs to start.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`CANDOR_BIND`), e.g. `127.0.0.1:8080`. Port 0 picks a free port.
    pub bind: String,
    /// `sqlite://path` or `postgres://...` (`CANDOR_DATABASE_URL`).
    pub database_url: String,
    /// Path to the GGUF model file (`CANDOR_MODEL`).
    pub model: PathBuf,
    /// Bearer token for `/v1/admin/*` (`CANDOR_ADMIN_TOKEN`). Generated at start when absent.
    pub admin_token: Option<SecretString>,
    /// Key for the widget's HMAC-SHA256 customer signatures (`CANDOR_WIDGET_SECRET`).
    /// Generated at start when absent (signatures then only hold until a restart).
    pub widget_secret: Option<SecretString>,
    /// Exact `Origin` values allowed to open the chat socket (`CANDOR_ALLOWED_ORIGINS`, comma list).
    pub allowed_origins: Vec<String>,
    /// Folder with prompt templates, disclosure texts and the optional chat template override.
    pub prompts_dir: PathBuf,
    /// The shop's name, as the assistant introduces it.
    pub shop_name: String,
    /// Text generation settings.
    pub engine: EngineSettings,
    /// Human handoff settings.
    pub handoff: HandoffSettings,
    /// Which fields each purpose may use, and extra protected fields.
    pub personalization: crate::personalization::PersonalizationSettings,
    /// Connection and message rate limits.
    pub limits: crate::gateway::LimitSettings,
    /// Serve `GET /v1/conformance/echo`, a WebSocket echo over the chat
    /// socket's frame reader, for the Autobahn test suite
    /// (`CANDOR_CONFORMANCE_ECHO=1`). Off by default; not for production.
    pub conformance_echo: bool,
    /// Data protection settings.
    pub privacy: PrivacySettings,
    /// Answer-plan thresholds (`[answers]`).
    pub answers: crate::answer::AnswerSettings,
    /// Knowledge-base retrieval settings (`[knowledge]`).
    pub knowledge: crate::knowledge::KnowledgeSettings,
    /// Signature rules for the customer's data rights.
    pub security: crate::gateway::SecuritySettings,
    /// On SIGTERM, how long replies being written may take to finish before
    /// they are cut short (`CANDOR_DRAIN_SECS`); then every socket closes
    /// with 1001 and the process exits 0.
    pub drain_secs: u64,
    /// Who may read `GET /metrics` (`[metrics]`).
    pub metrics: crate::metrics::MetricsSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            database_url: "sqlite://data/candor.db".into(),
            model: PathBuf::from("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
            admin_token: None,
            widget_secret: None,
            allowed_origins: vec![
                "http://127.0.0.1:8080".into(),
                "http://localhost:8080".into(),
            ],
            prompts_dir: PathBuf::from("prompts"),
            shop_name: "Candor Demo Shop".into(),
            engine: EngineSettings::default(),
            handoff: HandoffSettings::default(),
            personalization: Default::default(),
            limits: Default::default(),
            conformance_echo: false,
            privacy: PrivacySettings::default(),
            answers: Default::default(),
            knowledge: Default::default(),
            security: Default::default(),
            drain_secs: 20,
            metrics: Default::default(),
        }
    }
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The config file is not valid TOML for these settings.
    #[error("invalid config file {path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: toml::de::Error,
    },
    /// An environment variable holds an unusable value.
    #[error("invalid value in {name}: {reason}")]
    Env {
        /// The variable.
        name: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl Settings {
    /// Defaults, then `file` (if given), then the process environment.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingsError> {
        let mut settings = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        settings.apply_env(std::env::vars())?;
        Ok(settings)
    }

    fn from_file(path: &Path) -> Result<Self, SettingsError> {
        let text = std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
            path: path.to_owned(),
            source,
        })?;
        toml::from_str(&text).map_err(|source| SettingsError::Parse {
            path: path.to_owned(),
            source,
        })
    }

    /// Applies `CANDOR_*` overrides from the given variables.
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), SettingsError> {
        for (name, value) in vars {
            match name.as_str() {
                "CANDOR_BIND" => self.bind = value,
                "CANDOR_DATABASE_URL" => self.database_url = value,
                "CANDOR_MODEL" => self.model = PathBuf::from(value),
                "CANDOR_ADMIN_TOKEN" => self.admin_token = Some(non_empty_secret(&name, value)?),
                "CANDOR_WIDGET_SECRET" => {
                    self.widget_secret = Some(non_empty_secret(&name, value)?)
                }
                // The remote engine's key (`[engine] api_key`), kept out of
                // config files.
                "CANDOR_ENGINE_API_KEY" => {
                    self.engine.api_key = Some(non_empty_secret(&name, value)?)
                }
                "CANDOR_ALLOWED_ORIGINS" => {
                    self.allowed_origins = value
                        .split(',')
                        .map(|s| s.trim().trim_end_matches('/').to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                }
                "CANDOR_DRAIN_SECS" => {
                    self.drain_secs = value.trim().parse().map_err(|_| SettingsError::Env {
                        name: "CANDOR_DRAIN_SECS",
                        reason: "must be a whole number of seconds".into(),
                    })?
                }
                "CANDOR_CONFORMANCE_ECHO" => {
                    self.conformance_echo = flag("CANDOR_CONFORMANCE_ECHO", &value)?
                }
                "CANDOR_METRICS_REQUIRE_ADMIN_TOKEN" => {
                    self.metrics.require_admin_token =
                        flag("CANDOR_METRICS_REQUIRE_ADMIN_TOKEN", &value)?
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// A boolean variable: `1`, `true`, `0`, `false` or empty (false).
fn flag(name: &'static str, value: &str) -> Result<bool, SettingsError> {
    match value.trim() {
        "1" | "true" => Ok(true),
        "0" | "false" | "" => Ok(false),
        _ => Err(SettingsError::Env {
            name,
            reason: "must be 1, 0, true or false".into(),
        }),
    }
}

fn non_empty_secret(name: &str, value: String) -> Result<SecretString, SettingsError> {
    if value.trim().is_empty() {
        let name = match name {
            "CANDOR_ADMIN_TOKEN" => "CANDOR_ADMIN_TOKEN",
            "CANDOR_ENGINE_API_KEY" => "CANDOR_ENGINE_API_KEY",
            _ => "CANDOR_WIDGET_SECRET",
        };
        return Err(SettingsError::Env {
            name,
            reason: "must not be empty".into(),
        });
    }
    Ok(SecretString::from(value))
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn environment_overrides_file_and_defaults() {
        let mut s: Settings =
            toml::from_str("bind = \"0.0.0.0:9000\"\nshop_name = \"Tea\"").expect("toml");
        s.apply_env(vars(&[
            ("CANDOR_BIND", "127.0.0.1:1"),
            (
                "CANDOR_ALLOWED_ORIGINS",
                "https://a.example, https://b.example/",
            ),
            ("CANDOR_ADMIN_TOKEN", "tok"),
        ]))
        .expect("env");
        assert_eq!(s.bind, "127.0.0.1:1");
        assert_eq!(s.shop_name, "Tea");
        assert_eq!(
            s.allowed_origins,
            ["https://a.example", "https://b.example"]
        );
        assert_eq!(
            s.admin_token.as_ref().map(|t| t.expose_secret()),
            Some("tok")
        );
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let mut s = Settings::default();
        s.apply_env(vars(&[("CANDOR_WIDGET_SECRET", "hunter2-secret")]))
            .expect("env");
        assert!(!format!("{s:?}").contains("hunter2-secret"));
    }

    #[test]
    fn unknown_keys_in_the_file_are_an_error() {
        assert!(toml::from_str::<Settings>("bnid = \"x\"").is_err());
    }

    #[test]
    fn the_conformance_echo_is_off_unless_enabled() {
        let mut s = Settings::default();
        assert!(!s.conformance_echo);
        s.apply_env(vars(&[("CANDOR_CONFORMANCE_ECHO", "1")]))
            .expect("env");
        assert!(s.conformance_echo);
        assert!(s
            .apply_env(vars(&[("CANDOR_CONFORMANCE_ECHO", "yes")]))
            .is_err());
    }

    #[test]
    fn retention_defaults_to_a_year_and_reads_the_privacy_table() {
        assert_eq!(Settings::default().privacy.retention_days, 365);
        let s: Settings = toml::from_str("[privacy]\nretention_days = 0").expect("toml");
        assert_eq!(s.privacy.retention_days, 0);
        assert!(toml::from_str::<Settings>("[privacy]\nretention = 3").is_err());
    }

    #[test]
    fn the_knowledge_table_is_read_and_strict() {
        let s: Settings = toml::from_str("[knowledge]\nmin_score = 0.4").expect("toml");
        assert_eq!(s.knowledge.min_score, 0.4);
        assert_eq!(Settings::default().knowledge.min_score, 0.25);
        assert!(toml::from_str::<Settings>("[knowledge]\nmin = 1").is_err());
    }

    #[test]
    fn signature_expiry_is_optional_unless_the_security_table_requires_it() {
        assert!(!Settings::default().security.require_signature_expiry);
        let s: Settings =
            toml::from_str("[security]\nrequire_signature_expiry = true").expect("toml");
        assert!(s.security.require_signature_expiry);
        assert!(toml::from_str::<Settings>("[security]\nrequire_expiry = true").is_err());
    }

    #[test]
    fn every_listed_variable_is_read() {
        let default = format!("{:?}", Settings::default());
        for name in ENV_VARS {
            let mut s = Settings::default();
            s.apply_env(vars(&[(name, "1")])).expect("env");
            assert_ne!(format!("{s:?}"), default, "{name} changed nothing");
        }
    }

    #[test]
    fn metrics_may_require_the_admin_token() {
        assert!(!Settings::default().metrics.require_admin_token);
        let mut s: Settings =
            toml::from_str("[metrics]\nrequire_admin_token = true").expect("toml");
        assert!(s.metrics.require_admin_token);
        s.apply_env(vars(&[("CANDOR_METRICS_REQUIRE_ADMIN_TOKEN", "0")]))
            .expect("env");
        assert!(!s.metrics.require_admin_token);
        assert!(toml::from_str::<Settings>("[metrics]\nauth = true").is_err());
    }

    #[test]
    fn the_engine_key_comes_from_the_environment_and_is_not_printed() {
        let mut s: Settings = toml::from_str(
            "[engine]\nbackend = \"openai\"\nurl = \"http://127.0.0.1:8081/v1\"\nmodel = \"smol\"",
        )
        .expect("toml");
        s.apply_env(vars(&[("CANDOR_ENGINE_API_KEY", "sk-hunter2")]))
            .expect("env");
        assert_eq!(
            s.engine.api_key.as_ref().map(|k| k.expose_secret()),
            Some("sk-hunter2")
        );
        assert!(!format!("{s:?}").contains("sk-hunter2"));
        assert!(s.apply_env(vars(&[("CANDOR_ENGINE_API_KEY", "")])).is_err());
    }

    #[test]
    fn empty_secrets_are_refused() {
        let mut s = Settings::default();
        assert!(s.apply_env(vars(&[("CANDOR_ADMIN_TOKEN", " ")])).is_err());
    }

    #[test]
    fn drain_secs_come_from_the_environment_as_whole_seconds() {
        let mut s = Settings::default();
        s.apply_env(vars(&[("CANDOR_DRAIN_SECS", "45")]))
            .expect("applied");
        assert_eq!(s.drain_secs, 45);
        let refused = s.apply_env(vars(&[("CANDOR_DRAIN_SECS", "soon")]));
        assert!(
            matches!(
                refused,
                Err(SettingsError::Env {
                    name: "CANDOR_DRAIN_SECS",
                    ..
                })
            ),
            "{refused:?}"
        );
        assert_eq!(s.drain_secs, 45, "a refused value changes nothing");
    }
}
