//! Domain newtypes: values that can only be built valid.
//!
//! Wire frames and HTTP bodies become these types at the edge; the core never
//! handles raw strings for identifiers, message text or locales.
//!
//! Knowledge-base entries and embeddings live here too: the store persists
//! them and the knowledge room computes with them, so neither imports the
//! other.

mod client_id;
mod conversation_id;
mod customer_id;
mod embedding;
mod kb_entry;
mod locale;
mod message_text;
mod order_id;
mod purpose;

pub use client_id::ClientId;
pub use conversation_id::ConversationId;
pub use customer_id::CustomerId;
pub(crate) use embedding::dot;
pub use embedding::{Embedding, DIMS};
pub(crate) use kb_entry::embedding_input;
pub use kb_entry::{
    parse_locale, EntryError, EntrySource, KbEntry, KbEntryId, NewKbEntry, MAX_TEXT_CHARS,
    MAX_TITLE_CHARS,
};
pub use locale::Locale;
pub use message_text::{is_allowed as is_allowed_char, MessageText, MAX_MESSAGE_CHARS};
pub use order_id::OrderId;
pub use purpose::Purpose;

/// Why a raw value could not become a domain value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// The value was empty (or only whitespace) where content is required.
    #[error("{0} must not be empty")]
    Empty(&'static str),
    /// The value is longer than the type allows.
    #[error("{what} is too long: {len} characters, at most {max}")]
    TooLong {
        /// Which value.
        what: &'static str,
        /// Its length in characters.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// The value contains characters the type does not allow.
    #[error("{0} contains characters that are not allowed")]
    BadCharacters(&'static str),
}

/// Shared rule for opaque identifiers: 1..=128 chars of `[A-Za-z0-9_.:-]`.
pub(crate) fn parse_identifier(what: &'static str, raw: &str) -> Result<String, DomainError> {
    const MAX: usize = 128;
    if raw.is_empty() {
        return Err(DomainError::Empty(what));
    }
    let len = raw.chars().count();
    if len > MAX {
        return Err(DomainError::TooLong {
            what,
            len,
            max: MAX,
        });
    }
    if !raw
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
    {
        return Err(DomainError::BadCharacters(what));
    }
    Ok(raw.to_owned())
}

/// Implements the common accessors of a string identifier newtype.
macro_rules! identifier_newtype {
    ($name:ident, $what:literal) => {
        impl $name {
            /// Parses a raw identifier; see the module docs for the accepted alphabet.
            pub fn parse(raw: &str) -> Result<Self, $crate::domain::DomainError> {
                $crate::domain::parse_identifier($what, raw).map(Self)
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use identifier_newtype;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_accept_the_documented_alphabet() {
        assert!(parse_identifier("id", "c_1-a.b:c").is_ok());
        assert_eq!(parse_identifier("id", ""), Err(DomainError::Empty("id")));
        assert_eq!(
            parse_identifier("id", "a b"),
            Err(DomainError::BadCharacters("id"))
        );
        assert!(matches!(
            parse_identifier("id", &"x".repeat(129)),
            Err(DomainError::TooLong { .. })
        ));
    }
}
