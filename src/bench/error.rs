//! What can stop `candor bench load` before or after a run. Failures of
//! single turns are not errors of the run: they are counted in its report.

use std::path::PathBuf;

/// The load run could not be prepared or its result not written.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The tokenizer (for counting tokens) could not be read from the GGUF file.
    #[error("cannot read the tokenizer of {}: {reason}", path.display())]
    Tokenizer {
        /// The GGUF file.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// The system prompt sent to llama-server could not be built.
    #[error("cannot build Candor's system prompt: {0}")]
    Prompt(#[from] crate::prompt::PromptError),
    /// The options do not describe a run.
    #[error("{0}")]
    Options(String),
    /// The `--json` file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
