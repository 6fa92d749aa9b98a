//! The remote engine: an OpenAI-compatible chat-completions server
//! (llama.cpp's `llama-server`, vLLM, TGI, Ollama) behind the same
//! [`Generator`] seam as the local model, with the same bounded queue,
//! token and time caps. Everything after the engine (output guard, fact
//! check, `why` records, busy notice) is the conversation's and works
//! unchanged.
//!
//! Candor sends chat messages, never a rendered prompt; every content is
//! neutralised first ([`neutralise`]), so untrusted text cannot become a
//! control token on the server either.

mod admission;
mod neutralise;
mod readiness;
mod settings;
mod stream;
mod wire;

use std::sync::Arc;

use tokio::sync::mpsc;

pub use settings::RemoteSettingsError;

use admission::Admission;
use readiness::{probe_task, Readiness};
use settings::ValidRemoteSettings;

use super::{EngineError, EngineEvent, EngineSettings, EventStream, GenerationRequest, Generator};

/// What the request tasks share.
pub(crate) struct Shared {
    client: reqwest::Client,
    settings: Arc<ValidRemoteSettings>,
    admission: Arc<Admission>,
    readiness: Arc<Readiness>,
}

/// A client of an OpenAI-compatible server.
pub struct RemoteEngine {
    shared: Arc<Shared>,
    probe: tokio::task::JoinHandle<()>,
}

impl RemoteEngine {
    /// Checks the `[engine]` settings of the `openai` backend and starts
    /// probing the server. Needs a running tokio runtime.
    pub fn start(settings: &EngineSettings) -> Result<Self, EngineError> {
        let settings = Arc::new(ValidRemoteSettings::parse(settings)?);
        let client = reqwest::Client::builder()
            .connect_timeout(settings.connect_timeout)
            .build()
            .map_err(|e| EngineError::Load(format!("cannot build the HTTP client: {e}")))?;
        let readiness = Arc::new(Readiness::default());
        let probe = tokio::spawn(probe_task(
            client.clone(),
            Arc::clone(&settings),
            Arc::clone(&readiness),
        ));
        tracing::info!(
            server = %settings.base,
            model = %settings.model,
            max_in_flight = settings.max_in_flight,
            cache_prompt = settings.cache_prompt,
            "remote engine configured"
        );
        Ok(Self {
            shared: Arc::new(Shared {
                admission: Admission::new(settings.max_in_flight, settings.queue_capacity),
                client,
                settings,
                readiness,
            }),
            probe,
        })
    }
}

impl Drop for RemoteEngine {
    fn drop(&mut self) {
        self.probe.abort();
    }
}

impl Generator for RemoteEngine {
    fn submit(&self, request: GenerationRequest) -> Result<EventStream, EngineError> {
        let admitted = self.shared.admission.admit()?;
        let (events, stream) = mpsc::unbounded_channel();
        let shared = Arc::clone(&self.shared);
        tokio::spawn(async move {
            let _slot = match admitted.slot().await {
                Ok(slot) => slot,
                Err(error) => {
                    let _ = events.send(EngineEvent::Failed(error.to_string()));
                    return;
                }
            };
            let last = match stream::generate(&shared, &request, &events).await {
                Ok(stats) => EngineEvent::Done(stats),
                Err(stream::RemoteFailure::Abandoned) => return,
                Err(failure) => {
                    tracing::warn!(%failure, "remote generation failed");
                    EngineEvent::Failed(failure.to_string())
                }
            };
            let _ = events.send(last);
        });
        Ok(stream)
    }

    /// Nothing to drop here: Candor keeps no cache of a remote
    /// conversation, and asks the server to keep none unless
    /// `cache_prompt` is on (docs: what an erasure can and cannot drop).
    fn forget(&self, cache_key: &str) {
        let _ = cache_key;
    }

    fn describe(&self) -> String {
        let settings = &self.shared.settings;
        format!(
            "{} on an OpenAI-compatible server at {}",
            settings.model, settings.base
        )
    }

    fn is_ready(&self) -> bool {
        self.shared.readiness.get()
    }
}
