//! The in-memory retrieval index: per locale, BM25 postings over title and
//! text, and the entries' embeddings in one contiguous matrix.

use std::collections::HashMap;
use std::sync::Arc;

use super::lexicon::Lexicon;
use super::KbEntry;
use crate::domain::Locale;
use crate::domain::{Embedding, DIMS};
use crate::guard::phrases::one_edit_apart;

/// Title words count this many times (a title names the topic).
const TITLE_WEIGHT: f32 = 2.0;

/// Question words at least this long that no entry holds are matched to an
/// indexed word one typo away ("retrun" -> "return").
const MIN_CORRECTED_CHARS: usize = 5;

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

/// Letters two forms of a word must share for one to vouch for the other.
const MIN_SHARED_STEM: usize = 5;

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

    /// Each entry's lexical score: its BM25 score for the distinct `terms`,
    /// divided by the sum of the terms' idf (what an entry of average length
    /// holding every term once would score; the caller caps it at 1). A
    /// question term no entry holds still counts in the divisor, so asking
    /// about something the knowledge base never mentions scores low.
    pub fn lexical(&self, terms: &[String], k1: f32, b: f32) -> Vec<f32> {
        let mut scores = vec![0f32; self.entries.len()];
        let mut distinct: Vec<&String> = terms.iter().collect();
        distinct.sort();
        distinct.dedup();
        let mut divisor = 0f32;
        for term in distinct {
            let postings = self
                .postings
                .get(term.as_str())
                .or_else(|| self.correction(term).and_then(|t| self.postings.get(t)))
                .or_else(|| self.compound_head(term).and_then(|t| self.postings.get(t)));
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
            scores.iter_mut().for_each(|s| *s /= divisor);
        }
        scores
    }

    /// The longest indexed term of at least [`MIN_SHARED_STEM`] letters that
    /// starts `term`: the head of a compound no entry holds whole
    /// ("ruckgabebedingung" -> "ruckgab", "retourbeleid" -> "retour").
    fn compound_head(&self, term: &str) -> Option<&str> {
        self.postings
            .keys()
            .filter(|t| {
                t.chars().count() >= MIN_SHARED_STEM
                    && t.len() < term.len()
                    && term.starts_with(t.as_str())
            })
            .max_by(|a, b| a.len().cmp(&b.len()).then_with(|| b.cmp(a)))
            .map(String::as_str)
    }

    /// The question `terms` that no entry holds, not even one typo away or
    /// as another form of the same word (one starts the other, sharing at
    /// least [`MIN_SHARED_STEM`] letters: "accept" / "acceptons"; or both
    /// start with the same six letters: "accettat" / "accettiam"): what the
    /// question asks about that the knowledge base never mentions
    /// ("warranty"). Terms with digits (order numbers, amounts) are not
    /// topics and are left out.
    pub fn unknown_terms(&self, terms: &[String]) -> Vec<String> {
        let mut unknown: Vec<String> = Vec::new();
        for term in terms {
            let same_word = |t: &String| {
                let (short, long) = if t.len() <= term.len() {
                    (t.as_str(), term.as_str())
                } else {
                    (term.as_str(), t.as_str())
                };
                let shared = short
                    .chars()
                    .zip(long.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                (short.chars().count() >= MIN_SHARED_STEM && long.starts_with(short))
                    || shared > MIN_SHARED_STEM
            };
            let known = self.postings.contains_key(term.as_str())
                || self.correction(term).is_some()
                || self.postings.keys().any(same_word);
            if !known && !term.chars().any(|c| c.is_ascii_digit()) && !unknown.contains(term) {
                unknown.push(term.clone());
            }
        }
        unknown
    }

    /// The indexed term one edit away from `term` (a question word of at
    /// least [`MIN_CORRECTED_CHARS`] characters that no entry holds), the
    /// most widely used one when several are.
    fn correction(&self, term: &str) -> Option<&str> {
        let len = term.chars().count();
        if len < MIN_CORRECTED_CHARS || term.chars().any(|c| c.is_ascii_digit()) {
            return None;
        }
        self.postings
            .iter()
            .filter(|(t, _)| t.chars().count().abs_diff(len) <= 1 && one_edit_apart(term, t))
            .max_by(|a, b| a.1.len().cmp(&b.1.len()).then_with(|| b.0.cmp(a.0)))
            .map(|(t, _)| t.as_str())
    }

    /// Each entry's cosine similarity to `query` (0 for an entry without an
    /// embedding).
    pub fn cosines(&self, query: &Embedding) -> Vec<f32> {
        let q = query.as_slice();
        self.vectors
            .chunks_exact(DIMS)
            .map(|row| crate::domain::dot(row, q))
            .collect()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::knowledge::KbEntryId;

    pub(crate) fn entry(id: &str, locale: Locale, title: &str, text: &str) -> IndexInput {
        IndexInput {
            entry: KbEntry {
                id: KbEntryId::parse(id).expect("id"),
                title: title.into(),
                text: text.into(),
                locale,
                updated_at: 0,
            },
            embedding: None,
        }
    }

    pub(crate) fn shop() -> Index {
        let lexicon = Lexicon::builtin().expect("lexicon");
        Index::build(
            7,
            vec![
                entry("shipping", Locale::En, "Shipping", "Orders ship within 2 business days."),
                entry("delivery", Locale::En, "Delivery times", "Standard delivery takes 3-5 business days. Express delivery takes 1 business day."),
                entry("returns", Locale::En, "Returns", "Unused items can be returned within 30 days for a full refund."),
                entry("tea", Locale::En, "Storing tea", "Keep tea in an airtight tin, away from light."),
                entry("returns.es", Locale::Es, "Devoluciones", "Los artículos sin usar se pueden devolver en 30 días."),
            ],
            &lexicon,
        )
    }

    fn lexical(index: &Index, locale: Locale, question: &str) -> Vec<(String, f32)> {
        let lexicon = Lexicon::builtin().expect("lexicon");
        let (l, i) = index.for_locale(locale).expect("entries");
        let terms = lexicon.terms(l, question);
        // Capped at 1 as the retrieval caps it (title words count twice,
        // so an entry can score above the divisor).
        let scores = i.lexical(&terms, 1.2, 0.75).into_iter().map(|s| s.min(1.0));
        let mut ranked: Vec<(String, f32)> = i
            .entries
            .iter()
            .map(|e| e.id.to_string())
            .zip(scores)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    #[test]
    fn bm25_ranks_the_entry_that_holds_the_question_terms_first() {
        let index = shop();
        let ranked = lexical(&index, Locale::En, "Can I return unused items?");
        assert_eq!(ranked[0].0, "returns");
        assert!(ranked[0].1 > 0.9, "{ranked:?}");
        assert!(ranked[1..].iter().all(|(_, s)| *s == 0.0), "{ranked:?}");
        let ranked = lexical(&index, Locale::En, "how long does express delivery take");
        assert_eq!(ranked[0].0, "delivery", "{ranked:?}");
        // Rarer terms weigh more: "ship" is in one entry, "business" in two.
        let ranked = lexical(&index, Locale::En, "shipping business");
        assert_eq!(ranked[0].0, "shipping", "{ranked:?}");
    }

    #[test]
    fn lexical_scores_are_in_0_1_and_unknown_terms_lower_them() {
        let index = shop();
        let known = lexical(&index, Locale::En, "returns")[0].1;
        let half_known = lexical(&index, Locale::En, "returns warranty")[0].1;
        assert!((0.0..=1.0).contains(&known) && (0.0..=1.0).contains(&half_known));
        assert!(half_known < 0.6 * known, "{known} vs {half_known}");
        let nothing = lexical(&index, Locale::En, "capital of France");
        assert!(nothing.iter().all(|(_, s)| *s == 0.0));
    }

    #[test]
    fn one_typo_in_a_longer_word_is_forgiven() {
        let index = shop();
        assert_eq!(lexical(&index, Locale::En, "retrun")[0].0, "returns");
        assert_eq!(lexical(&index, Locale::En, "delivry")[0].0, "delivery");
        // Short words are not corrected ("shop" is not "ship").
        assert!(lexical(&index, Locale::En, "shop")
            .iter()
            .all(|(_, s)| *s == 0.0));
        assert!(one_edit_apart("retrun", "return"));
        assert!(one_edit_apart("polcy", "policy"));
        assert!(one_edit_apart("policyy", "policy"));
        assert!(one_edit_apart("pilicy", "policy"));
        assert!(!one_edit_apart("policy", "policy"));
        assert!(!one_edit_apart("plicyo", "policy"));
    }

    #[test]
    fn each_locale_has_its_own_entries_and_empty_locales_fall_back_to_english() {
        let index = shop();
        let (locale, es) = index.for_locale(Locale::Es).expect("es");
        assert_eq!((locale, es.len()), (Locale::Es, 1));
        let (locale, fallback) = index.for_locale(Locale::De).expect("fallback");
        assert_eq!((locale, fallback.len()), (Locale::En, 4));
        assert!(Index::default().for_locale(Locale::En).is_none());
        assert_eq!(index.entries().count(), 5);
    }
}
