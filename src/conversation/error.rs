//! The conversation layer's error type.

use crate::store::StoreError;

/// What can go wrong handling a conversation.
#[derive(Debug, thiserror::Error)]
pub enum ConversationError {
    /// No conversation has that id.
    #[error("unknown conversation")]
    UnknownConversation,
    /// The conversation belongs to another customer (or to a verified
    /// customer while this visitor is anonymous).
    #[error("this conversation belongs to someone else")]
    NotYours,
    /// The customer is not stored (or was erased).
    #[error("unknown customer")]
    UnknownCustomer,
    /// The conversation has been closed.
    #[error("this conversation is closed")]
    Closed,
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl ConversationError {
    /// The stable snake_case code clients see.
    pub fn code(&self) -> &'static str {
        match self {
            ConversationError::UnknownConversation => "unknown_conversation",
            ConversationError::NotYours => "conversation_not_yours",
            ConversationError::Closed => "conversation_closed",
            ConversationError::UnknownCustomer => "unknown_customer",
            ConversationError::Store(_) => "internal_error",
        }
    }
}
