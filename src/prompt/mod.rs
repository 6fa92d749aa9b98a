//! Turning a conversation into model input: the system prompt (the AI
//! rule, the shop's entries retrieved for the turn, the consented customer
//! context) and the history as chat messages.

mod builder;
pub mod credentials;

pub use builder::{PromptBuilder, PromptError, ShopFact};
pub use credentials::without_credentials;
