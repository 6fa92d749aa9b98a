//! Live events across Candor instances. With PostgreSQL, every event an
//! instance publishes to its own sockets is also written to the bus
//! ([`crate::store::Bus`]), and every instance replays the others' events
//! to its own sockets (`relay_task`). With SQLite (one box) the relay is
//! off and events stay in process.
//!
//! What crosses: stored messages, handoff changes and agent-feed events
//! (durable, caught up after a reconnect), reply deltas and typing (live
//! only), and erasures (each instance drops its engine cache). What does not:
//! rate limits and the per-conversation turn lock are per instance
//! (documented in docs/deploy.md).

mod inbound;
mod wire;

pub use inbound::relay_task;
pub use wire::{LiveEnvelope, WireEvent};

use tokio::sync::mpsc;

use crate::store::Bus;

/// The outbound side: hands events to one writer task, which writes them
/// to the bus in the order they were published.
pub struct Relay {
    origin: String,
    outbound: Option<mpsc::UnboundedSender<WireEvent>>,
}

impl Relay {
    /// No other instance to tell (SQLite).
    pub fn local() -> Self {
        Self {
            origin: uuid::Uuid::new_v4().to_string(),
            outbound: None,
        }
    }

    /// Relays over `bus`; spawns the writer task (it ends with the relay).
    pub fn over(bus: Bus) -> Self {
        let origin = uuid::Uuid::new_v4().to_string();
        let (outbound, events) = mpsc::unbounded_channel();
        tokio::spawn(write_task(bus, origin.clone(), events));
        tracing::info!(instance = %origin, "relaying live events through PostgreSQL");
        Self {
            origin,
            outbound: Some(outbound),
        }
    }

    /// This instance's id on the bus (events it wrote are not replayed to it).
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Tells the other instances (nothing without a bus). The event is
    /// built only when there is a bus, so a single box pays nothing per
    /// delta.
    pub fn send(&self, event: impl FnOnce() -> WireEvent) {
        if let Some(outbound) = &self.outbound {
            let _ = outbound.send(event());
        }
    }
}

/// Writes events to the bus one at a time, in publication order.
async fn write_task(bus: Bus, origin: String, mut events: mpsc::UnboundedReceiver<WireEvent>) {
    while let Some(event) = events.recv().await {
        let written = if event.is_durable() {
            match serde_json::to_string(&event) {
                Ok(payload) => bus.append(&origin, &payload).await.map(|_| ()),
                Err(error) => {
                    tracing::error!(%error, "bus event could not be encoded");
                    continue;
                }
            }
        } else {
            let envelope = LiveEnvelope {
                origin: origin.clone(),
                event,
            };
            match serde_json::to_string(&envelope) {
                // Over the NOTIFY cap: dropped; the stored message follows.
                Ok(payload) => bus.notify_live(&payload).await.map(|_| ()),
                Err(error) => {
                    tracing::error!(%error, "bus event could not be encoded");
                    continue;
                }
            }
        };
        if let Err(error) = written {
            // The other instances' sockets catch up from the store
            // (`last_seq`); nothing stored is lost.
            tracing::warn!(%error, "live event not relayed to other instances");
        }
    }
}

impl crate::conversation::ConversationService {
    /// Announces a conversation event to this instance's sockets and, through
    /// the relay, to the other instances'.
    pub(in crate::conversation) fn publish(
        &self,
        conversation: &crate::domain::ConversationId,
        event: crate::conversation::ConversationEvent,
    ) {
        self.relay
            .send(|| WireEvent::from_conversation(conversation.as_str(), &event));
        self.hub.publish(conversation, event);
    }

    /// Announces an agent-feed event here and on the other instances.
    pub(in crate::conversation) fn publish_agent(&self, event: crate::handoff::AgentEvent) {
        self.relay.send(|| WireEvent::from_agent(&event));
        self.agents.publish(event);
    }

    /// Drops the engine's cache of `cache_key` here and on the other instances.
    pub(in crate::conversation) fn forget_everywhere(&self, cache_key: &str) {
        self.relay.send(|| WireEvent::Forget {
            cache_key: cache_key.to_owned(),
        });
        self.engine.forget(cache_key);
    }
}
