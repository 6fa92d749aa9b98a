//! The agents' live feed: new handoffs, customer messages and typing,
//! claims, releases and closes. Every agent socket subscribes through an
//! [`AgentFeed`](super::AgentFeed), which passes customer text and typing
//! only to the agent holding the conversation.

use serde::Serialize;
use tokio::sync::broadcast;

use crate::store::StoredMessage;

/// Something agents should know about now.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentEvent {
    /// A conversation entered the queue.
    NewHandoff {
        /// The conversation.
        conversation_id: String,
        /// Why.
        reason: String,
        /// Its place in the queue.
        position: i64,
        /// Whether it arrived outside business hours.
        out_of_hours: bool,
    },
    /// A customer wrote in a queued or agent-held conversation.
    CustomerMessage {
        /// The conversation.
        conversation_id: String,
        /// The stored message.
        message: StoredMessage,
    },
    /// A customer is typing in a queued or agent-held conversation.
    CustomerTyping {
        /// The conversation.
        conversation_id: String,
    },
    /// An agent took a conversation.
    Claimed {
        /// The conversation.
        conversation_id: String,
        /// Who.
        agent_id: String,
    },
    /// An agent handed a conversation back to the AI.
    Released {
        /// The conversation.
        conversation_id: String,
        /// Who.
        agent_id: String,
    },
    /// A conversation was closed.
    ConversationClosed {
        /// The conversation.
        conversation_id: String,
    },
}

/// Fan-out of [`AgentEvent`]s.
#[derive(Clone)]
pub struct AgentHub {
    sender: broadcast::Sender<AgentEvent>,
}

impl Default for AgentHub {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
        }
    }
}

impl AgentHub {
    /// Starts receiving every event, unfiltered (agent sockets use
    /// [`AgentFeed`](super::AgentFeed) instead).
    pub fn subscribe(&self) -> broadcast::Receiver<AgentEvent> {
        self.sender.subscribe()
    }

    /// Sends to every subscriber (nobody listening is fine).
    pub fn publish(&self, event: AgentEvent) {
        let _ = self.sender.send(event);
    }
}
