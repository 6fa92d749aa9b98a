//! Turning a conversation into model input: the system prompt (shop
//! policies, disclosure rule) and the history as chat messages.

mod builder;
pub mod credentials;

pub use builder::{PromptBuilder, PromptError};
