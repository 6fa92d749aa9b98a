//! The engine: turns chat messages into a stream of text, using a local GGUF
//! model through candle on its own thread, or a remote OpenAI-compatible
//! server (`[engine] backend = "openai"`).
//!
//! The engine never sees a customer, a consent or a database row: it gets
//! role/content pairs and sampling settings, and returns text deltas.

mod cache_store;
pub mod chat_template;
mod error;
mod kernels;
mod kv_cache;
mod kv_element;
mod llama;
mod load;
mod loaded;
mod local;
mod model;
mod prompt_encoding;
mod remote;
mod requantize;
mod sampling;
mod scheduler;
mod scripted;
mod settings;
pub mod stream_decoder;
pub mod tokenizer;

pub use chat_template::ChatMessage;
pub use error::EngineError;
pub use kernels::DecodeKernel;
pub use load::EngineLoad;
/// Direct model access for the benchmark.
pub use local::bench_access as local_bench;
pub use local::LocalEngine;
pub use remote::{RemoteEngine, RemoteSettingsError};
pub use requantize::WeightFormat;
pub(crate) use sampling::Sampler;
pub use sampling::SamplingParams;
pub use scripted::ScriptedEngine;
pub use settings::{EngineBackend, EngineSettings};

use tokio::sync::mpsc;

/// Receives the token ids of every prompt the engine reads, exactly as the
/// model reads them ([`LocalEngine::start_tapped`]): how tests and audits
/// check what untrusted text became.
pub type PromptTap = std::sync::mpsc::Sender<Vec<u32>>;

/// One generation job.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    /// The conversation as role/content pairs, system prompt first.
    pub messages: Vec<ChatMessage>,
    /// How to pick tokens.
    pub sampling: SamplingParams,
    /// Names the conversation, so its cache can serve the next turn
    /// (`None`: nothing is kept).
    pub cache_key: Option<String>,
}

/// Which forward pass runs llama-family models.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Implementation {
    /// Candor's batched forward with per-conversation caches.
    #[default]
    Own,
    /// candle-transformers' model, one request at a time (for comparison).
    Upstream,
}

/// Numbers about one finished generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerationStats {
    /// Tokens in the rendered prompt.
    pub prompt_tokens: usize,
    /// Of those, how many came from a cache (earlier turn or shared prefix).
    pub cached_prompt_tokens: usize,
    /// Tokens generated.
    pub generated_tokens: usize,
    /// Time spent on the prompt (prefill), in seconds.
    pub prefill_secs: f64,
    /// Time spent generating, in seconds.
    pub decode_secs: f64,
    /// Why generation stopped.
    pub finish: FinishReason,
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FinishReason {
    /// The model produced its end-of-turn token.
    #[default]
    Stop,
    /// The token cap was reached.
    Length,
    /// The time cap was reached.
    Timeout,
}

/// What a generation stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// More text (always complete UTF-8).
    Delta(String),
    /// Generation finished.
    Done(GenerationStats),
    /// Generation failed part-way.
    Failed(String),
}

/// The receiving end of one generation.
pub type EventStream = mpsc::UnboundedReceiver<EngineEvent>;

/// Anything that can generate replies: the local model, or a scripted fake in tests.
pub trait Generator: Send + Sync + 'static {
    /// Queues a request. A full queue is an immediate [`EngineError::Busy`].
    fn submit(&self, request: GenerationRequest) -> Result<EventStream, EngineError>;

    /// Drops whatever is cached for `cache_key` (the conversation's data was
    /// erased). Nothing to do for engines that keep no cache.
    fn forget(&self, cache_key: &str) {
        let _ = cache_key;
    }

    /// A short description for logs and `/healthz` (model name, architecture).
    fn describe(&self) -> String;

    /// Whether the engine can take requests now (`GET /readyz`). A loaded
    /// local model always can; a remote engine only while its server answers.
    fn is_ready(&self) -> bool {
        true
    }

    /// How busy the engine is now (`GET /metrics`); engines without a
    /// queue of their own report nothing waiting.
    fn load(&self) -> EngineLoad {
        EngineLoad::default()
    }
}
