//! Deterministic guarantees enforced outside the model: the AI disclosure,
//! the fixed notices Candor shows instead of model output, intent phrase
//! books (handoff, identity) and the output guard every AI reply passes.

mod identifiers;
mod notices;
mod output;
pub mod phrases;

pub use identifiers::{AllowedIdentifiers, REDACTED};
pub use notices::{AnswerTexts, LocaleTexts, NoticeError, Notices};
pub use output::{GuardReport, OutputGuard, Promotions};
