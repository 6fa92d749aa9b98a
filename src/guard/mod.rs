//! Deterministic guarantees enforced outside the model: the AI disclosure and
//! the fixed notices Candor shows instead of model output.

mod notices;
pub mod phrases;

pub use notices::{LocaleTexts, NoticeError, Notices};
