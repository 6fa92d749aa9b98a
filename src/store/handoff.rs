//! The handoff queue and its transitions. Every transition is one guarded
//! `UPDATE` (so two agents can never both win a claim, on either backend)
//! plus a `handoff_events` row with its time, in one transaction.

use serde::Serialize;

use super::{now_ms, ConversationState, Store, StoreError};
use crate::domain::ConversationId;

/// A conversation waiting for a human.
#[derive(Debug, Clone, Serialize)]
pub struct QueueEntry {
    /// The conversation.
    pub conversation_id: String,
    /// The verified customer, if any.
    pub customer_id: Option<String>,
    /// Why the handoff happened (`button`, `phrase`, `repeated_failure`, ...).
    pub reason: Option<String>,
    /// When it entered the queue (Unix ms).
    pub queued_at: i64,
    /// 1-based place in the queue.
    pub position: i64,
    /// The visitor's language.
    pub locale: String,
}

/// One recorded handoff transition.
#[derive(Debug, Clone, Serialize)]
pub struct HandoffEvent {
    /// `requested`, `queued`, `claimed`, `released`, `closed`, `unattended_notice`.
    pub event: String,
    /// The agent involved.
    pub agent_id: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// When (Unix ms).
    pub at: i64,
}

type QueueRow = (String, Option<String>, Option<String>, i64, String);

impl Store {
    async fn transition<'q>(
        &self,
        conversation: &ConversationId,
        update: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
        events: &[(&str, Option<&str>, Option<&str>)],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        if update.execute(&mut *tx).await?.rows_affected() == 0 {
            return Ok(false);
        }
        let at = now_ms();
        for (event, agent, reason) in events {
            sqlx::query("INSERT INTO handoff_events (conversation_id, event, agent_id, reason, at) VALUES ($1, $2, $3, $4, $5)")
                .bind(conversation.as_str())
                .bind(*event)
                .bind(*agent)
                .bind(*reason)
                .bind(at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    /// Moves a bot conversation into the queue. `false` when it was not with the bot.
    pub async fn enqueue(
        &self,
        conversation: &ConversationId,
        reason: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let update = sqlx::query(
            "UPDATE conversations SET state = 'queued', handoff_reason = $1, queued_at = $2, agent_id = NULL, \
             unattended_notice_at = NULL, updated_at = $2 WHERE id = $3 AND state = 'bot'",
        )
        .bind(reason.to_owned())
        .bind(now)
        .bind(conversation.as_str().to_owned());
        self.transition(
            conversation,
            update,
            &[
                ("requested", None, Some(reason)),
                ("queued", None, Some(reason)),
            ],
        )
        .await
    }

    /// Gives a queued conversation to `agent`. Exactly one concurrent caller wins.
    pub async fn claim(
        &self,
        conversation: &ConversationId,
        agent: &str,
    ) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE conversations SET state = 'agent', agent_id = $1, updated_at = $2 WHERE id = $3 AND state = 'queued'",
        )
        .bind(agent.to_owned())
        .bind(now_ms())
        .bind(conversation.as_str().to_owned());
        self.transition(conversation, update, &[("claimed", Some(agent), None)])
            .await
    }

    /// Hands an agent's conversation back to the AI.
    pub async fn release(
        &self,
        conversation: &ConversationId,
        agent: &str,
    ) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE conversations SET state = 'bot', agent_id = NULL, queued_at = NULL, updated_at = $1 \
             WHERE id = $2 AND state = 'agent' AND agent_id = $3",
        )
        .bind(now_ms())
        .bind(conversation.as_str().to_owned())
        .bind(agent.to_owned());
        self.transition(conversation, update, &[("released", Some(agent), None)])
            .await
    }

    /// Closes a conversation the agent holds, or one still in the queue.
    pub async fn close_conversation(
        &self,
        conversation: &ConversationId,
        agent: &str,
    ) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE conversations SET state = 'closed', updated_at = $1 \
             WHERE id = $2 AND ((state = 'agent' AND agent_id = $3) OR state = 'queued')",
        )
        .bind(now_ms())
        .bind(conversation.as_str().to_owned())
        .bind(agent.to_owned());
        self.transition(conversation, update, &[("closed", Some(agent), None)])
            .await
    }

    /// Marks that the customer was told nobody is available yet (once per queueing).
    pub async fn mark_unattended(&self, conversation: &ConversationId) -> Result<bool, StoreError> {
        let update = sqlx::query(
            "UPDATE conversations SET unattended_notice_at = $1 WHERE id = $2 AND state = 'queued' \
             AND unattended_notice_at IS NULL",
        )
        .bind(now_ms())
        .bind(conversation.as_str().to_owned());
        self.transition(conversation, update, &[("unattended_notice", None, None)])
            .await
    }

    /// The queue, oldest first, with positions.
    pub async fn queue(&self) -> Result<Vec<QueueEntry>, StoreError> {
        let rows: Vec<QueueRow> = sqlx::query_as(
            "SELECT id, customer_id, handoff_reason, queued_at, locale FROM conversations \
             WHERE state = 'queued' ORDER BY queued_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .zip(1..)
            .map(
                |((conversation_id, customer_id, reason, queued_at, locale), position)| {
                    QueueEntry {
                        conversation_id,
                        customer_id,
                        reason,
                        queued_at,
                        position,
                        locale,
                    }
                },
            )
            .collect())
    }

    /// Queued conversations waiting since before `before` whose customer was not yet told.
    pub async fn unattended_since(&self, before: i64) -> Result<Vec<ConversationId>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM conversations WHERE state = 'queued' AND queued_at < $1 AND unattended_notice_at IS NULL",
        )
        .bind(before)
        .fetch_all(&self.pool)
        .await?;
        super::conversations::parse_conversation_ids(rows)
    }

    /// Every handoff transition of a conversation, in order.
    pub async fn handoff_events(
        &self,
        conversation: &ConversationId,
    ) -> Result<Vec<HandoffEvent>, StoreError> {
        let rows: Vec<(String, Option<String>, Option<String>, i64)> = sqlx::query_as(
            "SELECT event, agent_id, reason, at FROM handoff_events WHERE conversation_id = $1 ORDER BY id",
        )
        .bind(conversation.as_str())
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(event, agent_id, reason, at)| HandoffEvent {
                event,
                agent_id,
                reason,
                at,
            })
            .collect())
    }
}

impl ConversationState {
    /// Whether the AI answers in this state.
    pub fn ai_answers(self) -> bool {
        self == ConversationState::Bot
    }
}
