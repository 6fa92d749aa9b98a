//! The `[knowledge]` settings table.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use serde::Deserialize;

use super::KnowledgeError;

/// Knowledge-base retrieval settings (`[knowledge]` in the settings file).
///
/// The combined score of an entry is
/// `semantic_weight * semantic + (1 - semantic_weight) * lexical`, both parts
/// in 0..=1 (see [`crate::knowledge::Hit`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// Folder holding all-MiniLM-L6-v2's `model.safetensors` and
    /// `tokenizer.json` (`python3 models/fetch_model.py` puts them there).
    pub model_dir: PathBuf,
    /// Tuning knob: entries whose combined score is below this are not
    /// relevant, and a question no entry reaches gets "nothing relevant"
    /// (an empty hit list). Raise it for fewer, surer answers; lower it to
    /// answer more loosely worded questions. 0..=1.
    pub min_score: f32,
    /// Tuning knob: share of the embedding (semantic) similarity in the
    /// combined score; the lexical (BM25) part gets the rest. The model is
    /// trained on English, so it helps most with English paraphrases. 0..=1.
    pub semantic_weight: f32,
    /// Most hits one retrieval returns.
    pub max_hits: NonZeroUsize,
    /// BM25 term-frequency saturation (usual range 1.2-2.0).
    pub bm25_k1: f32,
    /// BM25 length normalisation (0 = none, 1 = full).
    pub bm25_b: f32,
}

impl Default for KnowledgeSettings {
    fn default() -> Self {
        Self {
            model_dir: PathBuf::from("models/all-MiniLM-L6-v2"),
            min_score: 0.45,
            semantic_weight: 0.5,
            max_hits: NonZeroUsize::new(4).unwrap_or(NonZeroUsize::MIN),
            bm25_k1: 1.2,
            bm25_b: 0.75,
        }
    }
}

impl KnowledgeSettings {
    /// Checks the ranges of the knobs.
    pub fn check(&self) -> Result<(), KnowledgeError> {
        let unit = |name: &str, v: f32| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(KnowledgeError::Settings(format!("{name} must be in 0..=1")))
            }
        };
        unit("min_score", self.min_score)?;
        unit("semantic_weight", self.semantic_weight)?;
        unit("bm25_b", self.bm25_b)?;
        if !(self.bm25_k1.is_finite() && self.bm25_k1 > 0.0) {
            return Err(KnowledgeError::Settings("bm25_k1 must be positive".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_in_range_and_the_table_is_strict() {
        assert!(KnowledgeSettings::default().check().is_ok());
        let s: KnowledgeSettings = toml::from_str("min_score = 0.6").expect("toml");
        assert_eq!(s.min_score, 0.6);
        assert!(toml::from_str::<KnowledgeSettings>("min_scor = 0.6").is_err());
        let bad: KnowledgeSettings = toml::from_str("semantic_weight = 1.5").expect("toml");
        assert!(bad.check().is_err());
    }
}
