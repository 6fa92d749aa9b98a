//! How live events are written on the bus between instances. Durable
//! events carry ids, states and agent display names only; a stored message
//! crosses as its conversation and seq, and the receiver reads it from its
//! own store (so message text never sits in `bus_events`, and an erased
//! message is simply not found). Reply deltas and typing are live events:
//! a delta carries its (already guarded) text, because it exists nowhere
//! else yet.

use serde::{Deserialize, Serialize};

use crate::conversation::ConversationEvent;
use crate::handoff::AgentEvent;

/// One event on the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum WireEvent {
    /// A message was stored in `conversation` with `seq`.
    Message {
        /// The conversation.
        conversation: String,
        /// The message's seq.
        seq: i64,
    },
    /// The handoff state of `conversation` changed.
    Handoff {
        /// The conversation.
        conversation: String,
        /// `queued`, `assigned`, `returned` or `closed`.
        state: String,
        /// Place in the queue while queued.
        position: Option<i64>,
        /// The agent's display name once assigned.
        agent: Option<String>,
    },
    /// More text of an AI reply being written.
    Delta {
        /// The conversation.
        conversation: String,
        /// The id the reply will be stored under.
        id: String,
        /// The new (guarded) text.
        text: String,
        /// How long the guard held the first token back (first delta only).
        held_ms: Option<u64>,
    },
    /// The holding agent is typing.
    AgentTyping {
        /// The conversation.
        conversation: String,
        /// The agent's display name.
        agent: String,
    },
    /// An event for the agents' feed.
    Agent(AgentWire),
    /// A conversation's cached text must be dropped (its customer was erased).
    Forget {
        /// The engine cache key.
        cache_key: String,
    },
}

/// An agent-feed event on the bus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "a", rename_all = "snake_case")]
pub enum AgentWire {
    /// A conversation entered the queue.
    NewHandoff {
        /// The conversation.
        conversation: String,
        /// Why.
        reason: String,
        /// Its place in the queue.
        position: i64,
        /// Whether it arrived outside business hours.
        out_of_hours: bool,
    },
    /// A customer wrote in a queued or agent-held conversation (message
    /// `seq`, read from the store).
    CustomerMessage {
        /// The conversation.
        conversation: String,
        /// The message's seq.
        seq: i64,
    },
    /// A customer is typing in a queued or agent-held conversation.
    CustomerTyping {
        /// The conversation.
        conversation: String,
    },
    /// An agent took a conversation.
    Claimed {
        /// The conversation.
        conversation: String,
        /// Who.
        agent_id: String,
    },
    /// An agent handed a conversation back to the AI.
    Released {
        /// The conversation.
        conversation: String,
        /// Who.
        agent_id: String,
    },
    /// A conversation was closed.
    Closed {
        /// The conversation.
        conversation: String,
    },
}

/// A live event with the instance that sent it (durable rows keep their
/// origin in a column).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveEnvelope {
    /// The sending instance.
    pub origin: String,
    /// The event.
    pub event: WireEvent,
}

impl WireEvent {
    /// The wire form of a conversation event.
    pub fn from_conversation(conversation: &str, event: &ConversationEvent) -> Self {
        let conversation = conversation.to_owned();
        match event {
            ConversationEvent::Message(message) => Self::Message {
                conversation,
                seq: message.seq,
            },
            ConversationEvent::Handoff {
                state,
                position,
                agent,
            } => Self::Handoff {
                conversation,
                state: (*state).to_owned(),
                position: *position,
                agent: agent.clone(),
            },
            ConversationEvent::Delta { id, text, held_ms } => Self::Delta {
                conversation,
                id: id.clone(),
                text: text.clone(),
                held_ms: *held_ms,
            },
            ConversationEvent::AgentTyping { agent } => Self::AgentTyping {
                conversation,
                agent: agent.clone(),
            },
        }
    }

    /// The wire form of an agent event.
    pub fn from_agent(event: &AgentEvent) -> Self {
        Self::Agent(match event {
            AgentEvent::NewHandoff {
                conversation_id,
                reason,
                position,
                out_of_hours,
            } => AgentWire::NewHandoff {
                conversation: conversation_id.clone(),
                reason: reason.clone(),
                position: *position,
                out_of_hours: *out_of_hours,
            },
            AgentEvent::CustomerMessage {
                conversation_id,
                message,
            } => AgentWire::CustomerMessage {
                conversation: conversation_id.clone(),
                seq: message.seq,
            },
            AgentEvent::CustomerTyping { conversation_id } => AgentWire::CustomerTyping {
                conversation: conversation_id.clone(),
            },
            AgentEvent::Claimed {
                conversation_id,
                agent_id,
            } => AgentWire::Claimed {
                conversation: conversation_id.clone(),
                agent_id: agent_id.clone(),
            },
            AgentEvent::Released {
                conversation_id,
                agent_id,
            } => AgentWire::Released {
                conversation: conversation_id.clone(),
                agent_id: agent_id.clone(),
            },
            AgentEvent::ConversationClosed { conversation_id } => AgentWire::Closed {
                conversation: conversation_id.clone(),
            },
        })
    }

    /// Whether the event must survive a listener's reconnect (a row in
    /// `bus_events`) rather than only matter now (a NOTIFY payload).
    pub fn is_durable(&self) -> bool {
        !matches!(
            self,
            Self::Delta { .. }
                | Self::AgentTyping { .. }
                | Self::Agent(AgentWire::CustomerTyping { .. })
        )
    }
}

/// The handoff states a socket renders (`ConversationEvent::Handoff::state`
/// is a static string); `None` for anything else.
pub fn handoff_state(state: &str) -> Option<&'static str> {
    ["queued", "assigned", "returned", "closed"]
        .into_iter()
        .find(|known| *known == state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_and_deltas_are_live_and_the_rest_durable() {
        let delta = WireEvent::Delta {
            conversation: "c".into(),
            id: "m".into(),
            text: "Hi".into(),
            held_ms: None,
        };
        assert!(!delta.is_durable());
        let typing = WireEvent::Agent(AgentWire::CustomerTyping {
            conversation: "c".into(),
        });
        assert!(!typing.is_durable());
        let message = WireEvent::Message {
            conversation: "c".into(),
            seq: 3,
        };
        assert!(message.is_durable());
        assert!(WireEvent::Forget {
            cache_key: "c".into()
        }
        .is_durable());
    }

    #[test]
    fn events_round_trip_through_json() {
        let events = [
            WireEvent::Handoff {
                conversation: "c".into(),
                state: "queued".into(),
                position: Some(2),
                agent: None,
            },
            WireEvent::Agent(AgentWire::Claimed {
                conversation: "c".into(),
                agent_id: "a_1".into(),
            }),
        ];
        for event in events {
            let json = serde_json::to_string(&event).expect("encode");
            let back: WireEvent = serde_json::from_str(&json).expect("decode");
            assert_eq!(back, event);
        }
    }

    #[test]
    fn only_known_handoff_states_are_rendered() {
        assert_eq!(handoff_state("assigned"), Some("assigned"));
        assert_eq!(handoff_state("hacked"), None);
    }
}
