//! The receiving side of the relay: one task per instance listens on the
//! bus and republishes the other instances' events to its own sockets.
//!
//! Nothing lost, nothing doubled: durable events are read from `bus_events`
//! after the last seq this task handled, whenever a notification arrives,
//! after a reconnect, and on a periodic poll (so even a notification that
//! never came is only a few seconds late). Each row is handled once, in seq
//! order, which is commit order.

use std::sync::Arc;
use std::time::Duration;

use super::wire::{handoff_state, AgentWire, LiveEnvelope, WireEvent};
use crate::conversation::{ConversationEvent, ConversationService};
use crate::domain::ConversationId;
use crate::handoff::AgentEvent;
use crate::store::{now_ms, Bus, BusListener, Heard, StoreError};

/// How often the bus is read even without a notification.
const POLL: Duration = Duration::from_secs(2);
/// Rows read per query while catching up.
const PAGE: i64 = 500;
/// Durable events are kept this long (a listener away for longer resumes
/// from the store: widgets with `last_seq`, agents from the queue).
const KEEP_MS: i64 = 10 * 60 * 1000;
/// Wait before retrying a failed listen.
const RETRY: Duration = Duration::from_secs(1);

/// Republishes the other instances' events to this instance's sockets;
/// runs until the application stops it (startup aborts its background
/// tasks when the server ends).
pub async fn relay_task(service: Arc<ConversationService>, bus: Bus) {
    let mut last = loop {
        match bus.last_seq().await {
            Ok(seq) => break seq,
            Err(error) => {
                tracing::warn!(%error, "bus: cannot read the last seq; retrying");
                tokio::time::sleep(RETRY).await;
            }
        }
    };
    let mut poll = tokio::time::interval(POLL);
    let mut listener: Option<BusListener> = None;
    let mut polls_since_prune = 0_u32;
    loop {
        if listener.is_none() {
            match bus.listen().await {
                Ok(fresh) => {
                    listener = Some(fresh);
                    // Whatever was appended while not listening.
                    catch_up(&service, &bus, &mut last).await;
                }
                Err(error) => {
                    tracing::warn!(%error, "bus: cannot listen; retrying");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
        }
        let heard = match listener.as_mut() {
            Some(listener) => tokio::select! {
                heard = listener.recv() => Some(heard),
                _ = poll.tick() => None,
            },
            None => None,
        };
        match heard {
            Some(Ok(Heard::Live(payload))) => deliver_live(&service, &payload).await,
            Some(Ok(Heard::Durable | Heard::Reconnected)) => {
                catch_up(&service, &bus, &mut last).await;
            }
            Some(Err(error)) => {
                tracing::warn!(%error, "bus: listening connection failed; reconnecting");
                listener = None;
            }
            None => {
                catch_up(&service, &bus, &mut last).await;
                polls_since_prune += 1;
                if polls_since_prune >= 30 {
                    polls_since_prune = 0;
                    if let Err(error) = bus.prune(now_ms() - KEEP_MS).await {
                        tracing::warn!(%error, "bus: pruning failed");
                    }
                }
            }
        }
    }
}

/// Handles every durable event after `last`, in order, once.
async fn catch_up(service: &ConversationService, bus: &Bus, last: &mut i64) {
    loop {
        let rows = match bus.after(*last, PAGE).await {
            Ok(rows) => rows,
            Err(error) => {
                tracing::warn!(%error, "bus: cannot read events");
                return;
            }
        };
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= PAGE;
        for row in rows {
            *last = row.seq;
            if row.origin == service.relay.origin() {
                continue;
            }
            match serde_json::from_str::<WireEvent>(&row.payload) {
                Ok(event) => {
                    if let Err(error) = deliver(service, event).await {
                        tracing::warn!(%error, seq = row.seq, "bus: event not delivered");
                    }
                }
                Err(error) => tracing::warn!(%error, seq = row.seq, "bus: unreadable event"),
            }
        }
        if !full {
            return;
        }
    }
}

async fn deliver_live(service: &ConversationService, payload: &str) {
    match serde_json::from_str::<LiveEnvelope>(payload) {
        Ok(envelope) if envelope.origin == service.relay.origin() => {}
        Ok(envelope) => {
            if let Err(error) = deliver(service, envelope.event).await {
                tracing::warn!(%error, "bus: live event not delivered");
            }
        }
        Err(error) => tracing::warn!(%error, "bus: unreadable live event"),
    }
}

/// Publishes one event from another instance to this instance's sockets
/// (never back to the bus).
async fn deliver(service: &ConversationService, event: WireEvent) -> Result<(), StoreError> {
    let hub = &service.hub;
    match event {
        WireEvent::Message { conversation, seq } => {
            let Some(id) = parse(&conversation) else {
                return Ok(());
            };
            // Erased since: nothing to show.
            if let Some(message) = service.store.message_at(&id, seq).await? {
                hub.publish(&id, ConversationEvent::Message(message));
            }
        }
        WireEvent::Handoff {
            conversation,
            state,
            position,
            agent,
        } => {
            if let (Some(id), Some(state)) = (parse(&conversation), handoff_state(&state)) {
                hub.publish(
                    &id,
                    ConversationEvent::Handoff {
                        state,
                        position,
                        agent,
                    },
                );
            }
        }
        WireEvent::Delta {
            conversation,
            id,
            text,
            held_ms,
        } => {
            if let Some(conversation) = parse(&conversation) {
                hub.publish(
                    &conversation,
                    ConversationEvent::Delta { id, text, held_ms },
                );
            }
        }
        WireEvent::AgentTyping {
            conversation,
            agent,
        } => {
            if let Some(id) = parse(&conversation) {
                hub.publish(&id, ConversationEvent::AgentTyping { agent });
            }
        }
        WireEvent::Agent(event) => {
            if let Some(event) = agent_event(service, event).await? {
                service.agents.publish(event);
            }
        }
        WireEvent::Forget { cache_key } => service.engine.forget(&cache_key),
    }
    Ok(())
}

async fn agent_event(
    service: &ConversationService,
    event: AgentWire,
) -> Result<Option<AgentEvent>, StoreError> {
    Ok(Some(match event {
        AgentWire::NewHandoff {
            conversation,
            reason,
            position,
            out_of_hours,
        } => AgentEvent::NewHandoff {
            conversation_id: conversation,
            reason,
            position,
            out_of_hours,
        },
        AgentWire::CustomerMessage { conversation, seq } => {
            let Some(id) = parse(&conversation) else {
                return Ok(None);
            };
            let Some(message) = service.store.message_at(&id, seq).await? else {
                return Ok(None);
            };
            AgentEvent::CustomerMessage {
                conversation_id: conversation,
                message,
            }
        }
        AgentWire::CustomerTyping { conversation } => AgentEvent::CustomerTyping {
            conversation_id: conversation,
        },
        AgentWire::Claimed {
            conversation,
            agent_id,
        } => AgentEvent::Claimed {
            conversation_id: conversation,
            agent_id,
        },
        AgentWire::Released {
            conversation,
            agent_id,
        } => AgentEvent::Released {
            conversation_id: conversation,
            agent_id,
        },
        AgentWire::Closed { conversation } => AgentEvent::ConversationClosed {
            conversation_id: conversation,
        },
    }))
}

fn parse(conversation: &str) -> Option<ConversationId> {
    ConversationId::parse(conversation).ok()
}
