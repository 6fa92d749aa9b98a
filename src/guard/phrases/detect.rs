//! Intent detection over a phrase book: near misses blanked first, then the
//! highest-priority intent any locale's rules find.

use super::book::PhraseBook;
use super::intent::Intent;
use super::list::PhraseList;
use super::normalize::normalize;
use crate::domain::Locale;

impl PhraseBook {
    /// The intent `text` expresses, if any. Every list's `not:` near misses
    /// are blanked out first (the visitor's own locale's list first), then
    /// every list's rules are tried (people type English into a French
    /// widget); when a message matches several intents, a request for a
    /// person wins, then an identity question, then dissatisfaction.
    pub fn detect(&self, locale: Locale, text: &str) -> Option<Intent> {
        let normalized = normalize(text);
        let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
        if tokens.is_empty() {
            return None;
        }
        let lists = self.ordered(locale);
        // A near miss is a near miss in every language: words one list
        // blanks out are blank for the others too (English "are you a
        // person" must not reach the Dutch rules, where "person" is one typo
        // from "persoon").
        let masked = lists.iter().fold(tokens, |toks, list| list.mask(&toks));
        first_hit(&lists, &masked)
    }

    /// The intent of what is left of `text` once every span that `other`
    /// reads as `intent` is blanked out. "Are you a bot? Get me a human"
    /// still asks for a person once "are you a bot" is gone; "are you a real
    /// person?" does not, although its words would ask for one on their own.
    pub fn detect_outside(
        &self,
        locale: Locale,
        text: &str,
        other: &PhraseBook,
        intent: Intent,
    ) -> Option<Intent> {
        let normalized = normalize(text);
        let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
        // This book's near misses first ("are you an AI or a real
        // employee?" is a question, whatever is left of it), then the other
        // book's matches are blanked.
        let lists = self.ordered(locale);
        let mut left = lists.iter().fold(tokens.clone(), |t, list| list.mask(&t));
        let theirs = other.ordered(locale);
        let mut seen = theirs.iter().fold(tokens, |t, list| list.mask(&t));
        for (_, pattern) in theirs
            .iter()
            .flat_map(|list| &list.rules)
            .filter(|(i, _)| *i == intent)
        {
            // Each pass blanks at least one word a slot matched: this ends.
            while let Some((start, end)) = pattern.find(&seen) {
                seen[start..end].fill("");
                left[start..end].fill("");
            }
        }
        first_hit(&lists, &left)
    }
}

/// The highest-priority intent any list's rules find in `masked`.
fn first_hit(lists: &[&PhraseList], masked: &[&str]) -> Option<Intent> {
    let hit = |intent: Intent| {
        lists.iter().any(|list| {
            list.rules
                .iter()
                .any(|(i, p)| *i == intent && p.find(masked).is_some())
        })
    };
    Intent::PRIORITY.into_iter().find(|intent| hit(*intent))
}
