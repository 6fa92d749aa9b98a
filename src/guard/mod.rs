//! Deterministic guarantees enforced outside the model: the AI disclosure and
//! the fixed notices Candor shows instead of model output.

pub mod handoff_intent;
mod notices;

pub use notices::{LocaleTexts, NoticeError, Notices};
