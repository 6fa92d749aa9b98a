//! Conversations: the one place that decides who answers a customer message
//! (the AI, or nobody while a human is on it), and the live event fan-out to
//! every socket watching a conversation.

mod error;
mod hub;
mod service;
mod turn;

pub use error::ConversationError;
pub use hub::{ConversationEvent, Hub};
pub use service::{ConversationService, Opened, OpenRequest, PostOutcome, Resume};
