//! The engine: turns chat messages into a stream of text, using a local GGUF
//! model through candle on its own thread.
//!
//! The engine never sees a customer, a consent or a database row: it gets
//! role/content pairs and sampling settings, and returns text deltas.

pub mod chat_template;
mod error;
mod local;
mod model;
mod requantize;
mod sampling;
mod scripted;
pub mod stream_decoder;
pub mod tokenizer;

pub use chat_template::ChatMessage;
pub use error::EngineError;
/// Direct model access for the benchmark.
pub use local::bench_access as local_bench;
pub use local::LocalEngine;
pub use requantize::WeightFormat;
pub use sampling::SamplingParams;
pub use scripted::ScriptedEngine;

use tokio::sync::mpsc;

/// One generation job.
#[derive(Debug, Clone)]
pub struct GenerationRequest {
    /// The conversation as role/content pairs, system prompt first.
    pub messages: Vec<ChatMessage>,
    /// How to pick tokens.
    pub sampling: SamplingParams,
}

/// Numbers about one finished generation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GenerationStats {
    /// Tokens in the rendered prompt.
    pub prompt_tokens: usize,
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

    /// A short description for logs and `/healthz` (model name, architecture).
    fn describe(&self) -> String;
}
