//! One agent's view of the live feed. Queue events (new handoffs with id,
//! reason and position; claims, releases, closes) go to every agent; a
//! customer's message text and typing go only to the agent holding the
//! conversation. Queued conversations' text reaches agents through the
//! audited REST view (`GET /v1/agent/conversations/{id}`), never the feed.
//!
//! Audit: the first message text of a conversation this feed delivers is
//! preceded by one `agent_viewed_conversation` event (detail
//! `{"via":"agent_socket"}`); later messages of the same holding on the same
//! socket are covered by it. So the audit grows by one row per agent, socket
//! and claimed conversation, not per message. Typing carries no text and is
//! not audited. A conversation's text is never sent unless its audit row is
//! written.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};

use super::{AgentEvent, AgentHub};
use crate::domain::ConversationId;
use crate::store::{AuditCode, AuditEvent, ConversationState, Store};

/// Conversations remembered per socket before the memory is dropped (it is
/// rebuilt from the store on demand).
const MAX_REMEMBERED: usize = 4096;

/// What the feed hands to the agent's socket.
#[derive(Debug)]
pub enum FeedItem {
    /// An event this agent may see.
    Event(AgentEvent),
    /// The socket fell behind and `missed` events were skipped.
    Lagged(u64),
}

/// Which conversations this agent holds, as learned from the feed itself
/// (claims, releases, closes) or, for one not seen yet, from the store.
#[derive(Debug, Default)]
struct Holdings {
    held: HashMap<String, bool>,
}

impl Holdings {
    /// Learns from a queue event (customer events say nothing about holding).
    fn observe(&mut self, me: &str, event: &AgentEvent) {
        if self.held.len() >= MAX_REMEMBERED {
            self.held.clear();
        }
        match event {
            AgentEvent::NewHandoff {
                conversation_id, ..
            }
            | AgentEvent::Released {
                conversation_id, ..
            } => {
                self.held.insert(conversation_id.clone(), false);
            }
            AgentEvent::Claimed {
                conversation_id,
                agent_id,
            } => {
                self.held.insert(conversation_id.clone(), agent_id == me);
            }
            AgentEvent::ConversationClosed { conversation_id } => {
                self.held.remove(conversation_id);
            }
            AgentEvent::CustomerMessage { .. } | AgentEvent::CustomerTyping { .. } => {}
        }
    }

    fn get(&self, conversation_id: &str) -> Option<bool> {
        self.held.get(conversation_id).copied()
    }
}

/// The live feed of one agent socket.
pub struct AgentFeed {
    agent_id: String,
    events: broadcast::Receiver<AgentEvent>,
    store: Store,
    holdings: Holdings,
    /// Conversations whose text this feed has already audited.
    audited: HashSet<String>,
    /// The event being decided on, kept across a cancelled [`AgentFeed::next`].
    pending: Option<AgentEvent>,
}

impl AgentFeed {
    /// Subscribes `agent_id` to `hub`; `store` answers who holds a
    /// conversation the feed has not seen claimed, and takes the audit.
    pub fn new(hub: &AgentHub, store: Store, agent_id: String) -> Self {
        Self {
            agent_id,
            events: hub.subscribe(),
            store,
            holdings: Holdings::default(),
            audited: HashSet::new(),
            pending: None,
        }
    }

    /// The next item for this agent; `None` once the hub is gone.
    ///
    /// Cancel-safe (the socket selects on it beside its own frames): an
    /// event received but not yet decided on stays pending for the next call.
    pub async fn next(&mut self) -> Option<FeedItem> {
        loop {
            let conversation_id = match &self.pending {
                Some(
                    AgentEvent::CustomerMessage {
                        conversation_id, ..
                    }
                    | AgentEvent::CustomerTyping { conversation_id },
                ) => conversation_id.clone(),
                Some(_) => return self.pending.take().map(FeedItem::Event),
                None => {
                    match self.events.recv().await {
                        Ok(event) => self.learn(event),
                        Err(RecvError::Lagged(missed)) => {
                            // Claims may have been missed: ask the store again.
                            self.holdings = Holdings::default();
                            return Some(FeedItem::Lagged(missed));
                        }
                        Err(RecvError::Closed) => return None,
                    }
                    continue;
                }
            };
            let text = matches!(self.pending, Some(AgentEvent::CustomerMessage { .. }));
            let deliver = self.holds(&conversation_id).await
                && (!text || self.audit_once(&conversation_id).await);
            let event = self.pending.take();
            if deliver {
                return event.map(FeedItem::Event);
            }
        }
    }

    /// Takes in a received event (synchronously, so a cancelled `next`
    /// never loses or repeats it).
    fn learn(&mut self, event: AgentEvent) {
        self.holdings.observe(&self.agent_id, &event);
        if let AgentEvent::Released {
            conversation_id, ..
        }
        | AgentEvent::ConversationClosed { conversation_id } = &event
        {
            self.audited.remove(conversation_id);
        }
        self.pending = Some(event);
    }

    /// Whether this agent holds the conversation now (fails closed).
    async fn holds(&mut self, conversation_id: &str) -> bool {
        if let Some(held) = self.holdings.get(conversation_id) {
            return held;
        }
        let Ok(id) = ConversationId::parse(conversation_id) else {
            return false;
        };
        let held = match self.store.conversation(&id).await {
            Ok(Some(record)) => {
                record.state == ConversationState::Agent
                    && record.agent_id.as_deref() == Some(self.agent_id.as_str())
            }
            Ok(None) => false,
            Err(error) => {
                tracing::error!(%error, agent_id = %self.agent_id, "agent feed: holder lookup failed");
                return false;
            }
        };
        self.holdings.held.insert(conversation_id.to_owned(), held);
        held
    }

    /// Audits the first text of this conversation on this feed; false when
    /// the audit could not be written (the text is then not sent).
    async fn audit_once(&mut self, conversation_id: &str) -> bool {
        if self.audited.contains(conversation_id) {
            return true;
        }
        let Ok(id) = ConversationId::parse(conversation_id) else {
            return false;
        };
        let customer_id = match self.store.conversation(&id).await {
            Ok(record) => record.and_then(|r| r.customer_id),
            Err(error) => {
                tracing::error!(%error, agent_id = %self.agent_id, "agent feed: audit lookup failed");
                return false;
            }
        };
        let recorded = self
            .store
            .record_audit(AuditEvent {
                code: AuditCode::AgentViewedConversation,
                actor: &format!("agent:{}", self.agent_id),
                customer_id: customer_id.as_deref(),
                conversation_id: Some(conversation_id),
                detail: json!({ "via": "agent_socket" }),
            })
            .await;
        match recorded {
            Ok(()) => {
                if self.audited.len() >= MAX_REMEMBERED {
                    self.audited.clear();
                }
                self.audited.insert(conversation_id.to_owned());
                true
            }
            Err(error) => {
                tracing::error!(%error, agent_id = %self.agent_id, "agent feed: audit failed; text withheld");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claimed(conversation: &str, agent: &str) -> AgentEvent {
        AgentEvent::Claimed {
            conversation_id: conversation.into(),
            agent_id: agent.into(),
        }
    }

    #[test]
    fn holdings_follow_claims_releases_and_closes() {
        let mut holdings = Holdings::default();
        assert_eq!(holdings.get("k1"), None, "unknown: ask the store");
        holdings.observe(
            "a",
            &AgentEvent::NewHandoff {
                conversation_id: "k1".into(),
                reason: "button".into(),
                position: 1,
                out_of_hours: false,
            },
        );
        assert_eq!(holdings.get("k1"), Some(false), "queued: nobody's");
        holdings.observe("a", &claimed("k1", "b"));
        assert_eq!(holdings.get("k1"), Some(false), "someone else's");
        holdings.observe(
            "a",
            &AgentEvent::Released {
                conversation_id: "k1".into(),
                agent_id: "b".into(),
            },
        );
        holdings.observe("a", &claimed("k1", "a"));
        assert_eq!(holdings.get("k1"), Some(true));
        holdings.observe(
            "a",
            &AgentEvent::ConversationClosed {
                conversation_id: "k1".into(),
            },
        );
        assert_eq!(holdings.get("k1"), None);
    }
}
