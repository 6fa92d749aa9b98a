//! Whether the remote server answers: a background probe of
//! `GET <base>/models` every few seconds, corrected by the outcome of each
//! real request in between. `GET /readyz` reads it through
//! [`crate::engine::Generator::is_ready`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use secrecy::ExposeSecret;

use super::settings::ValidRemoteSettings;

/// How often the server is probed.
const PROBE_EVERY: Duration = Duration::from_secs(5);

/// The last known state of the server (not ready until a probe succeeds).
#[derive(Default)]
pub(crate) struct Readiness(AtomicBool);

impl Readiness {
    /// Records what a probe or a request found.
    pub(crate) fn set(&self, ready: bool) {
        self.0.store(ready, Ordering::SeqCst);
    }

    /// Whether the server answered last time.
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Probes the server until aborted.
pub(crate) async fn probe_task(
    client: reqwest::Client,
    settings: Arc<ValidRemoteSettings>,
    readiness: Arc<Readiness>,
) {
    loop {
        let mut probe = client
            .get(settings.models_url.clone())
            .timeout(settings.connect_timeout + PROBE_EVERY);
        if let Some(key) = &settings.api_key {
            probe = probe.bearer_auth(key.expose_secret());
        }
        let ready = matches!(probe.send().await, Ok(r) if r.status().is_success());
        if ready != readiness.get() {
            tracing::info!(ready, "remote engine readiness changed");
        }
        readiness.set(ready);
        tokio::time::sleep(PROBE_EVERY).await;
    }
}
