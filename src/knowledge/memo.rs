//! Vectors already computed, by text: the embedding of a text never
//! changes while the process runs, so a knowledge base synced again (every
//! application built in the process, an edited entry among unchanged ones)
//! or a question asked again costs no forward pass. Bounded: when full it
//! starts over.

use std::collections::HashMap;

use crate::domain::Embedding;

/// Texts remembered at most (384 floats each: ~6 MiB at the cap).
pub(super) const CAPACITY: usize = 4096;

/// Text → vector, up to a capacity.
pub(super) struct EmbeddingMemo {
    vectors: HashMap<String, Embedding>,
    capacity: usize,
}

impl EmbeddingMemo {
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            vectors: HashMap::new(),
            capacity,
        }
    }

    /// The vectors of `texts` in order: remembered ones as they are, the
    /// others (each distinct text once) from `compute`, then remembered.
    pub(super) fn embed_all<E>(
        &mut self,
        texts: &[String],
        compute: impl FnOnce(&[String]) -> Result<Vec<Embedding>, E>,
    ) -> Result<Vec<Embedding>, E> {
        let mut missing: Vec<String> = Vec::new();
        for text in texts {
            if !self.vectors.contains_key(text) && !missing.contains(text) {
                missing.push(text.clone());
            }
        }
        let computed = if missing.is_empty() {
            Vec::new()
        } else {
            compute(&missing)?
        };
        let mut fresh: HashMap<&str, &Embedding> = HashMap::new();
        for (text, vector) in missing.iter().zip(&computed) {
            fresh.insert(text.as_str(), vector);
        }
        let out: Vec<Embedding> = texts
            .iter()
            .filter_map(|t| {
                fresh
                    .get(t.as_str())
                    .copied()
                    .or_else(|| self.vectors.get(t))
                    .cloned()
            })
            .collect();
        if self.vectors.len() + missing.len() > self.capacity {
            self.vectors.clear();
        }
        for (text, vector) in missing.into_iter().zip(computed) {
            if self.vectors.len() < self.capacity {
                self.vectors.insert(text, vector);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(text: &str) -> Embedding {
        let mut values = vec![1.0; crate::domain::DIMS];
        values[0] = text.len() as f32;
        Embedding::from_vec(values).expect("a valid vector")
    }

    fn compute_counting(
        calls: &mut Vec<Vec<String>>,
    ) -> impl FnOnce(&[String]) -> Result<Vec<Embedding>, ()> + '_ {
        move |texts: &[String]| {
            calls.push(texts.to_vec());
            Ok(texts.iter().map(|t| vector(t)).collect())
        }
    }

    #[test]
    fn a_text_is_computed_once_and_answers_keep_the_input_order() {
        let mut memo = EmbeddingMemo::new(CAPACITY);
        let mut calls = Vec::new();
        let texts: Vec<String> = ["a", "bbb", "a", "cc"].map(String::from).to_vec();
        let first = memo
            .embed_all(&texts, compute_counting(&mut calls))
            .expect("computed");
        assert_eq!(first, texts.iter().map(|t| vector(t)).collect::<Vec<_>>());
        assert_eq!(calls, vec![vec!["a", "bbb", "cc"]]);
        let again: Vec<String> = ["cc", "dddd", "a"].map(String::from).to_vec();
        let second = memo
            .embed_all(&again, compute_counting(&mut calls))
            .expect("computed");
        assert_eq!(second, again.iter().map(|t| vector(t)).collect::<Vec<_>>());
        assert_eq!(calls[1], vec!["dddd"], "only the new text is computed");
    }

    #[test]
    fn a_full_memo_starts_over_and_a_failure_remembers_nothing() {
        let mut memo = EmbeddingMemo::new(2);
        let mut calls = Vec::new();
        let texts: Vec<String> = ["a", "bb"].map(String::from).to_vec();
        memo.embed_all(&texts, compute_counting(&mut calls))
            .expect("computed");
        let more: Vec<String> = vec!["ccc".into()];
        memo.embed_all(&more, compute_counting(&mut calls))
            .expect("computed");
        assert_eq!(memo.vectors.len(), 1, "cleared, then the new text kept");
        let failed = memo.embed_all(&["x".to_string()], |_| Err("model failed"));
        assert_eq!(failed, Err("model failed"));
        assert!(!memo.vectors.contains_key("x"));
    }
}
