//! The conversation layer's error type.

use crate::error::ErrorCode;
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
    /// The server is shutting down and takes no new messages.
    #[error("the server is restarting: reconnect and send the message again")]
    ShuttingDown,
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl ConversationError {
    /// The stable code clients see (an unknown customer is `not_found`, as
    /// on HTTP).
    pub fn code(&self) -> ErrorCode {
        match self {
            ConversationError::UnknownConversation => ErrorCode::UnknownConversation,
            ConversationError::NotYours => ErrorCode::ConversationNotYours,
            ConversationError::Closed => ErrorCode::ConversationClosed,
            ConversationError::ShuttingDown => ErrorCode::ShuttingDown,
            ConversationError::UnknownCustomer => ErrorCode::NotFound,
            ConversationError::Store(_) => ErrorCode::InternalError,
        }
    }
}
