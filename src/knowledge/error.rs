//! The knowledge layer's error type.

use std::path::PathBuf;

use crate::store::StoreError;

/// What can go wrong loading or using the knowledge base.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// The embedding model could not be loaded.
    #[error("cannot load the embedding model from {}: {reason} (run `python3 models/fetch_model.py`)", dir.display())]
    Model {
        /// The model folder.
        dir: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The embedding model failed on an input.
    #[error("embedding failed: {0}")]
    Embedding(String),
    /// The embedding queue is full; try again.
    #[error("the embedding model is busy")]
    Busy,
    /// The embedding thread has stopped.
    #[error("the embedding model has stopped")]
    Stopped,
    /// A knowledge-base file is malformed.
    #[error("{file}:{line}: {reason}")]
    File {
        /// The file.
        file: String,
        /// The 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// A knowledge-base file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A lexicon file (`prompts/kb_lexicon/<code>.toml`) is malformed.
    #[error("lexicon {file}: {reason}")]
    Lexicon {
        /// The file (or built-in copy).
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A `[knowledge]` setting is out of range.
    #[error("[knowledge] {0}")]
    Settings(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}
