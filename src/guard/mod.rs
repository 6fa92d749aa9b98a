//! Deterministic guarantees enforced outside the model: the AI disclosure,
//! the fixed notices Candor shows instead of model output, intent phrase
//! books (handoff, identity), the output guard every AI reply passes, and
//! the fact check that keeps values out of a reply unless the turn's
//! context holds them.

mod facts;
mod identifiers;
mod notices;
mod output;
pub mod phrases;

pub use facts::{FactKind, FactSheet, FactVocabulary, FactVocabularyError, Unbacked};
pub use identifiers::{AllowedIdentifiers, REDACTED};
pub use notices::{AnswerTexts, LocaleTexts, NoticeError, Notices};
pub use output::{GuardReport, OutputGuard, Promotions, CUT_MARK};
