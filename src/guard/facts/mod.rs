//! The fact check on the model's free text: a reply may state a value only
//! if the turn's context holds it. Numbers (with `.` or `,` decimals,
//! thousands separators, signs), amounts, percentages, dates, times,
//! durations, ranges (each end), spelled-out numbers, order statuses,
//! codes, web addresses, e-mail addresses and phone numbers are read from
//! both sides and compared by meaning: `64.5` is `64.50`, `€12,90` is
//! `12.90 EUR`, `20. November 2026` is `2026-11-20`.
//!
//! How values compare:
//! - a number with a unit needs the same number with the same unit
//!   ("30 days" is not backed by "30%" or by "x30"); an amount is also
//!   backed by the bare number, since records store totals without a
//!   currency; a bare number is backed by the same number anywhere;
//! - a date is backed only by a context date with the same month and the
//!   same day and year wherever the reply states them ("November 20" by
//!   2026-11-20), never by numbers or by parts of two dates;
//! - a status word is backed by the same status in the context, in any of
//!   the reader's languages ("enviado" by "status shipped");
//! - a sign is read but not compared: "-15%" and "15% off" state the same;
//! - a value that reads two ways ("1,234"; Dutch "9 uur", a time or a
//!   duration) is backed when either reading is.
//!
//! The word lists live in `prompts/facts/<code>.toml`; each locale reads
//! with its own list and English. Words that are also articles or pronouns
//! ("one", "un", "ein", "een") are values only inside a longer number or
//! before a unit ("one year"), and a locale can `ignore` words that mean
//! something else in it (Dutch "ten minste").

mod hold;
mod lexer;
mod read;
mod sheet;
mod spans;
mod table;
mod value;
mod vocabulary;
mod words;

pub(crate) use hold::ChunkRole;
pub use sheet::{FactKind, FactSheet, Unbacked};
pub use vocabulary::{FactVocabulary, FactVocabularyError};

#[cfg(test)]
mod guard_tests;
#[cfg(test)]
pub(crate) mod tests;
