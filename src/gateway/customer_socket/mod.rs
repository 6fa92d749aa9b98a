//! One customer WebSocket: reads frames, hands them to the conversation
//! layer, and forwards the conversation's stored messages and live deltas.
//!
//! This file is the event loop and the dispatch of frames; `hello`
//! authenticates and opens the conversation, `messages` validates and posts
//! the visitor's messages and handoff requests, `privacy` serves the
//! consent and data-rights frames.

mod hello;
mod messages;
mod privacy;
mod sent_seqs;

use std::sync::Arc;

use actix_ws::Session;
use tokio::sync::broadcast;

use super::frames::{FrameReader, Inbound};
use super::keepalive::{going_away, KeepAlive};
use super::protocol::{parse_client_frame, ClientFrame, ServerFrame, MAX_FRAME_BYTES};
use super::{ConnectionSlot, CustomerSignatures, VerifiedSignature};
use crate::conversation::{reached, ConversationEvent, ConversationService, Phase};
use crate::domain::{ConversationId, CustomerId};
use crate::error::ErrorCode;
use crate::privacy::ConsentChange;
use crate::store::StoredMessage;
use sent_seqs::SentSeqs;

/// What a socket needs from the application.
#[derive(Clone)]
pub struct SocketContext {
    /// The conversation layer.
    pub conversations: Arc<ConversationService>,
    /// Verifies customer signatures, also for data rights (privacy frames).
    pub signatures: CustomerSignatures,
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
    /// The message seqs sent on this socket (so replays and live events never repeat).
    sent: SentSeqs,
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
        sent: SentSeqs::up_to(0),
    };
    let mut keepalive = KeepAlive::default();
    let mut phase = conn.ctx.conversations.lifecycle().watch();
    let close = loop {
        tokio::select! {
            () = reached(&mut phase, Phase::Closing) => {
                // What the last replies published is sent before the close.
                if conn.flush_events().await.is_err() { break None; }
                break Some(going_away());
            }
            // The reader answers pings, echoes a close and fails bad frames itself.
            incoming = frames.next() => {
                keepalive.heard();
                match incoming {
                    None => break None,
                    Some(Inbound::Text(text)) => {
                        if conn.on_text(&text).await.is_err() { break None; }
                    }
                    Some(Inbound::Binary(_)) => {
                        let frame = if conn.slot.allow_frame() {
                            ServerFrame::error(ErrorCode::BinaryNotSupported, "send JSON text frames")
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
            due = keepalive.next_ping() => {
                if let Err(idle) = due { break Some(idle); }
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
        ErrorCode::RateLimited,
        "too many frames; please wait a moment before sending more",
    )
}

impl Connection {
    async fn send(&mut self, frame: &ServerFrame) -> Result<(), Gone> {
        super::frame_metrics::count_sent(self.ctx.conversations.metrics(), frame);
        self.session.text(frame.to_json()).await.map_err(|_| Gone)
    }

    async fn send_message(&mut self, message: &StoredMessage) -> Result<(), Gone> {
        if !self.sent.mark(message.seq) {
            return Ok(());
        }
        self.send(&ServerFrame::message(message)).await
    }

    async fn send_error(
        &mut self,
        code: ErrorCode,
        message: impl Into<String>,
    ) -> Result<(), Gone> {
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

    /// Sends every event already waiting (before a shutdown's close).
    async fn flush_events(&mut self) -> Result<(), Gone> {
        while let Some(event) = self.events.as_mut().map(broadcast::Receiver::try_recv) {
            match event {
                Ok(event) => self.on_event(Ok(event)).await?,
                Err(broadcast::error::TryRecvError::Lagged(_)) => self.catch_up().await?,
                Err(_) => break,
            }
        }
        Ok(())
    }

    /// After falling behind the live feed, resend what was stored since.
    async fn catch_up(&mut self) -> Result<(), Gone> {
        let Some(id) = self.conversation.clone() else {
            return Ok(());
        };
        match self
            .ctx
            .conversations
            .store_messages_after(&id, self.sent.replay_after())
            .await
        {
            Ok(messages) => {
                for message in &messages {
                    self.send_message(message).await?;
                }
                Ok(())
            }
            Err(_) => {
                self.send_error(ErrorCode::InternalError, "could not replay messages")
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
                    ErrorCode::AlreadyStarted,
                    "hello may only be sent once per connection",
                )
                .await
            }
            (_, None) => {
                self.send_error(ErrorCode::HelloRequired, "the first frame must be hello")
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
}
