//! Conversations and their state.

use super::audit::{self, AuditCode, AuditEvent};
use super::{now_ms, Store, StoreError};
use crate::domain::{ConversationId, CustomerId, Locale};

/// Who answers a conversation right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// The AI answers.
    Bot,
    /// Waiting for a human agent; the AI is silent.
    Queued,
    /// A human agent answers; the AI is silent.
    Agent,
    /// Ended.
    Closed,
}

impl ConversationState {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::Bot => "bot",
            ConversationState::Queued => "queued",
            ConversationState::Agent => "agent",
            ConversationState::Closed => "closed",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "bot" => Ok(Self::Bot),
            "queued" => Ok(Self::Queued),
            "agent" => Ok(Self::Agent),
            "closed" => Ok(Self::Closed),
            _ => Err(StoreError::Corrupt("conversation state")),
        }
    }
}

/// A stored conversation.
#[derive(Debug, Clone)]
pub struct ConversationRecord {
    /// Its id.
    pub id: ConversationId,
    /// The verified customer it belongs to; `None` for an anonymous visitor.
    pub customer_id: Option<String>,
    /// The visitor's language.
    pub locale: Locale,
    /// Who answers.
    pub state: ConversationState,
    /// The highest message seq stored.
    pub last_seq: i64,
    /// The human agent holding the conversation.
    pub agent_id: Option<String>,
    /// Why it was handed off.
    pub handoff_reason: Option<String>,
}

type ConversationRow = (
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Starts a conversation and audits that the AI disclosure was shown.
    pub async fn create_conversation(
        &self,
        id: &ConversationId,
        customer: Option<&CustomerId>,
        locale: Locale,
    ) -> Result<ConversationRecord, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO conversations (id, customer_id, locale, state, last_seq, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $5)",
        )
        .bind(id.as_str())
        .bind(customer.map(CustomerId::as_str))
        .bind(locale.code())
        .bind(ConversationState::Bot.as_str())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::ConversationStarted,
                actor: "system",
                customer_id: customer.map(CustomerId::as_str),
                conversation_id: Some(id.as_str()),
                detail: serde_json::json!({ "disclosure_locale": locale.code() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ConversationRecord {
            id: id.clone(),
            customer_id: customer.map(|c| c.as_str().to_owned()),
            locale,
            state: ConversationState::Bot,
            last_seq: 0,
            agent_id: None,
            handoff_reason: None,
        })
    }

    /// Ids of every conversation of `customer` (to drop what other parts of
    /// the server hold about them, e.g. the engine's caches, on erasure).
    pub async fn conversation_ids_of(
        &self,
        customer: &CustomerId,
    ) -> Result<Vec<ConversationId>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT id FROM conversations WHERE customer_id = $1")
                .bind(customer.as_str())
                .fetch_all(&self.pool)
                .await?;
        parse_conversation_ids(rows)
    }

    /// The conversation, if stored.
    pub async fn conversation(
        &self,
        id: &ConversationId,
    ) -> Result<Option<ConversationRecord>, StoreError> {
        let row: Option<ConversationRow> = sqlx::query_as(
            "SELECT id, customer_id, locale, state, last_seq, agent_id, handoff_reason \
             FROM conversations WHERE id = $1",
        )
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.map(
            |(id, customer_id, locale, state, last_seq, agent_id, handoff_reason)| {
                Ok(ConversationRecord {
                    id: ConversationId::parse(&id)
                        .map_err(|_| StoreError::Corrupt("conversation id"))?,
                    customer_id,
                    locale: Locale::from_tag(Some(&locale)),
                    state: ConversationState::parse(&state)?,
                    last_seq,
                    agent_id,
                    handoff_reason,
                })
            },
        )
        .transpose()
    }

    /// Moves the conversation to `state`.
    pub async fn set_conversation_state(
        &self,
        id: &ConversationId,
        state: ConversationState,
    ) -> Result<(), StoreError> {
        let done =
            sqlx::query("UPDATE conversations SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(state.as_str())
                .bind(now_ms())
                .bind(id.as_str())
                .execute(&self.pool)
                .await?
                .rows_affected();
        if done == 0 {
            return Err(StoreError::NotFound("conversation"));
        }
        Ok(())
    }
}

/// Conversation ids read from single-column rows.
pub(super) fn parse_conversation_ids(
    rows: Vec<(String,)>,
) -> Result<Vec<ConversationId>, StoreError> {
    rows.into_iter()
        .map(|(id,)| ConversationId::parse(&id).map_err(|_| StoreError::Corrupt("conversation id")))
        .collect()
}
