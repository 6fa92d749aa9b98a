//! The handoff transitions of the conversation state machine:
//! bot → queued → agent → bot (released) or closed. Each transition is a
//! guarded store update; the customer is told in a stored notice and a
//! `handoff` event, and agents hear about it on their feed.

use std::sync::Arc;

use super::queue_wait::queue_wait;
use super::{ConversationError, ConversationEvent, ConversationService};
use crate::domain::{ConversationId, MessageText};
use crate::guard::LocaleTexts;
use crate::handoff::AgentEvent;
use crate::metrics::HandoffTrigger;
use crate::store::{
    AgentRecord, ConversationRecord, ConversationState, NewMessage, Sender, StoreError,
    StoredMessage,
};

/// Why an agent action was refused.
#[derive(Debug, thiserror::Error)]
pub enum HandoffError {
    /// No such conversation.
    #[error("conversation not found")]
    NotFound,
    /// Someone else claimed it first, or it is not waiting in the queue.
    #[error("the conversation is not waiting in the queue (already claimed or not handed off)")]
    NotQueued,
    /// The conversation is held by another agent (or by none).
    #[error("this conversation is not assigned to you")]
    NotYours,
    /// The store failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
}

impl From<ConversationError> for HandoffError {
    fn from(e: ConversationError) -> Self {
        match e {
            ConversationError::Store(e) => HandoffError::Store(e),
            _ => HandoffError::NotFound,
        }
    }
}

/// Where a handoff request left the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandoffStatus {
    /// Waiting at this position.
    Queued(i64),
    /// Already with an agent.
    Assigned(String),
    /// The conversation is closed.
    Closed,
}

impl ConversationService {
    /// Puts the conversation in the human queue (idempotent) and tells
    /// everyone. Outside business hours the customer is told so honestly.
    #[tracing::instrument(skip_all, fields(conversation_id = %conversation, reason))]
    pub async fn request_handoff(
        &self,
        conversation: &ConversationId,
        reason: &str,
    ) -> Result<HandoffStatus, ConversationError> {
        let record = self
            .store
            .conversation(conversation)
            .await?
            .ok_or(ConversationError::UnknownConversation)?;
        match record.state {
            ConversationState::Closed => return Ok(HandoffStatus::Closed),
            ConversationState::Agent => {
                let name = self.agent_name(record.agent_id.as_deref()).await?;
                self.publish_handoff(conversation, "assigned", None, Some(name.clone()));
                return Ok(HandoffStatus::Assigned(name));
            }
            ConversationState::Queued | ConversationState::Bot => {}
        }
        let newly_queued = self.store.enqueue(conversation, reason).await?;
        let position = self.position(conversation).await?.unwrap_or(1);
        if newly_queued {
            let texts = self.notices.get(record.locale);
            let open = self.handoff.hours.is_open(jiff::Timestamp::now());
            let notice = if open {
                LocaleTexts::fill(&texts.handoff_queued, "position", &position.to_string())
            } else {
                // Told once, honestly; the unattended notice would only repeat it.
                self.store.mark_unattended(conversation).await?;
                LocaleTexts::fill(&texts.out_of_hours, "hours", self.handoff.hours.describe())
            };
            self.post_notice(conversation, &notice).await?;
            tracing::info!(position, out_of_hours = !open, "handoff queued");
            self.metrics
                .handoff_requested(HandoffTrigger::from_reason(reason));
            self.publish_agent(AgentEvent::NewHandoff {
                conversation_id: conversation.to_string(),
                reason: reason.into(),
                position,
                out_of_hours: !open,
            });
        }
        self.publish_handoff(conversation, "queued", Some(position), None);
        if newly_queued && self.handoff.auto_assign {
            self.auto_assign(conversation).await?;
        }
        Ok(HandoffStatus::Queued(position))
    }

    /// Round-robin over available agents below their capacity.
    async fn auto_assign(&self, conversation: &ConversationId) -> Result<(), ConversationError> {
        let candidates: Vec<AgentRecord> = self
            .store
            .available_agents_with_load()
            .await?
            .into_iter()
            .filter(|(agent, load)| *load < agent.capacity)
            .map(|(agent, _)| agent)
            .collect();
        if candidates.is_empty() {
            return Ok(());
        }
        let start = self
            .next_agent
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let agent = &candidates[start % candidates.len()];
        match self.claim(conversation, agent).await {
            Ok(()) | Err(HandoffError::NotQueued) => Ok(()),
            Err(HandoffError::Store(e)) => Err(e.into()),
            Err(_) => Ok(()),
        }
    }

    async fn position(
        &self,
        conversation: &ConversationId,
    ) -> Result<Option<i64>, ConversationError> {
        let queue = self.store.queue().await?;
        Ok(queue
            .iter()
            .find(|e| e.conversation_id == conversation.as_str())
            .map(|e| e.position))
    }

    /// Tells every queued customer their current place.
    async fn broadcast_positions(&self) -> Result<(), ConversationError> {
        for entry in self.store.queue().await? {
            if let Ok(id) = ConversationId::parse(&entry.conversation_id) {
                self.publish_handoff(&id, "queued", Some(entry.position), None);
            }
        }
        Ok(())
    }

    fn publish_handoff(
        &self,
        conversation: &ConversationId,
        state: &'static str,
        position: Option<i64>,
        agent: Option<String>,
    ) {
        self.publish(
            conversation,
            ConversationEvent::Handoff {
                state,
                position,
                agent,
            },
        );
    }

    async fn agent_name(&self, agent_id: Option<&str>) -> Result<String, ConversationError> {
        let agent = match agent_id {
            Some(id) => self.store.agent(id).await?,
            None => None,
        };
        Ok(agent
            .map(|a| a.name)
            .unwrap_or_else(|| "A team member".into()))
    }

    async fn record_for_agent(
        &self,
        conversation: &ConversationId,
    ) -> Result<ConversationRecord, HandoffError> {
        self.store
            .conversation(conversation)
            .await?
            .ok_or(HandoffError::NotFound)
    }

    /// Gives a queued conversation to `agent`; exactly one concurrent claim wins.
    #[tracing::instrument(skip_all, fields(conversation_id = %conversation, agent_id = %agent.id))]
    pub async fn claim(
        &self,
        conversation: &ConversationId,
        agent: &AgentRecord,
    ) -> Result<(), HandoffError> {
        let record = self.record_for_agent(conversation).await?;
        if !self.store.claim(conversation, &agent.id).await? {
            return Err(HandoffError::NotQueued);
        }
        if let Some(waited) = queue_wait(&self.store.handoff_events(conversation).await?) {
            self.metrics.handoff_claimed(waited);
        }
        let texts = self.notices.get(record.locale);
        self.post_notice(
            conversation,
            &LocaleTexts::fill(&texts.handoff_assigned, "agent", &agent.name),
        )
        .await?;
        self.publish_handoff(conversation, "assigned", None, Some(agent.name.clone()));
        self.publish_agent(AgentEvent::Claimed {
            conversation_id: conversation.to_string(),
            agent_id: agent.id.clone(),
        });
        self.broadcast_positions().await?;
        Ok(())
    }

    /// Stores and delivers an agent's message in a conversation they hold.
    pub async fn agent_message(
        &self,
        conversation: &ConversationId,
        agent: &AgentRecord,
        text: &MessageText,
    ) -> Result<StoredMessage, HandoffError> {
        let record = self.record_for_agent(conversation).await?;
        if record.state != ConversationState::Agent
            || record.agent_id.as_deref() != Some(agent.id.as_str())
        {
            return Err(HandoffError::NotYours);
        }
        let stored = self
            .store
            .append_message(NewMessage {
                id: uuid::Uuid::new_v4().to_string(),
                conversation_id: conversation,
                sender: Sender::Agent,
                text: text.as_str(),
                client_id: None,
                why: None,
            })
            .await?;
        let message = stored.message().clone();
        self.publish(conversation, ConversationEvent::Message(message.clone()));
        Ok(message)
    }

    /// The agent holding the conversation is typing: the customer sees an
    /// indicator with the agent's name (nothing is stored).
    pub async fn agent_typing(
        &self,
        conversation: &ConversationId,
        agent: &AgentRecord,
    ) -> Result<(), HandoffError> {
        let record = self.record_for_agent(conversation).await?;
        if record.state != ConversationState::Agent
            || record.agent_id.as_deref() != Some(agent.id.as_str())
        {
            return Err(HandoffError::NotYours);
        }
        self.publish(
            conversation,
            ConversationEvent::AgentTyping {
                agent: agent.name.clone(),
            },
        );
        Ok(())
    }

    /// Hands the conversation back to the AI, telling the customer.
    pub async fn release(
        &self,
        conversation: &ConversationId,
        agent: &AgentRecord,
    ) -> Result<(), HandoffError> {
        let record = self.record_for_agent(conversation).await?;
        if !self.store.release(conversation, &agent.id).await? {
            return Err(HandoffError::NotYours);
        }
        let texts = self.notices.get(record.locale);
        self.post_notice(
            conversation,
            &LocaleTexts::fill(&texts.handoff_returned, "agent", &agent.name),
        )
        .await?;
        self.publish_handoff(conversation, "returned", None, Some(agent.name.clone()));
        self.publish_agent(AgentEvent::Released {
            conversation_id: conversation.to_string(),
            agent_id: agent.id.clone(),
        });
        Ok(())
    }

    /// Closes a conversation the agent holds (or one still queued).
    pub async fn close(
        &self,
        conversation: &ConversationId,
        agent: &AgentRecord,
    ) -> Result<(), HandoffError> {
        let record = self.record_for_agent(conversation).await?;
        if !self
            .store
            .close_conversation(conversation, &agent.id)
            .await?
        {
            return Err(HandoffError::NotYours);
        }
        let texts = self.notices.get(record.locale);
        self.post_notice(conversation, &texts.handoff_closed)
            .await?;
        self.publish_handoff(conversation, "closed", None, None);
        self.publish_agent(AgentEvent::ConversationClosed {
            conversation_id: conversation.to_string(),
        });
        self.broadcast_positions().await?;
        Ok(())
    }

    /// Tells customers who have waited too long that nobody is free yet
    /// (once per queueing); they stay in the queue for the next agent.
    pub async fn notify_unattended(&self) -> Result<usize, ConversationError> {
        let waited = i64::try_from(self.handoff.unattended_after.as_millis()).unwrap_or(i64::MAX);
        let before = crate::store::now_ms().saturating_sub(waited);
        let mut told = 0;
        for conversation in self.store.unattended_since(before).await? {
            if !self.store.mark_unattended(&conversation).await? {
                continue;
            }
            if let Some(record) = self.store.conversation(&conversation).await? {
                self.post_notice(&conversation, &self.notices.get(record.locale).unattended)
                    .await?;
                told += 1;
            }
        }
        Ok(told)
    }

    /// A customer is typing: agents see it when a human is (or will be) on the conversation.
    pub async fn customer_typing(
        &self,
        conversation: &ConversationId,
    ) -> Result<(), ConversationError> {
        if let Some(record) = self.store.conversation(conversation).await? {
            if !record.state.ai_answers() {
                self.publish_agent(AgentEvent::CustomerTyping {
                    conversation_id: conversation.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Background loop: checks the queue for customers waiting too long.
pub async fn unattended_watch_task(service: Arc<ConversationService>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(5));
    loop {
        tick.tick().await;
        if let Err(error) = service.notify_unattended().await {
            tracing::error!(%error, "unattended check failed");
        }
    }
}
