//! The `[engine]` keys of the `openai` backend, checked once at start.

use std::time::Duration;

use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use crate::engine::EngineSettings;

/// Why the remote engine's settings cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RemoteSettingsError {
    /// `url` is missing.
    #[error("[engine] backend = \"openai\" needs `url`, the server's API base (e.g. http://127.0.0.1:8081/v1)")]
    MissingUrl,
    /// `url` does not parse.
    #[error("[engine] url is not a valid URL: {0}")]
    BadUrl(String),
    /// `url` has no scheme.
    #[error("[engine] url must start with http:// or https:// (e.g. http://127.0.0.1:8081/v1)")]
    NoScheme,
    /// `url` is not http or https.
    #[error("[engine] url must start with http:// or https://, not {0}://")]
    Scheme(String),
    /// `url` carries a user name or password.
    #[error("[engine] url must not carry credentials; put the key in `api_key` or CANDOR_ENGINE_API_KEY")]
    Credentials,
    /// `url` has a query or fragment.
    #[error("[engine] url must be a plain base URL without `?query` or `#fragment`")]
    QueryOrFragment,
    /// `model` is missing or blank.
    #[error("[engine] backend = \"openai\" needs `model`, the model name the server serves")]
    MissingModel,
    /// `api_key` is set but blank.
    #[error("[engine] api_key (or CANDOR_ENGINE_API_KEY) is empty")]
    EmptyApiKey,
}

/// Valid settings of the remote engine.
#[derive(Debug, Clone)]
pub(crate) struct ValidRemoteSettings {
    /// `<base>/chat/completions`.
    pub(crate) completions_url: Url,
    /// `<base>/models`, probed for readiness.
    pub(crate) models_url: Url,
    /// The base URL, for descriptions (it holds no credentials).
    pub(crate) base: String,
    /// The model name sent with every request.
    pub(crate) model: String,
    /// Bearer key, if the server wants one.
    pub(crate) api_key: Option<SecretString>,
    pub(crate) connect_timeout: Duration,
    pub(crate) first_token_timeout: Duration,
    pub(crate) idle_timeout: Duration,
    pub(crate) max_in_flight: usize,
    pub(crate) queue_capacity: usize,
    pub(crate) cache_prompt: bool,
}

impl ValidRemoteSettings {
    /// Checks the `openai` backend's keys of `settings`.
    pub(crate) fn parse(settings: &EngineSettings) -> Result<Self, RemoteSettingsError> {
        let raw = settings
            .url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or(RemoteSettingsError::MissingUrl)?;
        if !raw.contains("://") {
            return Err(RemoteSettingsError::NoScheme);
        }
        let base = Url::parse(raw).map_err(|e| RemoteSettingsError::BadUrl(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(RemoteSettingsError::Scheme(base.scheme().to_owned()));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(RemoteSettingsError::Credentials);
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(RemoteSettingsError::QueryOrFragment);
        }
        let base = base.as_str().trim_end_matches('/').to_owned();
        let endpoint = |path: &str| {
            Url::parse(&format!("{base}/{path}"))
                .map_err(|e| RemoteSettingsError::BadUrl(e.to_string()))
        };
        let model = settings
            .model
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .ok_or(RemoteSettingsError::MissingModel)?
            .to_owned();
        if let Some(key) = &settings.api_key {
            if key.expose_secret().trim().is_empty() {
                return Err(RemoteSettingsError::EmptyApiKey);
            }
        }
        Ok(Self {
            completions_url: endpoint("chat/completions")?,
            models_url: endpoint("models")?,
            base,
            model,
            api_key: settings.api_key.clone(),
            connect_timeout: Duration::from_secs(settings.connect_timeout_secs.get()),
            first_token_timeout: Duration::from_secs(settings.first_token_timeout_secs.get()),
            idle_timeout: Duration::from_secs(settings.idle_timeout_secs.get()),
            max_in_flight: settings.max_in_flight.get(),
            queue_capacity: settings.queue_capacity.get(),
            cache_prompt: settings.cache_prompt,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(toml_text: &str) -> Result<ValidRemoteSettings, RemoteSettingsError> {
        let settings: EngineSettings = toml::from_str(toml_text).expect("toml");
        ValidRemoteSettings::parse(&settings)
    }

    #[test]
    fn a_base_url_and_a_model_name_make_the_endpoints() {
        let s =
            remote("backend = \"openai\"\nurl = \"http://127.0.0.1:8081/v1/\"\nmodel = \"smol\"")
                .expect("valid");
        assert_eq!(
            s.completions_url.as_str(),
            "http://127.0.0.1:8081/v1/chat/completions"
        );
        assert_eq!(s.models_url.as_str(), "http://127.0.0.1:8081/v1/models");
        assert_eq!(s.model, "smol");
        assert_eq!(s.first_token_timeout, Duration::from_secs(60));
        assert!(!s.cache_prompt);
    }

    #[test]
    fn bad_settings_get_clear_errors() {
        let cases = [
            ("model = \"m\"", "needs `url`"),
            ("url = \"http://h/v1\"", "needs `model`"),
            ("url = \"http://h/v1\"\nmodel = \" \"", "needs `model`"),
            (
                "url = \"127.0.0.1:8081\"\nmodel = \"m\"",
                "http:// or https://",
            ),
            (
                "url = \"http://bad host/v1\"\nmodel = \"m\"",
                "not a valid URL",
            ),
            ("url = \"ftp://h/v1\"\nmodel = \"m\"", "http:// or https://"),
            ("url = \"http://u:p@h/v1\"\nmodel = \"m\"", "credentials"),
            (
                "url = \"http://h/v1?x=1\"\nmodel = \"m\"",
                "without `?query`",
            ),
            (
                "url = \"http://h/v1\"\nmodel = \"m\"\napi_key = \"\"",
                "is empty",
            ),
        ];
        for (text, expected) in cases {
            let error = remote(text).expect_err(text).to_string();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn unknown_keys_and_zero_timeouts_are_refused() {
        assert!(toml::from_str::<EngineSettings>("backend = \"vllm\"").is_err());
        assert!(toml::from_str::<EngineSettings>("idle_timeout_secs = 0").is_err());
        assert!(toml::from_str::<EngineSettings>("api_url = \"http://h\"").is_err());
    }

    #[test]
    fn the_key_is_not_printed() {
        let s = remote("url = \"http://h/v1\"\nmodel = \"m\"\napi_key = \"sk-very-secret\"")
            .expect("valid");
        assert!(!format!("{s:?}").contains("sk-very-secret"));
    }
}
