//! The visitor's requests of the conversation: `message` (validated here,
//! stored by the conversation layer) and `handoff_request`.

use super::{Connection, Gone};
use crate::conversation::{ConversationError, HandoffStatus, PostOutcome};
use crate::domain::{ClientId, ConversationId, MessageText};
use crate::error::{ErrorCode, Refusal};
use crate::gateway::protocol::ServerFrame;

impl Connection {
    pub(super) async fn on_message(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
        text: &str,
    ) -> Result<(), Gone> {
        if !self.slot.allow_message() {
            return self
                .send_error(
                    ErrorCode::RateLimited,
                    "too many messages; please wait a moment before sending more",
                )
                .await;
        }
        let client_id = match ClientId::parse(client_id) {
            Ok(id) => id,
            Err(_) => {
                return self
                    .send_error(
                        ErrorCode::InvalidClientId,
                        "client_id must be 1-128 characters of A-Z a-z 0-9 _ - . :",
                    )
                    .await
            }
        };
        let text = match MessageText::parse(text) {
            Ok(text) => text,
            Err(error) => {
                let refusal = Refusal::message_text(&error);
                return self.send_error(refusal.code, refusal.message).await;
            }
        };
        match self
            .ctx
            .conversations
            .post_customer_message(conversation, &client_id, &text)
            .await
        {
            // The acknowledgement arrives through the live feed, after commit.
            Ok(PostOutcome::Stored(_)) => Ok(()),
            Ok(PostOutcome::Duplicate(message)) => self.send(&ServerFrame::message(&message)).await,
            Err(error) => {
                if matches!(error, ConversationError::Store(_)) {
                    tracing::error!(%error, "could not store a customer message");
                }
                let message = error.to_string();
                self.send_error(error.code(), message).await
            }
        }
    }

    pub(super) async fn on_handoff_request(
        &mut self,
        conversation: &ConversationId,
    ) -> Result<(), Gone> {
        match self
            .ctx
            .conversations
            .request_handoff(conversation, "button")
            .await
        {
            Ok(HandoffStatus::Closed) => {
                self.send_error(ErrorCode::ConversationClosed, "this conversation is closed")
                    .await
            }
            // The `handoff` frame arrives through the live feed.
            Ok(_) => Ok(()),
            Err(error) => {
                tracing::error!(%error, "handoff request failed");
                self.send_error(error.code(), "the handoff could not be requested")
                    .await
            }
        }
    }
}
