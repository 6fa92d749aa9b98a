//! The `[knowledge]` settings table.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use serde::Deserialize;

use super::KnowledgeError;

/// Knowledge-base retrieval settings (`[knowledge]` in the settings file).
///
/// Each entry gets a combined score in 0..=1:
/// `score = w * semantic + (1 - w) * lexical`, where
/// - `lexical` is BM25 over title and text normalised to 0..=1 (see
///   [`crate::knowledge::Hit`]),
/// - `semantic` is the question/entry cosine mapped linearly from
///   `semantic_floor..=semantic_ceiling` onto 0..=1 (clamped),
/// - `w` is `semantic_weight` for English questions and
///   `semantic_weight_other_locales` for the others.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KnowledgeSettings {
    /// Folder holding all-MiniLM-L6-v2's `model.safetensors` and
    /// `tokenizer.json` (`python3 models/fetch_model.py` puts them there).
    pub model_dir: PathBuf,
    /// Tuning knob: entries whose combined score is below this are not
    /// relevant, and a question no entry reaches gets "nothing relevant"
    /// (no hits). Raise it for fewer, surer answers; lower it to answer
    /// more loosely worded questions. 0..=1.
    pub min_score: f32,
    /// Tuning knob: share of the semantic (embedding) part in the score of
    /// an English question; the lexical part gets the rest. 0..=1.
    pub semantic_weight: f32,
    /// Tuning knob: the same share for questions in the other locales.
    /// all-MiniLM-L6-v2 is trained on English: on Spanish text its cosines
    /// were 0.4-0.55 for related and unrelated questions alike, so there it
    /// mostly breaks lexical ties. 0..=1.
    pub semantic_weight_other_locales: f32,
    /// Tuning knob: in English, a best hit whose semantic part reaches this
    /// vouches for question words no entry holds (paraphrases: "money
    /// back" for a refund entry), so they are not reported as unknown
    /// topics. Other languages have no such vouching (the embedding model
    /// is English). 0..=1.
    pub semantic_covers_unknown: f32,
    /// Tuning knob: a cosine at or below this counts as no similarity
    /// (unrelated English questions measured 0.0-0.3 against the demo
    /// entries).
    pub semantic_floor: f32,
    /// Tuning knob: a cosine at or above this counts as full similarity
    /// (a question and the entry that answers it measured 0.45-0.8).
    pub semantic_ceiling: f32,
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
            min_score: 0.25,
            semantic_weight: 0.5,
            semantic_weight_other_locales: 0.2,
            semantic_covers_unknown: 0.75,
            semantic_floor: 0.25,
            semantic_ceiling: 0.75,
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
        unit(
            "semantic_weight_other_locales",
            self.semantic_weight_other_locales,
        )?;
        unit("semantic_covers_unknown", self.semantic_covers_unknown)?;
        unit("semantic_floor", self.semantic_floor)?;
        unit("semantic_ceiling", self.semantic_ceiling)?;
        if self.semantic_ceiling <= self.semantic_floor {
            return Err(KnowledgeError::Settings(
                "semantic_ceiling must be above semantic_floor".into(),
            ));
        }
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
        let bad: KnowledgeSettings =
            toml::from_str("semantic_floor = 0.8\nsemantic_ceiling = 0.5").expect("toml");
        assert!(bad.check().is_err());
    }
}
