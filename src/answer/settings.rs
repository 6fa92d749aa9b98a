//! `[answers]` settings: the thresholds of the answer plan.

use serde::Deserialize;

/// How confident retrieval must be before Candor quotes the shop or lets
/// the model answer. Scores are the knowledge base's hybrid relevance in 0..1.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnswerSettings {
    /// At or above this score the best entry's sentences are quoted as the
    /// answer (no model). Tuned on `tests/data/eval/`.
    pub quote_min_score: f32,
    /// A second entry is quoted too when its score is at least this share
    /// of the best one's (and above `quote_min_score`).
    pub second_entry_ratio: f32,
    /// Between this and `quote_min_score` the model answers from the
    /// retrieved entries (fact-checked); below it, "I don't know".
    pub model_min_score: f32,
    /// The most entries a model prompt carries.
    pub model_passages: usize,
}

impl Default for AnswerSettings {
    fn default() -> Self {
        Self {
            quote_min_score: 0.4,
            second_entry_ratio: 0.9,
            model_min_score: 0.3,
            model_passages: 3,
        }
    }
}
