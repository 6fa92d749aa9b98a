//! What the fact check needs while a reply is still being written: which
//! words may belong to a value (so the output guard holds them until the
//! value is complete), and where the first value the context does not
//! hold starts (so it is never sent).
//!
//! The reader extends a value only over digits, symbols, the words of its
//! vocabulary (numbers, months, statuses, units, currencies, joiners,
//! fillers, range words) and words of one or two letters ("p.m.", "on
//! hold"). A chunk of text between two spaces with any other word in it
//! ends every value before it: what the reader found before that chunk no
//! longer changes, whatever follows.

use super::lexer::{lex, Tok};
use super::read::read;
use super::sheet::FactSheet;
use super::words::compound;

/// How one chunk of a reply (the text between two whitespace runs) can
/// take part in a value, from least to most.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum ChunkRole {
    /// A word no value is made of: it ends every value before it.
    Inert,
    /// Punctuation, a short word, a joiner or a filler: it can stand
    /// inside a value ("3 to 5", "on hold") but cannot make one.
    Connector,
    /// Digits, an address, a number word, a month, a status, a unit or a
    /// currency: it can be (part of) a value.
    Value,
}

impl FactSheet<'_> {
    /// The role of `chunk` (text without whitespace) in the values of a reply.
    pub(crate) fn chunk_role(&self, chunk: &str) -> ChunkRole {
        let reader = self.reader();
        let dotted = chunk
            .as_bytes()
            .windows(2)
            .any(|w| matches!(w[0], b'.' | b'/') && w[1].is_ascii_alphanumeric());
        if dotted || chunk.chars().any(|c| c.is_numeric() || c == '@') {
            return ChunkRole::Value;
        }
        let mut role = ChunkRole::Connector;
        for token in lex(chunk, false) {
            match &token.kind {
                Tok::Num(_) => return ChunkRole::Value,
                Tok::Sym(c) => {
                    if reader
                        .value_words
                        .contains(c.encode_utf8(&mut [0u8; 4]) as &str)
                    {
                        return ChunkRole::Value;
                    }
                }
                Tok::Word { folded, lower } => {
                    let value = reader.value_words.contains(folded)
                        || lower
                            .as_ref()
                            .is_some_and(|l| reader.value_words.contains(l))
                        || compound(folded, reader).is_some();
                    if value {
                        return ChunkRole::Value;
                    }
                    let connector =
                        reader.value_connectors.contains(folded) || folded.chars().count() <= 2;
                    if !connector {
                        role = ChunkRole::Inert;
                    }
                }
            }
        }
        role
    }

    /// Where the first value `text` states without backing starts, if any.
    pub(crate) fn first_unbacked(&self, text: &str) -> Option<usize> {
        read(text, self.reader())
            .into_iter()
            .filter(|o| !o.readings.iter().any(|v| self.backs(v)))
            .map(|o| o.span.start)
            .min()
    }
}
