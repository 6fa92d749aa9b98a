//! Which purposes one customer message needs (`prompts/purposes.toml`):
//! a question about an order needs `support`, a request for suggestions
//! `personalization`, a question about offers `marketing`. Nothing else
//! gets personal data.

use std::path::Path;

use serde::Deserialize;

use crate::domain::Purpose;
use crate::guard::phrases::normalize;

/// Keyword lists per purpose, normalized once at load.
#[derive(Debug, Clone)]
pub struct PurposeKeywords {
    lists: Vec<(Purpose, Vec<Vec<String>>)>,
}

/// Why the keyword file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PurposeKeywordsError {
    /// Unreadable file.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Invalid TOML.
    #[error("invalid purposes file: {0}")]
    Parse(#[from] toml::de::Error),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    support: List,
    personalization: List,
    marketing: List,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct List {
    keywords: Vec<String>,
}

const BUILTIN: &str = include_str!("../../prompts/purposes.toml");

impl PurposeKeywords {
    /// Reads `<prompts_dir>/purposes.toml` (the built-in copy when absent).
    pub fn load(prompts_dir: &Path) -> Result<Self, PurposeKeywordsError> {
        let path = prompts_dir.join("purposes.toml");
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::parse(BUILTIN),
            Err(source) => Err(PurposeKeywordsError::Read {
                path: path.display().to_string(),
                source,
            }),
        }
    }

    /// The built-in lists.
    pub fn builtin() -> Result<Self, PurposeKeywordsError> {
        Self::parse(BUILTIN)
    }

    fn parse(text: &str) -> Result<Self, PurposeKeywordsError> {
        let file: File = toml::from_str(text)?;
        let words = |list: List| {
            list.keywords
                .iter()
                .map(|k| {
                    normalize(k)
                        .split_whitespace()
                        .map(str::to_owned)
                        .collect::<Vec<_>>()
                })
                .filter(|k| !k.is_empty())
                .collect()
        };
        Ok(Self {
            lists: vec![
                (Purpose::Support, words(file.support)),
                (Purpose::Personalization, words(file.personalization)),
                (Purpose::Marketing, words(file.marketing)),
            ],
        })
    }

    /// The purposes `text` needs, in a fixed order. Naming one of
    /// `own_order_ids` always needs support.
    pub fn detect(&self, text: &str, own_order_ids: &[String]) -> Vec<Purpose> {
        let normalized = normalize(text);
        let words: Vec<&str> = normalized.split_whitespace().collect();
        let upper = text.to_uppercase();
        let mut purposes = Vec::new();
        for (purpose, keywords) in &self.lists {
            let named_order = *purpose == Purpose::Support
                && own_order_ids
                    .iter()
                    .any(|id| contains_token(&upper, &id.to_uppercase()));
            if named_order || keywords.iter().any(|k| matches_phrase(&words, k)) {
                purposes.push(*purpose);
            }
        }
        purposes
    }
}

/// `phrase` appears as consecutive words, its last word as a prefix.
fn matches_phrase(words: &[&str], phrase: &[String]) -> bool {
    let n = phrase.len();
    n > 0
        && words.windows(n).any(|w| {
            w.iter().zip(phrase).enumerate().all(|(i, (word, key))| {
                if i + 1 == n {
                    word.starts_with(key.as_str())
                } else {
                    *word == key
                }
            })
        })
}

/// `token` appears in `text` not glued to other letters or digits.
pub fn contains_token(text: &str, token: &str) -> bool {
    if token.is_empty() {
        return false;
    }
    text.match_indices(token).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + token.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Vec<Purpose> {
        PurposeKeywords::builtin()
            .expect("valid")
            .detect(text, &["A1001".to_string()])
    }

    #[test]
    fn questions_map_to_the_purposes_they_need() {
        assert_eq!(detect("Where is my order?"), [Purpose::Support]);
        assert_eq!(detect("¿Dónde está mi pedido?"), [Purpose::Support]);
        assert_eq!(detect("what about a1001"), [Purpose::Support]);
        assert_eq!(
            detect("Can you recommend a tea?"),
            [Purpose::Personalization]
        );
        assert_eq!(detect("Any discount codes?"), [Purpose::Marketing]);
        assert_eq!(
            detect("What are your opening hours?"),
            Vec::<Purpose>::new()
        );
    }

    #[test]
    fn order_ids_must_stand_alone() {
        assert!(contains_token("ORDER A1001.", "A1001"));
        assert!(!contains_token("XA1001", "A1001"));
        assert!(!contains_token("A10011", "A1001"));
    }
}
