//! Hybrid scoring of one question against one locale's index.

use std::sync::Arc;

use super::index::LocaleIndex;
use super::{KbEntry, KnowledgeSettings};
use crate::domain::Embedding;

/// One relevant entry.
///
/// - `lexical`: BM25 over title and text (title words count twice),
///   divided by the sum of the question terms' idf, capped at 1: 1 means
///   the entry holds every question term about as often as an entry of
///   average length holding each once would. A question word no entry
///   holds still counts in the divisor, so questions about things the
///   knowledge base never mentions score low; one typo in a word of five
///   letters or more is forgiven when the index knows the right word.
/// - `cosine`: cosine similarity of the question's and the entry's MiniLM
///   embeddings (0 when either is missing).
/// - `semantic`: `cosine` mapped from `[knowledge] semantic_floor..=
///   semantic_ceiling` onto 0..=1.
/// - `score = w * semantic + (1 - w) * lexical`, in 0..=1, with `w` from
///   [`KnowledgeSettings`]; entries below `min_score` (or at 0) are not hits.
#[derive(Debug, Clone)]
pub struct Hit {
    /// The entry.
    pub entry: Arc<KbEntry>,
    /// Combined score, 0..=1.
    pub score: f32,
    /// Lexical part, 0..=1.
    pub lexical: f32,
    /// Semantic part, 0..=1.
    pub semantic: f32,
    /// The raw cosine similarity, -1..=1.
    pub cosine: f32,
}

/// Scores every entry of `index` and keeps the best ones above the threshold.
pub(crate) fn rank(
    index: &LocaleIndex,
    terms: &[String],
    query: Option<&Embedding>,
    english: bool,
    settings: &KnowledgeSettings,
) -> Vec<Hit> {
    let lexical = index.lexical(terms, settings.bm25_k1, settings.bm25_b);
    let semantic = match query {
        Some(q) => index.cosines(q),
        None => vec![0.0; index.len()],
    };
    let w = if english {
        settings.semantic_weight
    } else {
        settings.semantic_weight_other_locales
    };
    let span = settings.semantic_ceiling - settings.semantic_floor;
    let mut hits: Vec<(f32, Hit)> = index
        .entries
        .iter()
        .zip(lexical.into_iter().zip(semantic))
        .filter_map(|(entry, (raw_lexical, cosine))| {
            // Capped for the score; the raw value breaks ties between
            // entries that all hold every question term.
            let lexical = raw_lexical.min(1.0);
            let semantic = ((cosine - settings.semantic_floor) / span).clamp(0.0, 1.0);
            let score = w * semantic + (1.0 - w) * lexical;
            (score >= settings.min_score && score > 0.0).then(|| {
                (
                    raw_lexical,
                    Hit {
                        entry: Arc::clone(entry),
                        score,
                        lexical,
                        semantic,
                        cosine,
                    },
                )
            })
        })
        .collect();
    hits.sort_by(|(raw_a, a), (raw_b, b)| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| raw_b.total_cmp(raw_a))
            .then_with(|| a.entry.id.cmp(&b.entry.id))
    });
    hits.truncate(settings.max_hits.get());
    hits.into_iter().map(|(_, hit)| hit).collect()
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;
    use crate::domain::Locale;
    use crate::knowledge::index::tests::shop;
    use crate::knowledge::Lexicon;

    fn ranked(min_score: f32, max_hits: usize, question: &str) -> Vec<(String, f32)> {
        let settings = KnowledgeSettings {
            min_score,
            max_hits: NonZeroUsize::new(max_hits).expect("non-zero"),
            ..KnowledgeSettings::default()
        };
        let index = shop();
        let (_, entries) = index.for_locale(Locale::En).expect("entries");
        let terms = Lexicon::builtin()
            .expect("lexicon")
            .terms(Locale::En, question);
        rank(entries, &terms, None, true, &settings)
            .into_iter()
            .map(|h| (h.entry.id.to_string(), h.score))
            .collect()
    }

    #[test]
    fn the_threshold_decides_what_is_relevant() {
        // Without an embedding the score is the lexical half.
        let hits = ranked(0.3, 4, "return unused items");
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "returns");
        assert!((hits[0].1 - 0.5).abs() < 0.05, "{hits:?}");
        assert!(ranked(0.6, 4, "return unused items").is_empty());
        assert!(ranked(0.05, 4, "capital of France").is_empty());
    }

    #[test]
    fn hits_are_best_first_and_capped() {
        let hits = ranked(0.0, 4, "business days delivery");
        assert_eq!(hits.len(), 3, "an entry scoring 0 is never a hit: {hits:?}");
        assert_eq!(hits[0].0, "delivery");
        assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1), "{hits:?}");
        assert_eq!(ranked(0.0, 2, "business days delivery").len(), 2);
    }
}
