//! What can stop a red-team run before any case is judged.

use std::path::PathBuf;

/// The suite could not be loaded or started.
#[derive(Debug, thiserror::Error)]
pub enum RedTeamError {
    /// A case file or the case folder could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A line of a case file does not follow its format.
    #[error("{}:{line}: {reason}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The folder holds no cases at all.
    #[error("no red-team cases found in {}", .0.display())]
    NoCases(PathBuf),
    /// The locale texts (expected identity answers) could not be loaded.
    #[error("locale texts: {0}")]
    Notices(#[from] crate::guard::NoticeError),
}
