//! Where a rule of a phrase book could still match in text that is still
//! being written: the output guard releases everything before that point
//! and holds the rest.

use super::book::PhraseBook;
use super::normalize::{normalize_spans, partial_word};

impl PhraseBook {
    /// The earliest byte offset at or after `from` in `text` (the beginning
    /// of a sentence, written up to here) where a match of any rule of any
    /// locale's list could start, whatever text follows, or for a rule with
    /// a `*` gap, where its words after the gap could start
    /// ([`super::pattern::Pattern::holds_from`]); `None` when none can. Words are compared as [`super::normalize`] gives them; words
    /// that may still change with the next word ("I" before "'m") count as
    /// not yet written. `not:` near misses are ignored here (they only ever
    /// remove matches), so this holds at least what [`PhraseBook::detect`]
    /// could flag once the sentence is complete.
    pub fn hold_from(&self, text: &str, from: usize) -> Option<usize> {
        self.hold(text, None, from)
    }

    /// [`PhraseBook::hold_from`] for `text` (ending in whitespace) followed
    /// by `chunk`, a word still being written: `None` when the chunk tells
    /// nothing yet (see [`partial_word`]); else where to hold from in
    /// `text`, knowing that the next word starts with the chunk. "I'm" of
    /// "I'm sorr" can go: no rule reads "i am sorr...".
    pub fn hold_before_chunk(&self, text: &str, chunk: &str, from: usize) -> Option<Option<usize>> {
        let partial = partial_word(chunk)?;
        Some(self.hold(text, Some(&partial), from))
    }

    fn hold(&self, text: &str, partial: Option<&str>, from: usize) -> Option<usize> {
        let spanned = normalize_spans(text);
        // A next word that opens no contraction and is no "a.u.b." settles
        // the words before it.
        let settled_end = match partial {
            Some(_) => text.len(),
            None => spanned.unsettled_from,
        };
        let settled: Vec<&str> = spanned
            .words
            .iter()
            .take_while(|w| w.start < settled_end)
            .map(|w| w.word.as_str())
            .collect();
        let rules: Vec<_> = self
            .lists
            .iter()
            .flat_map(|list| list.rules.iter().map(|(_, pattern)| pattern))
            .collect();
        let first_open = (0..settled.len())
            .filter(|&s| spanned.words[s].start >= from)
            .find(|&s| rules.iter().any(|p| p.holds_from(&settled, partial, s)))
            .map(|s| spanned.words[s].start);
        let unsettled = (settled_end < text.len()).then_some(settled_end);
        match (first_open, unsettled) {
            (Some(a), Some(b)) => Some(a.min(b).max(from)),
            (a, b) => a.or(b).map(|at| at.max(from)),
        }
    }
}
