//! The in-memory retrieval index: per locale, BM25 postings over title and
//! text, and the entries' embeddings in one contiguous matrix.

use std::collections::HashMap;
use std::sync::Arc;

use super::embedding::{Embedding, DIMS};
use super::lexicon::Lexicon;
use super::KbEntry;
use crate::domain::Locale;

/// Title words count this many times (a title names the topic).
const TITLE_WEIGHT: f32 = 2.0;

/// One entry as the index is built from it.
pub(crate) struct IndexInput {
    pub entry: KbEntry,
    pub embedding: Option<Embedding>,
}

/// Every locale's index, built from one store version.
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// The store's knowledge-base version this index was built from.
    pub version: i64,
    /// Indexed by [`Locale::index`]; empty when the locale has no entries.
    locales: Vec<LocaleIndex>,
}

/// One locale's entries.
#[derive(Debug, Default)]
pub(crate) struct LocaleIndex {
    pub entries: Vec<Arc<KbEntry>>,
    /// term -> (entry position, weighted term frequency)
    postings: HashMap<String, Vec<(u32, f32)>>,
    lengths: Vec<f32>,
    average_length: f32,
    /// `entries.len() * DIMS` values; an entry without an embedding is zeros.
    vectors: Vec<f32>,
}

impl Index {
    /// Builds every locale's index.
    pub fn build(version: i64, inputs: Vec<IndexInput>, lexicon: &Lexicon) -> Self {
        let mut per_locale: Vec<Vec<IndexInput>> = Locale::ALL.iter().map(|_| Vec::new()).collect();
        for input in inputs {
            if let Some(bucket) = per_locale.get_mut(input.entry.locale.index()) {
                bucket.push(input);
            }
        }
        let locales = Locale::ALL
            .into_iter()
            .zip(per_locale)
            .map(|(locale, mut inputs)| {
                inputs.sort_by(|a, b| a.entry.id.cmp(&b.entry.id));
                LocaleIndex::build(locale, inputs, lexicon)
            })
            .collect();
        Self { version, locales }
    }

    /// The index to search for a question in `locale`: that locale's
    /// entries, or the English ones when the locale has none at all.
    pub fn for_locale(&self, locale: Locale) -> Option<(Locale, &LocaleIndex)> {
        [locale, Locale::En]
            .into_iter()
            .filter_map(|l| self.locales.get(l.index()).map(|i| (l, i)))
            .find(|(_, i)| !i.entries.is_empty())
    }

    /// Every entry, in locale then id order.
    pub fn entries(&self) -> impl Iterator<Item = &Arc<KbEntry>> {
        self.locales.iter().flat_map(|l| l.entries.iter())
    }
}

impl LocaleIndex {
    fn build(locale: Locale, inputs: Vec<IndexInput>, lexicon: &Lexicon) -> Self {
        let mut postings: HashMap<String, Vec<(u32, f32)>> = HashMap::new();
        let mut lengths = Vec::with_capacity(inputs.len());
        let mut vectors = Vec::with_capacity(inputs.len() * DIMS);
        let mut entries = Vec::with_capacity(inputs.len());
        for (position, input) in inputs.into_iter().enumerate() {
            let mut counts: HashMap<String, f32> = HashMap::new();
            for term in lexicon.terms(locale, &input.entry.title) {
                *counts.entry(term).or_default() += TITLE_WEIGHT;
            }
            for term in lexicon.terms(locale, &input.entry.text) {
                *counts.entry(term).or_default() += 1.0;
            }
            lengths.push(counts.values().sum::<f32>());
            let position = u32::try_from(position).unwrap_or(u32::MAX);
            for (term, tf) in counts {
                postings.entry(term).or_default().push((position, tf));
            }
            match &input.embedding {
                Some(e) => vectors.extend_from_slice(e.as_slice()),
                None => vectors.extend(std::iter::repeat_n(0.0, DIMS)),
            }
            entries.push(Arc::new(input.entry));
        }
        let average_length = if lengths.is_empty() {
            0.0
        } else {
            lengths.iter().sum::<f32>() / lengths.len() as f32
        };
        Self {
            entries,
            postings,
            lengths,
            average_length,
            vectors,
        }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Inverse document frequency of a term held by `df` of the entries
    /// (the BM25 "plus one" form, never negative).
    fn idf(&self, df: usize) -> f32 {
        let n = self.entries.len() as f32;
        let df = df as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// Each entry's lexical score in 0..=1: its BM25 score for the distinct
    /// `terms`, divided by the sum of the terms' idf (what an entry of
    /// average length holding every term once would score), capped at 1. A
    /// question term no entry holds still counts in the divisor, so asking
    /// about something the knowledge base never mentions scores low.
    pub fn lexical(&self, terms: &[String], k1: f32, b: f32) -> Vec<f32> {
        let mut scores = vec![0f32; self.entries.len()];
        let mut distinct: Vec<&String> = terms.iter().collect();
        distinct.sort();
        distinct.dedup();
        let mut divisor = 0f32;
        for term in distinct {
            let postings = self.postings.get(term.as_str());
            let idf = self.idf(postings.map_or(0, Vec::len));
            divisor += idf;
            for &(position, tf) in postings.into_iter().flatten() {
                let i = position as usize;
                let length = self.lengths.get(i).copied().unwrap_or(0.0);
                let norm = 1.0 - b + b * length / self.average_length.max(1.0);
                if let Some(score) = scores.get_mut(i) {
                    *score += idf * tf * (k1 + 1.0) / (tf + k1 * norm);
                }
            }
        }
        if divisor > 0.0 {
            scores.iter_mut().for_each(|s| *s = (*s / divisor).min(1.0));
        }
        scores
    }

    /// Each entry's cosine similarity to `query` (0 for an entry without an
    /// embedding).
    pub fn cosines(&self, query: &Embedding) -> Vec<f32> {
        let q = query.as_slice();
        self.vectors
            .chunks_exact(DIMS)
            .map(|row| super::embedding::dot(row, q))
            .collect()
    }
}
