//! `/v1/agent/*`: human agents take conversations over.

mod auth;
pub mod claim;
pub mod close;
pub mod conversation;
pub mod messages;
pub mod presence;
pub mod queue;
pub mod release;
pub mod socket;
pub mod typing;
pub mod ws_ticket;

pub use auth::AgentAuth;

use crate::conversation::HandoffError;
use crate::domain::ConversationId;
use crate::error::ErrorCode;
use crate::routes::ApiError;

impl From<HandoffError> for ApiError {
    fn from(e: HandoffError) -> Self {
        match e {
            HandoffError::NotFound => ApiError::NotFound("conversation"),
            HandoffError::NotQueued => ApiError::Conflict(
                "the conversation is not waiting in the queue (already claimed or not handed off)",
            ),
            HandoffError::NotYours => {
                ApiError::Conflict("this conversation is not assigned to you")
            }
            HandoffError::Store(e) => e.into(),
        }
    }
}

/// The `{id}` path segment as a conversation id.
pub(crate) fn conversation_id(raw: &str) -> Result<ConversationId, ApiError> {
    ConversationId::parse(raw)
        .map_err(|e| ApiError::invalid(ErrorCode::InvalidConversationId, e.to_string()))
}
