//! Live fan-out: every socket watching a conversation (several tabs, later
//! an agent) receives the same events, after they are stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::broadcast;

use crate::domain::ConversationId;
use crate::store::StoredMessage;

/// Events buffered per subscriber before a slow one starts missing deltas
/// (stored messages are never lost: a client resumes with `last_seq`).
const CHANNEL_CAPACITY: usize = 256;

/// Something that happened in a conversation.
#[derive(Debug, Clone)]
pub enum ConversationEvent {
    /// A message was stored.
    Message(StoredMessage),
    /// The handoff state changed (or the queue position moved).
    Handoff {
        /// `queued`, `assigned`, `returned` or `closed`.
        state: &'static str,
        /// Place in the queue while queued.
        position: Option<i64>,
        /// The agent's display name once assigned.
        agent: Option<String>,
    },
    /// More text of an AI reply that is still being written.
    Delta {
        /// The id the reply will be stored under.
        id: String,
        /// The new text.
        text: String,
        /// On a reply's first delta: how long the output guard held the
        /// model's first token back (it releases whole sentences).
        held_ms: Option<u64>,
    },
    /// The agent holding the conversation is typing (nothing is stored).
    AgentTyping {
        /// The agent's display name.
        agent: String,
    },
}

/// Per-conversation broadcast channels.
#[derive(Clone, Default)]
pub struct Hub {
    channels: Arc<Mutex<HashMap<ConversationId, broadcast::Sender<ConversationEvent>>>>,
}

impl Hub {
    /// Starts receiving the conversation's events.
    pub fn subscribe(&self, id: &ConversationId) -> broadcast::Receiver<ConversationEvent> {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels
            .entry(id.clone())
            .or_insert_with(|| broadcast::channel(CHANNEL_CAPACITY).0)
            .subscribe()
    }

    /// Conversations with at least one live watcher (`/metrics`).
    pub fn watched(&self) -> usize {
        let channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        channels.values().filter(|s| s.receiver_count() > 0).count()
    }

    /// Sends an event to every current subscriber; forgets channels nobody watches.
    pub fn publish(&self, id: &ConversationId, event: ConversationEvent) {
        let mut channels = self.channels.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(sender) = channels.get(id) {
            if sender.send(event).is_err() {
                channels.remove(id);
            }
        }
    }
}
