//! One phrase file: its `kind: pattern` rules and `not:` near misses.

use std::path::PathBuf;

use super::intent::Intent;
use super::pattern::{parse_pattern, Pattern};

/// A phrase file could not be read or has a malformed line.
#[derive(Debug, thiserror::Error)]
pub enum PhraseError {
    /// The file exists but could not be read.
    #[error("cannot read phrases {}: {source}", path.display())]
    Read {
        /// The file that failed.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A line does not follow the phrase file format.
    #[error("{file}:{line}: {reason}")]
    Syntax {
        /// The file (or built-in copy) holding the line.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong with it.
        reason: String,
    },
}

/// The rules of one phrase file.
#[derive(Debug, Clone, Default)]
pub(super) struct PhraseList {
    /// What each rule detects, in file order.
    pub(super) rules: Vec<(Intent, Pattern)>,
    /// `not:` near misses, blanked out before any rule is tried.
    pub(super) not: Vec<Pattern>,
}

impl PhraseList {
    pub(super) fn parse(file: &str, source: &str) -> Result<Self, PhraseError> {
        let mut list = PhraseList::default();
        for (index, raw) in source.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let error = |reason: String| PhraseError::Syntax {
                file: file.to_owned(),
                line: index + 1,
                reason,
            };
            let (kind, pattern) = line.split_once(':').ok_or_else(|| {
                error(
                    "expected `human:`, `dissatisfied:`, `identity:` or `not:` before the pattern"
                        .into(),
                )
            })?;
            let pattern = parse_pattern(pattern).map_err(error)?;
            match (kind.trim(), Intent::from_kind(kind.trim())) {
                ("not", _) => list.not.push(pattern),
                (_, Some(intent)) => list.rules.push((intent, pattern)),
                (other, None) => return Err(error(format!("unknown rule kind `{other}`"))),
            }
        }
        Ok(list)
    }

    /// The message tokens with every `not:` match blanked out.
    pub(super) fn mask<'a>(&self, tokens: &[&'a str]) -> Vec<&'a str> {
        let mut masked = tokens.to_vec();
        for pattern in &self.not {
            // Each pass blanks at least one word that a slot matched, and
            // blank words match no slot, so this ends.
            while let Some((start, end)) = pattern.find(&masked) {
                masked[start..end].fill("");
            }
        }
        masked
    }
}
