//! Data isolation on the way out: emails, phone numbers, tracking numbers
//! and order ids in a reply must belong to the current customer's context
//! (or to the shop's own published policies); anything else is redacted.

use std::collections::HashSet;
use std::sync::OnceLock;

use regex::Regex;

/// What replaces a foreign identifier.
pub const REDACTED: &str = "[removed]";

/// Identifiers the reply may mention.
#[derive(Debug, Clone, Default)]
pub struct AllowedIdentifiers {
    tokens: HashSet<String>,
    digits: HashSet<String>,
}

fn email() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
            .unwrap_or_else(|_| unreachable!())
    })
}

fn phone() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\+?\d[\d \-().]{5,}\d").unwrap_or_else(|_| unreachable!()))
}

fn code() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"\b[A-Za-z0-9][A-Za-z0-9\-]{3,}[A-Za-z0-9]\b")
            .unwrap_or_else(|_| unreachable!())
    })
}

fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `2026-11-20`, `20.11.2026`, `11/20/2026`: dates, not phone numbers.
fn looks_like_date(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{4})$")
            .unwrap_or_else(|_| unreachable!())
    })
    .is_match(text.trim())
}

/// A code-like token: has a digit and a letter (order ids, tracking numbers),
/// or is a long run of digits.
fn is_code(token: &str) -> bool {
    let has_digit = token.chars().any(|c| c.is_ascii_digit());
    let has_letter = token.chars().any(|c| c.is_ascii_alphabetic());
    (has_digit && has_letter && token.len() >= 5) || (!has_letter && digits_of(token).len() >= 9)
}

/// Whether `chunk` (text without whitespace) may be or become part of an
/// identifier [`AllowedIdentifiers::redact`] looks at. Every one it
/// redacts is one chunk with a digit or an `@` (codes, e-mails), or a
/// phone number: chunks with digits, possibly with chunks of punctuation
/// between them, never a letter.
pub(crate) fn may_be_identifier(chunk: &str) -> bool {
    chunk.chars().any(|c| c.is_ascii_digit() || c == '@')
}

impl AllowedIdentifiers {
    /// Collects every identifier found in `sources`: the consented context
    /// and the shop policies, never the visitor's own messages (typing
    /// someone else's order id must not make the reply repeat it).
    pub fn from_texts<'a>(sources: impl IntoIterator<Item = &'a str>) -> Self {
        let mut allowed = Self::default();
        for text in sources {
            for m in email().find_iter(text) {
                allowed.tokens.insert(m.as_str().to_lowercase());
            }
            for m in phone().find_iter(text) {
                allowed.digits.insert(digits_of(m.as_str()));
            }
            for m in code().find_iter(text) {
                if is_code(m.as_str()) {
                    allowed.tokens.insert(m.as_str().to_lowercase());
                    allowed.digits.insert(digits_of(m.as_str()));
                }
            }
        }
        allowed
    }

    fn permits_token(&self, token: &str) -> bool {
        self.tokens.contains(&token.to_lowercase())
    }

    fn permits_digits(&self, text: &str) -> bool {
        let digits = digits_of(text);
        self.digits.contains(&digits)
            || self
                .digits
                .iter()
                .any(|d| d.len() >= 7 && d.ends_with(&digits))
    }

    /// `text` with foreign identifiers replaced by [`REDACTED`]; also
    /// returns how many were redacted.
    pub fn redact(&self, text: &str) -> (String, usize) {
        let mut count = 0;
        let text = email().replace_all(text, |c: &regex::Captures<'_>| {
            let found = &c[0];
            if self.permits_token(found) {
                found.to_owned()
            } else {
                count += 1;
                REDACTED.to_owned()
            }
        });
        let text = code().replace_all(&text, |c: &regex::Captures<'_>| {
            let found = &c[0];
            if !is_code(found)
                || self.permits_token(found)
                || found == REDACTED.trim_matches(['[', ']'])
            {
                found.to_owned()
            } else {
                count += 1;
                REDACTED.to_owned()
            }
        });
        let text = phone().replace_all(&text, |c: &regex::Captures<'_>| {
            let found = &c[0];
            if digits_of(found).len() < 8 || looks_like_date(found) || self.permits_digits(found) {
                found.to_owned()
            } else {
                count += 1;
                REDACTED.to_owned()
            }
        });
        (text.into_owned(), count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn foreign_identifiers_are_redacted_and_own_ones_kept() {
        let allowed = AllowedIdentifiers::from_texts([
            "Order A1001: status shipped, tracking number 1Z999AA10123456784",
            "my email is me@example.com",
        ]);
        let (text, n) = allowed
            .redact("Your order A1001 (tracking 1Z999AA10123456784) went to me@example.com.");
        assert_eq!(n, 0, "{text}");
        let (text, n) = allowed.redact(
            "Order B2001 belongs to lucia.garcia@example.com, call +34 600 000 202, tracking ES7788990011.",
        );
        assert_eq!(n, 4, "{text}");
        assert!(
            !text.contains("B2001")
                && !text.contains("lucia")
                && !text.contains("600 000")
                && !text.contains("ES77")
        );
    }

    #[test]
    fn prices_dates_and_plain_words_are_left_alone() {
        let allowed = AllowedIdentifiers::default();
        for text in [
            "It costs 64.50 and ships in 3-5 days.",
            "Placed on 2026-11-20.",
            "Call us Monday to Friday.",
        ] {
            assert_eq!(allowed.redact(text), (text.to_owned(), 0), "{text}");
        }
    }
}
