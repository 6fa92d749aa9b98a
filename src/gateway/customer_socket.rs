//! One customer WebSocket: reads frames, hands them to the conversation
//! layer, and forwards the conversation's stored messages and live deltas.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{CloseCode, CloseReason, Session};
use tokio::sync::broadcast;

use super::frames::{FrameReader, Inbound};
use super::protocol::{
    parse_client_frame, ClientFrame, ConsentState, CustomerClaim, ServerFrame, MAX_FRAME_BYTES,
};
use super::{
    unix_now, ConnectionSlot, SecuritySettings, SignatureError, VerifiedSignature, WidgetSigner,
};
use crate::conversation::{
    ConversationError, ConversationEvent, ConversationService, HandoffStatus, OpenRequest,
    PostOutcome, Resume,
};
use crate::domain::{ClientId, ConversationId, CustomerId, DomainError, Locale, MessageText};
use crate::privacy::{export_customer, ConsentChange, Requester};
use crate::store::StoredMessage;

/// How often the server pings an idle socket.
const PING_INTERVAL: Duration = Duration::from_secs(20);
/// A socket silent (no frame, no pong) this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// What a socket needs from the application.
#[derive(Clone)]
pub struct SocketContext {
    /// The conversation layer.
    pub conversations: Arc<ConversationService>,
    /// Verifies customer signatures.
    pub signer: WidgetSigner,
    /// Which signatures may exercise data rights (privacy frames).
    pub security: SecuritySettings,
}

/// The customer a connection's hello proved, and the signature that proved it.
#[derive(Clone)]
struct VerifiedCustomer {
    id: CustomerId,
    signature: VerifiedSignature,
}

/// The socket's side of one connection.
struct Connection {
    ctx: SocketContext,
    /// The verified customer of this connection, if any.
    customer: Option<VerifiedCustomer>,
    slot: ConnectionSlot,
    session: Session,
    conversation: Option<ConversationId>,
    events: Option<broadcast::Receiver<ConversationEvent>>,
    /// Highest message seq sent on this socket (so replays and live events never repeat).
    sent_seq: i64,
}

/// Serves one upgraded connection until it closes.
pub async fn serve(
    ctx: SocketContext,
    slot: ConnectionSlot,
    session: Session,
    stream: actix_ws::MessageStream,
) {
    let mut frames = FrameReader::new(stream, session.clone(), MAX_FRAME_BYTES);
    let mut conn = Connection {
        ctx,
        customer: None,
        slot,
        session,
        conversation: None,
        events: None,
        sent_seq: 0,
    };
    let mut heard = Instant::now();
    let mut ping = tokio::time::interval(PING_INTERVAL);
    let close = loop {
        tokio::select! {
            // The reader answers pings, echoes a close and fails bad frames itself.
            incoming = frames.next() => {
                heard = Instant::now();
                match incoming {
                    None => break None,
                    Some(Inbound::Text(text)) => {
                        if conn.on_text(&text).await.is_err() { break None; }
                    }
                    Some(Inbound::Binary(_)) => {
                        let frame = if conn.slot.allow_frame() {
                            ServerFrame::error("binary_not_supported", "send JSON text frames")
                        } else {
                            rate_limited()
                        };
                        if conn.send(&frame).await.is_err() { break None; }
                    }
                    Some(Inbound::Heartbeat) => {}
                }
            }
            event = next_event(&mut conn.events) => {
                if conn.on_event(event).await.is_err() { break None; }
            }
            _ = ping.tick() => {
                if heard.elapsed() > IDLE_TIMEOUT {
                    break Some(CloseReason { code: CloseCode::Policy, description: Some("idle timeout".into()) });
                }
                if conn.session.ping(b"").await.is_err() { break None; }
            }
        }
    };
    let _ = conn.session.close(close).await;
}

async fn next_event(
    events: &mut Option<broadcast::Receiver<ConversationEvent>>,
) -> Result<ConversationEvent, broadcast::error::RecvError> {
    match events {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// The socket is gone; stop serving it.
struct Gone;

/// The refusal of a frame over its budget.
fn rate_limited() -> ServerFrame {
    ServerFrame::error(
        "rate_limited",
        "too many frames; please wait a moment before sending more",
    )
}

impl Connection {
    async fn send(&mut self, frame: &ServerFrame) -> Result<(), Gone> {
        self.session.text(frame.to_json()).await.map_err(|_| Gone)
    }

    async fn send_message(&mut self, message: &StoredMessage) -> Result<(), Gone> {
        if message.seq <= self.sent_seq {
            return Ok(());
        }
        self.sent_seq = message.seq;
        self.send(&ServerFrame::message(message)).await
    }

    async fn send_error(&mut self, code: &str, message: impl Into<String>) -> Result<(), Gone> {
        self.send(&ServerFrame::error(code, message)).await
    }

    async fn on_event(
        &mut self,
        event: Result<ConversationEvent, broadcast::error::RecvError>,
    ) -> Result<(), Gone> {
        match event {
            Ok(ConversationEvent::Message(message)) => self.send_message(&message).await,
            Ok(event) => self.send(&ServerFrame::from_event(&event)).await,
            Err(broadcast::error::RecvError::Lagged(_)) => self.catch_up().await,
            Err(broadcast::error::RecvError::Closed) => {
                self.events = None;
                Ok(())
            }
        }
    }

    /// After falling behind the live feed, resend what was stored since.
    async fn catch_up(&mut self) -> Result<(), Gone> {
        let Some(id) = self.conversation.clone() else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .store_messages_after(&id, self.sent_seq)
            .await
        {
            Ok(messages) => {
                for message in &messages {
                    self.send_message(message).await?;
                }
                Ok(())
            }
            Err(_) => {
                self.send_error("internal_error", "could not replay messages")
                    .await
            }
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), Gone> {
        if !self.slot.allow_frame() {
            return self.send(&rate_limited()).await;
        }
        let frame = match parse_client_frame(text) {
            Ok(frame) => frame,
            Err(e) => return self.send_error(e.code, e.message).await,
        };
        match &frame {
            // Messages have their own budget (checked before storing);
            // typing is only a hint, so extra frames are dropped silently.
            ClientFrame::Message { .. } => {}
            ClientFrame::Typing {} => {
                if !self.slot.allow_typing() {
                    return Ok(());
                }
            }
            _ => {
                if !self.slot.allow_action() {
                    return self.send(&rate_limited()).await;
                }
            }
        }
        match (frame, self.conversation.clone()) {
            (
                ClientFrame::Hello {
                    locale,
                    customer,
                    conversation_id,
                    last_seq,
                },
                None,
            ) => {
                self.on_hello(locale.as_deref(), customer, conversation_id, last_seq)
                    .await
            }
            (ClientFrame::Hello { .. }, Some(_)) => {
                self.send_error(
                    "already_started",
                    "hello may only be sent once per connection",
                )
                .await
            }
            (_, None) => {
                self.send_error("hello_required", "the first frame must be hello")
                    .await
            }
            (ClientFrame::Message { client_id, text }, Some(conversation)) => {
                self.on_message(&conversation, &client_id, &text).await
            }
            (ClientFrame::HandoffRequest {}, Some(conversation)) => {
                self.on_handoff_request(&conversation).await
            }
            (ClientFrame::Typing {}, Some(conversation)) => {
                if let Err(error) = self.ctx.conversations.customer_typing(&conversation).await {
                    tracing::warn!(%error, "typing notice failed");
                }
                Ok(())
            }
            (
                ClientFrame::Consent {
                    personalization,
                    marketing,
                },
                Some(conversation),
            ) => {
                let change = ConsentChange {
                    personalization,
                    marketing,
                };
                self.on_consent(&conversation, change).await
            }
            (ClientFrame::PrivacyExport {}, Some(_)) => self.on_privacy_export().await,
            (ClientFrame::PrivacyErase {}, Some(_)) => self.on_privacy_erase().await,
        }
    }

    async fn on_hello(
        &mut self,
        locale: Option<&str>,
        customer: Option<CustomerClaim>,
        conversation_id: Option<String>,
        last_seq: Option<i64>,
    ) -> Result<(), Gone> {
        let locale = Locale::from_tag(locale);
        let (verified, refused) = match customer.map(|c| self.verify(&c)) {
            None => (None, None),
            Some(Ok(customer)) => (Some(customer), None),
            Some(Err(error)) => (None, Some(error)),
        };
        let resume = match conversation_id.as_deref().map(ConversationId::parse) {
            None => None,
            Some(Ok(conversation_id)) => Some(Resume {
                conversation_id,
                last_seq: last_seq.unwrap_or(0).max(0),
            }),
            Some(Err(_)) => {
                return self
                    .send_error("invalid_frame", "hello: conversation_id is not a valid id")
                    .await;
            }
        };
        let opened = match self
            .ctx
            .conversations
            .open(OpenRequest {
                locale,
                customer: verified.as_ref().map(|c| c.id.clone()),
                resume,
            })
            .await
        {
            Ok(opened) => opened,
            Err(error) => {
                tracing::error!(%error, "could not open a conversation");
                return self
                    .send_error(error.code(), "the conversation could not be opened")
                    .await;
            }
        };
        self.sent_seq = opened
            .backlog
            .first()
            .map_or(opened.record.last_seq, |m| m.seq - 1);
        self.conversation = Some(opened.record.id.clone());
        self.customer = verified.clone();
        self.events = Some(opened.events);
        let consent = match &verified {
            Some(customer) => self
                .ctx
                .conversations
                .consent_in_force(&customer.id)
                .await
                .ok()
                .map(|(personalization, marketing)| ConsentState {
                    personalization,
                    marketing,
                }),
            None => None,
        };
        self.send(&ServerFrame::Welcome {
            conversation_id: opened.record.id.to_string(),
            ai: true,
            disclosure: opened.disclosure,
            state: opened.record.state.as_str().into(),
            locale: locale.code().into(),
            verified: verified.is_some(),
            last_seq: opened.record.last_seq,
            consent,
        })
        .await?;
        if let Some(error) = refused {
            let message = match error {
                SignatureError::Expired => {
                    "the customer signature has expired; continuing as an anonymous visitor"
                }
                _ => "the customer signature is not valid; continuing as an anonymous visitor",
            };
            self.send_error(error.code(), message).await?;
        }
        if let Some(refused) = opened.resume_refused {
            let message = match refused {
                ConversationError::NotYours => {
                    "that conversation belongs to someone else; a new one was started"
                }
                _ => "that conversation does not exist; a new one was started",
            };
            self.send_error(refused.code(), message).await?;
        }
        for message in &opened.backlog {
            self.send_message(message).await?;
        }
        Ok(())
    }

    async fn on_handoff_request(&mut self, conversation: &ConversationId) -> Result<(), Gone> {
        match self
            .ctx
            .conversations
            .request_handoff(conversation, "button")
            .await
        {
            Ok(HandoffStatus::Closed) => {
                self.send_error("conversation_closed", "this conversation is closed")
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

    /// The verified customer whose signature may still exercise data
    /// rights, or an error frame (`not_verified`, `signature_expired`,
    /// `signature_expiry_required`).
    async fn verified_customer(&mut self) -> Result<Option<CustomerId>, Gone> {
        let Some(customer) = self.customer.clone() else {
            self.send_error(
                "not_verified",
                "only a verified customer can do this (send a signed hello)",
            )
            .await?;
            return Ok(None);
        };
        match self
            .ctx
            .security
            .check_rights(customer.signature, unix_now())
        {
            Ok(()) => Ok(Some(customer.id)),
            Err(error) => {
                self.send_error(error.code(), error.to_string()).await?;
                Ok(None)
            }
        }
    }

    async fn on_consent(
        &mut self,
        conversation: &ConversationId,
        change: ConsentChange,
    ) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .change_consent_from_chat(conversation, &customer, change)
            .await
        {
            Ok(outcome) => {
                let frame = ServerFrame::Consent {
                    personalization: outcome.personalization,
                    marketing: outcome.marketing,
                };
                self.send(&frame).await
            }
            Err(error) => {
                self.send_error(error.code(), "the consent change could not be saved")
                    .await
            }
        }
    }

    async fn on_privacy_export(&mut self) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match export_customer(
            self.ctx.conversations.store(),
            &customer,
            Requester::Customer,
        )
        .await
        {
            Ok(data) => self.send(&ServerFrame::PrivacyExport { data }).await,
            Err(_) => {
                self.send_error("internal_error", "the export could not be prepared")
                    .await
            }
        }
    }

    /// Erases the verified customer; the conversation goes with it, so the
    /// socket closes after confirming.
    async fn on_privacy_erase(&mut self) -> Result<(), Gone> {
        let Some(customer) = self.verified_customer().await? else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .erase_customer(&customer, Requester::Customer)
            .await
        {
            Ok(_) => {
                self.send(&ServerFrame::PrivacyErased {}).await?;
                Err(Gone)
            }
            Err(_) => {
                self.send_error("internal_error", "the erasure could not be completed")
                    .await
            }
        }
    }

    fn verify(&self, claim: &CustomerClaim) -> Result<VerifiedCustomer, SignatureError> {
        let id = CustomerId::parse(&claim.id).map_err(|_| SignatureError::Invalid)?;
        let signature = self.ctx.signer.verify_claim(
            id.as_str(),
            &claim.signature,
            claim.expires,
            unix_now(),
        )?;
        Ok(VerifiedCustomer { id, signature })
    }

    async fn on_message(
        &mut self,
        conversation: &ConversationId,
        client_id: &str,
        text: &str,
    ) -> Result<(), Gone> {
        if !self.slot.allow_message() {
            return self
                .send_error(
                    "rate_limited",
                    "too many messages; please wait a moment before sending more",
                )
                .await;
        }
        let client_id = match ClientId::parse(client_id) {
            Ok(id) => id,
            Err(_) => {
                return self
                    .send_error(
                        "invalid_client_id",
                        "client_id must be 1-128 characters of A-Z a-z 0-9 _ - . :",
                    )
                    .await
            }
        };
        let text = match MessageText::parse(text) {
            Ok(text) => text,
            Err(DomainError::TooLong { max, .. }) => {
                return self
                    .send_error(
                        "text_too_long",
                        format!("messages are limited to {max} characters"),
                    )
                    .await
            }
            Err(_) => {
                return self
                    .send_error("empty_text", "the message text is empty")
                    .await
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
}
