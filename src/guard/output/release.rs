//! How much of a sentence that is still being written may be sent: all
//! of it before the earliest point where something the guard must change
//! could still appear. That point is the earliest of
//! - where a rule of the output phrase book (human claim, urgency,
//!   promotion) could still start matching, in the normalized words (a
//!   rule with a `*` gap: see `PhraseBook::hold_from`);
//! - where a run of chunks that may still be (or become) a value or an
//!   identifier starts: held while it is being written, up to the first
//!   chunk that ends it (a word no value is made of);
//! - where a complete value the turn's context does not hold starts (its
//!   sentence will be cut there).
//!
//! The point is rounded down to the start of its chunk (text between two
//! whitespace runs), and the whitespace before it is held too, so a cut
//! mark can follow the last word sent.

use super::OutputGuard;
use crate::guard::facts::ChunkRole;
use crate::guard::identifiers::may_be_identifier;

impl OutputGuard<'_> {
    /// How many bytes of `text`, the beginning of a sentence that ends in
    /// whitespace, may be sent; `from` is what was sent already (nothing
    /// before it is looked at again for phrases: a word that could start no
    /// match then cannot later either).
    pub(super) fn release_point(&self, text: &str, from: usize) -> usize {
        let phrase = self.rules.hold_from(text, from);
        let values = self.value_hold(text, false);
        sendable(text, phrase.into_iter().chain(values).min())
    }

    /// [`OutputGuard::release_point`] for `text` that ends in a word still
    /// being written, knowing how that word begins (a rule's next word
    /// cannot start so: "I'm" of "I'm sorr"): the word itself stays held,
    /// and so does a run of values or connectors before it (the word may
    /// be a value). `None` when the word tells nothing yet, or is the
    /// sentence's first. Never more than the release point at the
    /// whitespace after the finished word, so the stored reply still does
    /// not depend on the deltas.
    pub(super) fn release_point_before_chunk(&self, text: &str, from: usize) -> Option<usize> {
        let chunk_start = text
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, c)| i + c.len_utf8())?;
        let (before, chunk) = text.split_at(chunk_start);
        let phrase = self.rules.hold_before_chunk(before, chunk, from)?;
        let values = self.value_hold(before, true);
        Some(sendable(before, phrase.into_iter().chain(values).min()))
    }

    /// Where the values and identifiers of `text` must be held from; with
    /// `value_follows`, as if a value came right after `text`.
    fn value_hold(&self, text: &str, value_follows: bool) -> Option<usize> {
        let unbacked = self.facts.as_ref().and_then(|f| f.first_unbacked(text));
        let mut run: Option<usize> = None;
        let mut run_has_value = false;
        for (start, chunk) in chunks(text) {
            let identifier = if may_be_identifier(chunk) {
                ChunkRole::Value
            } else if chunk.chars().any(char::is_alphabetic) {
                ChunkRole::Inert
            } else {
                ChunkRole::Connector
            };
            let fact = self
                .facts
                .as_ref()
                .map_or(ChunkRole::Inert, |f| f.chunk_role(chunk));
            match identifier.max(fact) {
                ChunkRole::Inert => {
                    run = None;
                    run_has_value = false;
                }
                ChunkRole::Connector => {
                    run.get_or_insert(start);
                }
                ChunkRole::Value => {
                    run.get_or_insert(start);
                    run_has_value = true;
                }
            }
        }
        if value_follows {
            run.get_or_insert(text.len());
            run_has_value = true;
        }
        let run = run.filter(|_| run_has_value);
        unbacked.into_iter().chain(run).min()
    }
}

/// How much of `text` goes out when it is held from `hold` (`None`:
/// nothing is held): up to the start of the chunk `hold` falls in, without
/// the whitespace before it.
fn sendable(text: &str, hold: Option<usize>) -> usize {
    let hold = hold.unwrap_or(text.len()).min(text.len());
    let chunk_start = text[..hold]
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(i, c)| i + c.len_utf8());
    text[..chunk_start].trim_end().len()
}

/// The chunks of `text` (runs without whitespace) with their byte offsets.
fn chunks(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while rest.next_if(|(_, c)| c.is_whitespace()).is_some() {}
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some((i, c)) = rest.next_if(|(_, c)| !c.is_whitespace()) {
            end = i + c.len_utf8();
        }
        Some((start, &text[start..end]))
    })
}
