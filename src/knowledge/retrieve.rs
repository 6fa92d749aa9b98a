//! Hybrid scoring of one question against one locale's index.

use std::sync::Arc;

use super::embedding::Embedding;
use super::index::LocaleIndex;
use super::{KbEntry, KnowledgeSettings};

/// One relevant entry.
///
/// - `lexical`: BM25 over title and text, normalised to 0..=1 (1 = the
///   entry holds every question term about as often as an average entry
///   would hold one; see `LocaleIndex::lexical`).
/// - `semantic`: cosine similarity of the question's and the entry's
///   MiniLM embeddings, clamped to 0..=1 (0 when either is unavailable).
/// - `score = semantic_weight * semantic + (1 - semantic_weight) * lexical`,
///   in 0..=1; hits below `[knowledge] min_score` are not returned.
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
}

/// Scores every entry of `index` and keeps the best ones above the threshold.
pub(crate) fn rank(
    index: &LocaleIndex,
    terms: &[String],
    query: Option<&Embedding>,
    settings: &KnowledgeSettings,
) -> Vec<Hit> {
    let lexical = index.lexical(terms, settings.bm25_k1, settings.bm25_b);
    let semantic = match query {
        Some(q) => index.cosines(q),
        None => vec![0.0; index.len()],
    };
    let w = settings.semantic_weight;
    let mut hits: Vec<Hit> = index
        .entries
        .iter()
        .zip(lexical.into_iter().zip(semantic))
        .filter_map(|(entry, (lexical, cosine))| {
            let semantic = cosine.clamp(0.0, 1.0);
            let score = w * semantic + (1.0 - w) * lexical;
            (score >= settings.min_score).then(|| Hit {
                entry: Arc::clone(entry),
                score,
                lexical,
                semantic,
            })
        })
        .collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entry.id.cmp(&b.entry.id))
    });
    hits.truncate(settings.max_hits.get());
    hits
}
