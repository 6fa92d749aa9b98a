//! The output guard: every AI reply passes through it, streamed deltas
//! included. A claim to be human (or to have a human name, body or
//! feelings) is replaced by the AI disclosure, fake urgency and (without
//! consent) promotion are removed, foreign identifiers are redacted,
//! control and bidi characters stripped. With a fact sheet, a value the
//! turn's context does not hold is never stated. Only checked text is ever
//! sent, not even a delta holds anything the guard must change.
//!
//! **What is held back.** Text is sent as soon as nothing in it can still
//! become something the guard must change (`release.rs`): the guard holds
//! a sentence only from the earliest word where a claim, urgency or
//! promotion rule could still start matching (for a rule with a `*` gap,
//! from its words after the gap once the gap has skipped a word that is
//! not a number: "I'm sorry to hear" is sent at once, "I am 30 years old"
//! and "only 2 left" are held whole), and holds a number, amount,
//! date, code, address or identifier while it is being written, until a
//! word that cannot belong to it follows. Everything before that is sent
//! at once. Whole sentences are then checked as before.
//!
//! **What the customer sees when a sentence must change.** When nothing of
//! the sentence was sent yet (the usual case: a claim, urgency or promotion
//! rule holds a sentence from its first word on), the sentence is replaced
//! by the disclosure or removed whole, as if it had never been written.
//! When its beginning was already sent, the rest is cut: the customer sees
//! the words sent so far, then [`CUT_MARK`] (and, for a human claim, the
//! disclosure): "Returns are accepted within 30 days, or…" instead of
//! "..., or 60 days for members.". The words that had to change are never
//! sent. A cut sentence is not an answer: a reply made only of cut and
//! removed sentences is still "empty after the check".
//!
//! **Deltas do not matter.** How much is sent before a sentence is checked
//! depends only on the text: the release point is taken after every
//! whitespace of the sentence, whatever the deltas were, so the stored
//! reply is the same whether the model's text arrives a character, a token
//! or a sentence at a time; and it is always the concatenation of the
//! deltas sent.
//!
//! Order of the checks on one sentence: human claims, urgency and
//! promotions first (their sentences are replaced or removed anyway), then
//! the fact check on the sentence as the model wrote it, then identifier
//! redaction on what passed. The fact check runs before redaction so that
//! an invented order id or tracking number removes its sentence instead of
//! leaving "your tracking number is [removed]"; a `[removed]` the model
//! copied from an earlier reply is not a value. Redaction still runs after
//! it, because the fact sheet includes the customer's own messages and an
//! identifier the customer typed proves nothing about whose it is.

mod release;
mod sentence;

use super::facts::FactSheet;
use super::identifiers::AllowedIdentifiers;
use super::phrases::{Intent, PhraseBook};
use crate::domain::Locale;

use sentence::{sentence_end, SentenceEnd};

/// Closes a sentence whose beginning was sent when the rest of it must be
/// removed or replaced.
pub const CUT_MARK: &str = "\u{2026}";

/// What the guard changed in a reply (for logs, metrics and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardReport {
    /// Sentences replaced by the disclosure.
    pub human_claims: usize,
    /// Sentences removed for fake urgency.
    pub urgency_removed: usize,
    /// Identifiers redacted.
    pub identifiers_redacted: usize,
    /// Promotional sentences removed (no marketing consent, or a complaint open).
    pub promotions_removed: usize,
    /// Sentences removed because they stated a value (number, amount,
    /// date, status, code, address...) the turn's context does not hold.
    pub facts_removed: usize,
}

/// Whether a reply may promote products or offers.
#[derive(Debug, Clone, Copy)]
pub enum Promotions<'a> {
    /// No: promotional sentences are removed (no marketing consent for this
    /// turn, or a complaint or handoff is open).
    Forbidden,
    /// Yes, labelled as such with this prefix.
    Labelled(&'a str),
}

/// Filters one reply.
pub struct OutputGuard<'a> {
    rules: &'a PhraseBook,
    promotions: Promotions<'a>,
    locale: Locale,
    disclosure: &'a str,
    allowed: AllowedIdentifiers,
    facts: Option<FactSheet<'a>>,
    /// The sentence being written, from its first character on (and text
    /// after it that arrived before its end was certain).
    held: String,
    /// Bytes of `held` already sent.
    released: usize,
    /// Bytes of `held` whose whitespace has been looked at for release.
    scanned: usize,
    sent: String,
    /// Some sentence the model wrote was sent (not only a replacement).
    model_text_sent: bool,
    report: GuardReport,
}

impl<'a> OutputGuard<'a> {
    /// A guard for a reply in `locale`; `disclosure` replaces human claims.
    pub fn new(
        rules: &'a PhraseBook,
        locale: Locale,
        disclosure: &'a str,
        allowed: AllowedIdentifiers,
    ) -> Self {
        Self {
            rules,
            promotions: Promotions::Forbidden,
            locale,
            disclosure,
            allowed,
            facts: None,
            held: String::new(),
            released: 0,
            scanned: 0,
            sent: String::new(),
            model_text_sent: false,
            report: GuardReport::default(),
        }
    }

    /// Checks every sentence against `facts`: a sentence stating a value
    /// the sheet does not hold is removed whole (counted in
    /// [`GuardReport::facts_removed`]) and never sent, not even in part.
    pub fn with_facts(mut self, facts: FactSheet<'a>) -> Self {
        self.facts = Some(facts);
        self
    }

    /// Sets whether promotional sentences may pass (labelled) or are removed.
    pub fn with_promotions(mut self, promotions: Promotions<'a>) -> Self {
        self.promotions = promotions;
        self
    }

    /// Takes more model text; returns the checked text that may be sent now.
    pub fn push(&mut self, delta: &str) -> Option<String> {
        self.held
            .extend(delta.chars().filter(|c| crate::domain::is_allowed_char(*c)));
        let mut out = String::new();
        loop {
            match sentence_end(&self.held, self.facts.as_ref()) {
                SentenceEnd::Complete(end) => {
                    self.release(end, false, &mut out);
                    let sentence: String = self.held.drain(..end).collect();
                    let released = std::mem::take(&mut self.released);
                    self.scanned = 0;
                    self.check(&sentence, released, &mut out);
                }
                SentenceEnd::Undecided(limit) => {
                    self.release(limit, false, &mut out);
                    break;
                }
                SentenceEnd::Open => {
                    self.release(self.held.len(), true, &mut out);
                    break;
                }
            }
        }
        (!out.is_empty()).then_some(out)
    }

    /// Flushes the held text at the end of the reply.
    pub fn finish(&mut self) -> Option<String> {
        let mut out = String::new();
        self.release(self.held.len(), false, &mut out);
        // The last word is finished: what it rules out goes too, as after
        // any word followed by whitespace (and as much as a release before
        // its end could have sent).
        let complete = format!("{} ", self.held);
        let point = self.release_point(&complete, self.released);
        self.send_up_to(point.min(self.held.len()), &mut out);
        let rest = std::mem::take(&mut self.held);
        let released = std::mem::take(&mut self.released);
        self.scanned = 0;
        self.check(&rest, released, &mut out);
        (!out.is_empty()).then_some(out)
    }

    /// Everything sent so far (the text to store).
    pub fn text(&self) -> &str {
        &self.sent
    }

    /// What was changed.
    pub fn report(&self) -> &GuardReport {
        &self.report
    }

    /// True when, after [`OutputGuard::finish`], no sentence the model wrote
    /// was sent whole: everything was removed or cut (the beginning of a cut
    /// sentence is not an answer), or only the AI reminder replaced a
    /// claim. The turn then answers with the locale's "I don't know".
    pub fn is_empty_after_check(&self) -> bool {
        !self.model_text_sent
    }

    /// Appends `text` to what was sent and to this call's `out`.
    fn send(&mut self, text: &str, out: &mut String) {
        self.sent.push_str(text);
        out.push_str(text);
    }

    /// Sends what became safe in `held[..limit]`: the release point is
    /// taken after every whitespace character up to `limit` (once each),
    /// and, with `open` (the sentence goes on), before the word still
    /// being written at `limit`; the furthest one counts.
    fn release(&mut self, limit: usize, open: bool, out: &mut String) {
        let mut furthest = self.released;
        let scanned = self.scanned.min(limit);
        let ends: Vec<usize> = self.held[scanned..limit]
            .char_indices()
            .filter(|(_, c)| c.is_whitespace())
            .map(|(i, c)| scanned + i + c.len_utf8())
            .collect();
        for end in ends {
            furthest = furthest.max(self.release_point(&self.held[..end], furthest));
        }
        self.scanned = self.scanned.max(limit);
        if open && !self.held[..limit].ends_with(char::is_whitespace) {
            if let Some(point) = self.release_point_before_chunk(&self.held[..limit], furthest) {
                furthest = furthest.max(point);
            }
        }
        self.send_up_to(furthest, out);
    }

    /// Sends `held[released..furthest]` (identifiers redacted), if any.
    fn send_up_to(&mut self, furthest: usize, out: &mut String) {
        if furthest > self.released {
            let text = self.held[self.released..furthest].to_owned();
            let (clean, redacted) = self.allowed.redact(&text);
            self.report.identifiers_redacted += redacted;
            self.released = furthest;
            self.send(&clean, out);
        }
    }

    /// Checks a whole sentence whose first `released` bytes were sent, and
    /// sends the rest of it, its replacement, or a cut.
    fn check(&mut self, sentence: &str, released: usize, out: &mut String) {
        let rest = &sentence[released..];
        if sentence.trim().is_empty() {
            self.send(rest, out);
            return;
        }
        match self.rules.detect(self.locale, sentence) {
            Some(Intent::Claim) => {
                self.report.human_claims += 1;
                return self.cut(sentence, released, true, out);
            }
            Some(Intent::Urgency) => {
                self.report.urgency_removed += 1;
                return self.cut(sentence, released, false, out);
            }
            Some(Intent::Promo) => {
                let Promotions::Labelled(label) = self.promotions else {
                    self.report.promotions_removed += 1;
                    return self.cut(sentence, released, false, out);
                };
                if self.states_unbacked_value(sentence) {
                    return self.cut(sentence, released, false, out);
                }
                let (clean, redacted) = self.allowed.redact(rest);
                self.report.identifiers_redacted += redacted;
                self.model_text_sent = true;
                let lead = clean.len() - clean.trim_start().len();
                let labelled = format!("{}{label} {}", &clean[..lead], &clean[lead..]);
                return self.send(&labelled, out);
            }
            _ => {}
        }
        if self.states_unbacked_value(sentence) {
            return self.cut(sentence, released, false, out);
        }
        let (clean, redacted) = self.allowed.redact(rest);
        self.report.identifiers_redacted += redacted;
        self.model_text_sent = true;
        self.send(&clean, out);
    }

    /// Drops the unsent rest of `sentence`. With nothing of it sent, the
    /// sentence disappears (or becomes the disclosure); otherwise the
    /// words sent are closed with [`CUT_MARK`] (and the disclosure).
    fn cut(&mut self, sentence: &str, released: usize, claim: bool, out: &mut String) {
        let disclose = claim && !self.sent.contains(self.disclosure);
        if released == 0 {
            if disclose {
                let lead = if self.sent.is_empty() || self.sent.ends_with(char::is_whitespace) {
                    ""
                } else {
                    " "
                };
                let text = format!("{lead}{} ", self.disclosure);
                self.send(&text, out);
            }
            return;
        }
        let trailing = &sentence[sentence.trim_end().len()..];
        let text = if disclose {
            format!("{CUT_MARK} {} ", self.disclosure)
        } else {
            format!("{CUT_MARK}{trailing}")
        };
        self.send(&text, out);
    }

    /// Whether the fact sheet (if any) finds a value in `sentence` the
    /// turn's context does not hold; counts the removal.
    fn states_unbacked_value(&mut self, sentence: &str) -> bool {
        let unbacked = self
            .facts
            .as_ref()
            .is_some_and(|facts| !facts.unbacked(sentence).is_empty());
        if unbacked {
            self.report.facts_removed += 1;
        }
        unbacked
    }
}

#[cfg(test)]
mod chunking_tests;
#[cfg(test)]
mod tests;
