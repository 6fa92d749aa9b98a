//! The engine's error type.

/// What can go wrong loading or running a model.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The wait queue is full; try again later (or offer a human).
    #[error("the model is busy")]
    Busy,
    /// The engine thread has stopped.
    #[error("the engine has shut down")]
    Shutdown,
    /// The model file could not be opened.
    #[error("cannot open model file {path}: {source}")]
    Open {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The GGUF is malformed or of an architecture Candor does not load.
    #[error("cannot load model: {0}")]
    Load(String),
    /// The tokenizer could not be built or failed.
    #[error(transparent)]
    Tokenizer(#[from] super::tokenizer::TokenizerError),
    /// The chat template could not be compiled or rendered.
    #[error(transparent)]
    Template(#[from] super::chat_template::ChatTemplateError),
    /// A tensor operation failed.
    #[error("model computation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// The remote engine's settings are incomplete or invalid.
    #[error(transparent)]
    RemoteSettings(#[from] super::RemoteSettingsError),
    /// Even the shortest prompt does not fit the prompt budget.
    #[error("the prompt is too long ({tokens} tokens, budget {budget})")]
    PromptTooLong {
        /// Tokens in the shortest prompt.
        tokens: usize,
        /// The budget.
        budget: usize,
    },
}
