//! What can stop an answer-quality run before any case is judged.

use std::path::PathBuf;

/// The labelled set, the shop's data or the server could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// A file or folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A case file does not follow the format.
    #[error("{}: {reason}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// No case is left after loading and filtering.
    #[error("no answer-quality cases to run (folder {}, after filters)", .0.display())]
    NoCases(PathBuf),
    /// The locale texts (refusal texts) could not be loaded.
    #[error("locale texts: {0}")]
    Notices(#[from] crate::guard::NoticeError),
    /// The demo shop's data could not be read.
    #[error("demo shop data: {0}")]
    Store(#[from] crate::store::StoreError),
    /// The in-process server could not be started.
    #[error("server: {0}")]
    Startup(String),
    /// The JSON report could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}
