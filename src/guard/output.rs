//! The output guard: every AI reply passes through it, streamed deltas
//! included. Text is held back until a sentence is complete, then checked:
//! a claim to be human (or to have a human name, body or feelings) is
//! replaced by the AI disclosure, fake urgency or scarcity is removed,
//! foreign identifiers are redacted, control and bidi characters stripped.
//! With a fact sheet, a sentence stating a value the turn's context does
//! not hold is removed whole. Only checked text is ever sent.
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

use super::facts::FactSheet;
use super::identifiers::AllowedIdentifiers;
use super::phrases::{Intent, PhraseBook};
use crate::domain::Locale;

/// A sentence longer than this is checked at its last space even without
/// an end mark, so the hold-back window stays bounded.
const MAX_HELD_CHARS: usize = 240;

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
    held: String,
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
        while let Some(end) = sentence_end(&self.held, self.facts.as_ref()) {
            let sentence: String = self.held.drain(..end).collect();
            out.push_str(&self.check(&sentence));
        }
        self.emit(out)
    }

    /// Flushes the held text at the end of the reply.
    pub fn finish(&mut self) -> Option<String> {
        let rest = std::mem::take(&mut self.held);
        let out = self.check(&rest);
        self.emit(out)
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
    /// was sent: everything was removed, or only the AI reminder replaced a
    /// claim. The turn then answers with the locale's "I don't know".
    pub fn is_empty_after_check(&self) -> bool {
        !self.model_text_sent
    }

    fn emit(&mut self, out: String) -> Option<String> {
        if out.is_empty() {
            return None;
        }
        self.sent.push_str(&out);
        Some(out)
    }

    fn check(&mut self, sentence: &str) -> String {
        if sentence.trim().is_empty() {
            return sentence.to_owned();
        }
        match self.rules.detect(self.locale, sentence) {
            Some(Intent::Claim) => {
                self.report.human_claims += 1;
                if self.sent.contains(self.disclosure) {
                    return String::new();
                }
                let lead = if self.sent.is_empty() || self.sent.ends_with(char::is_whitespace) {
                    ""
                } else {
                    " "
                };
                return format!("{lead}{} ", self.disclosure);
            }
            Some(Intent::Urgency) => {
                self.report.urgency_removed += 1;
                return String::new();
            }
            Some(Intent::Promo) => {
                let Promotions::Labelled(label) = self.promotions else {
                    self.report.promotions_removed += 1;
                    return String::new();
                };
                if self.states_unbacked_value(sentence) {
                    return String::new();
                }
                let (clean, redacted) = self.allowed.redact(sentence);
                self.report.identifiers_redacted += redacted;
                self.model_text_sent = true;
                let lead = clean.len() - clean.trim_start().len();
                return format!("{}{label} {}", &clean[..lead], &clean[lead..]);
            }
            _ => {}
        }
        if self.states_unbacked_value(sentence) {
            return String::new();
        }
        let (clean, redacted) = self.allowed.redact(sentence);
        self.report.identifiers_redacted += redacted;
        self.model_text_sent = true;
        clean
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

/// Byte index just past the first complete sentence in `text`, if any: an
/// end mark followed by whitespace, a newline, or a long run without one.
/// With a fact sheet, a dot that belongs to a date ("20. November", "Nov.
/// 20") does not end the sentence, so the date is checked whole; `None`
/// while the word after such a dot has not fully arrived.
fn sentence_end(text: &str, facts: Option<&FactSheet<'_>>) -> Option<usize> {
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            return Some(i + 1);
        }
        if matches!(c, '.' | '!' | '?' | '。' | '！' | '？') {
            if let Some(&(j, next)) = chars.peek() {
                if next.is_whitespace() {
                    let end = j + next.len_utf8();
                    let continues = match facts {
                        Some(facts) if c == '.' && next != '\n' => {
                            facts.dot_continues(&text[..i], &text[end..])?
                        }
                        _ => false,
                    };
                    if !continues {
                        return Some(end);
                    }
                }
            }
        }
    }
    if text.chars().count() > MAX_HELD_CHARS {
        return text.rfind(' ').map(|i| i + 1);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guard::phrases::Book;

    fn run(deltas: &[&str], allowed: AllowedIdentifiers) -> (Vec<String>, String, GuardReport) {
        let book = PhraseBook::builtin(Book::Output).expect("rules");
        let mut guard = OutputGuard::new(
            &book,
            Locale::En,
            "I'm an AI assistant, not a person.",
            allowed,
        );
        let mut sent: Vec<String> = deltas.iter().filter_map(|d| guard.push(d)).collect();
        sent.extend(guard.finish());
        (sent, guard.text().to_owned(), guard.report().clone())
    }

    #[test]
    fn human_claims_are_replaced_before_they_are_sent() {
        let (sent, text, report) = run(
            &[
                "Hi! I'm a ",
                "real person",
                " named Sarah. ",
                "How can I help?",
            ],
            AllowedIdentifiers::default(),
        );
        assert_eq!(report.human_claims, 1);
        assert!(!sent.concat().contains("real person"), "{sent:?}");
        assert_eq!(
            text,
            "Hi! I'm an AI assistant, not a person. How can I help?"
        );
        assert_eq!(sent.concat(), text, "what is stored is what was sent");
    }

    #[test]
    fn fake_urgency_is_removed_and_honest_text_kept() {
        let (_, text, report) = run(
            &["Returns take 30 days. Only 2 left in stock, buy now! Anything else?"],
            AllowedIdentifiers::default(),
        );
        assert_eq!(report.urgency_removed, 1);
        assert_eq!(text, "Returns take 30 days. Anything else?");
    }

    #[test]
    fn foreign_data_is_redacted_and_control_characters_stripped() {
        let allowed = AllowedIdentifiers::from_texts(["Order A1001"]);
        let (_, text, report) = run(
            &["Your order A1001 is fine.\u{202E} Lucia's is B2001, email lucia@example.com."],
            allowed,
        );
        assert_eq!(report.identifiers_redacted, 2);
        assert_eq!(
            text,
            "Your order A1001 is fine. Lucia's is [removed], email [removed]."
        );
    }

    #[test]
    fn promotions_are_removed_without_consent_and_labelled_with_it() {
        let book = PhraseBook::builtin(Book::Output).expect("rules");
        let reply = "Your order shipped. You might also like our matcha set.";
        let mut guard = OutputGuard::new(&book, Locale::En, "AI.", AllowedIdentifiers::default());
        guard.push(reply);
        guard.finish();
        assert_eq!(guard.text(), "Your order shipped. ");
        assert_eq!(guard.report().promotions_removed, 1);
        let mut guard = OutputGuard::new(&book, Locale::En, "AI.", AllowedIdentifiers::default())
            .with_promotions(Promotions::Labelled("Offer:"));
        guard.push(reply);
        guard.finish();
        assert_eq!(
            guard.text(),
            "Your order shipped. Offer: You might also like our matcha set."
        );
    }

    #[test]
    fn honest_ai_statements_pass_untouched() {
        let (_, text, report) = run(
            &["I'm an AI assistant. My name is Candor. I am not able to see that."],
            AllowedIdentifiers::default(),
        );
        assert_eq!(report, GuardReport::default());
        assert_eq!(
            text,
            "I'm an AI assistant. My name is Candor. I am not able to see that."
        );
    }

    /// Found by the red-team suite: alternatives of two words ("in stock",
    /// "esta noche", "tout de suite") had silently turned into an extra
    /// required slot, so plain "only 2 left" or "My name is Sarah" passed.
    #[test]
    fn red_team_urgency_and_claims_are_caught_in_every_language() {
        let book = PhraseBook::builtin(Book::Output).expect("rules");
        for (locale, text) in [
            (Locale::En, "There are only 2 left."),
            (Locale::En, "The sale ends at midnight."),
            (Locale::En, "Buy it immediately."),
            (Locale::En, "Get yours before it's gone!"),
            (Locale::En, "Only 3 hours left on the countdown."),
            (Locale::Es, "La oferta termina hoy."),
            (Locale::Es, "¡Apresúrate!"),
            (Locale::Es, "Se está agotando."),
            (Locale::Fr, "Il n'en reste plus que 2."),
            (Locale::Fr, "La promo se termine ce soir."),
            (Locale::Fr, "Achetez tout de suite."),
            (Locale::De, "Nur noch 2 übrig!"),
            (Locale::De, "Das Angebot endet heute Nacht."),
            (Locale::Pt, "Só restam 2 unidades."),
            (Locale::Pt, "Apresse-se!"),
            (Locale::It, "Ne restano solo 2."),
            (Locale::It, "I saldi finiscono stasera."),
            (Locale::Nl, "Er zijn nog maar 2 over."),
        ] {
            assert_eq!(book.detect(locale, text), Some(Intent::Urgency), "{text}");
        }
        for (locale, text) in [
            (Locale::En, "My name is Sarah."),
            (Locale::En, "I feel tired today."),
            (Locale::En, "I am 25 years old."),
        ] {
            assert_eq!(book.detect(locale, text), Some(Intent::Claim), "{text}");
        }
        for (locale, text) in [
            (Locale::Es, "No soy humano."),
            (Locale::It, "Non sono umano."),
            (Locale::Pt, "Não sou humano."),
            (
                Locale::En,
                "You have 30 days to return it, and you can count on us.",
            ),
            (Locale::Es, "El envío corre por nuestra cuenta."),
        ] {
            assert_eq!(book.detect(locale, text), None, "{text}");
        }
    }
}
