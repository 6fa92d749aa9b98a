//! Deterministic intent detection, independent of the model: curated
//! per-locale phrase lists matched against a normalized copy of the
//! visitor's message. Two books use it: `prompts/handoff/<code>.txt` ("does
//! the visitor want a human, or say the answers do not help?") and
//! `prompts/identity/<code>.txt` ("is the visitor asking whether they talk
//! to a bot or a person?").
//!
//! The phrase file format is documented at the top of `prompts/handoff/en.txt`:
//! `human:`, `dissatisfied:`, `identity:` and `not:` rules whose patterns are
//! words with `a|b` alternatives, `word?` optional slots, `pre*` prefixes, `*`
//! gaps of up to [`MAX_GAP`] words and `^`/`$` anchors.
//!
//! One job per file: `pattern` is the pattern language, `list` one
//! phrase file, `book` the per-locale books and their loader, `detect` the
//! intent detection the conversation router asks for, `normalize` the text
//! folding all of them share.

mod book;
mod detect;
mod hold;
mod intent;
mod list;
mod normalize;
mod pattern;

pub use book::{Book, PhraseBook};
pub use intent::Intent;
pub use list::PhraseError;
pub use normalize::{fold, normalize};
pub use pattern::one_edit_apart;
pub use pattern::MAX_GAP;

#[cfg(test)]
use crate::domain::Locale;
#[cfg(test)]
use list::PhraseList;

#[cfg(test)]
mod identity_tests;
#[cfg(test)]
mod tests;
