//! Message text as the customer or an agent typed it, bounded and cleaned.

use super::DomainError;

/// The most characters one message may carry.
pub const MAX_MESSAGE_CHARS: usize = 4_000;

/// Non-empty message text of at most [`MAX_MESSAGE_CHARS`] characters, with
/// control characters (other than newline and tab) and bidirectional
/// overrides removed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct MessageText(String);

impl MessageText {
    /// Parses raw text: strips disallowed characters, trims, checks bounds.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let len = raw.chars().count();
        if len > MAX_MESSAGE_CHARS {
            return Err(DomainError::TooLong {
                what: "text",
                len,
                max: MAX_MESSAGE_CHARS,
            });
        }
        let cleaned: String = raw.chars().filter(|c| is_allowed(*c)).collect();
        let trimmed = cleaned.trim();
        if trimmed.is_empty() {
            return Err(DomainError::Empty("text"));
        }
        Ok(Self(trimmed.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a character may appear in stored text.
pub fn is_allowed(c: char) -> bool {
    if c == '\n' || c == '\t' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    // Bidirectional embeddings, overrides and isolates (Trojan Source).
    !matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

impl std::fmt::Display for MessageText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace_are_rejected() {
        assert_eq!(MessageText::parse(""), Err(DomainError::Empty("text")));
        assert_eq!(
            MessageText::parse(" \n\t "),
            Err(DomainError::Empty("text"))
        );
    }

    #[test]
    fn over_long_text_is_rejected_by_characters_not_bytes() {
        let at_cap = "é".repeat(MAX_MESSAGE_CHARS);
        assert!(MessageText::parse(&at_cap).is_ok());
        let over = "é".repeat(MAX_MESSAGE_CHARS + 1);
        assert!(matches!(
            MessageText::parse(&over),
            Err(DomainError::TooLong { len, .. }) if len == MAX_MESSAGE_CHARS + 1
        ));
    }

    #[test]
    fn control_and_bidi_characters_are_stripped() {
        let text = MessageText::parse("hi\u{0007} there\u{202E}!\nok").expect("valid");
        assert_eq!(text.as_str(), "hi there!\nok");
    }
}
