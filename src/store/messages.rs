//! Messages: gapless `seq` per conversation, idempotent on the widget's `client_id`.

use serde::Serialize;

use super::{now_ms, Store, StoreError};
use crate::domain::{ClientId, ConversationId};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    /// The visitor.
    Customer,
    /// The language model.
    Ai,
    /// A human agent.
    Agent,
    /// Candor itself (deterministic notices).
    System,
}

impl Sender {
    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Customer => "customer",
            Sender::Ai => "ai",
            Sender::Agent => "agent",
            Sender::System => "system",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        match raw {
            "customer" => Ok(Self::Customer),
            "ai" => Ok(Self::Ai),
            "agent" => Ok(Self::Agent),
            "system" => Ok(Self::System),
            _ => Err(StoreError::Corrupt("message sender")),
        }
    }
}

/// A message about to be stored.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Pre-allocated id (AI replies stream under their id before they are stored).
    pub id: String,
    /// The conversation.
    pub conversation_id: &'a ConversationId,
    /// Who wrote it.
    pub sender: Sender,
    /// The text.
    pub text: &'a str,
    /// The widget's id for it, for idempotent resends.
    pub client_id: Option<&'a ClientId>,
    /// What the AI knew when it wrote it (purposes, fields, records, sources).
    pub why: Option<serde_json::Value>,
}

/// A message as stored.
#[derive(Debug, Clone, Serialize)]
pub struct StoredMessage {
    /// Message id.
    pub id: String,
    /// Position in the conversation, gapless from 1.
    pub seq: i64,
    /// Who wrote it.
    pub sender: Sender,
    /// The text.
    pub text: String,
    /// The widget's id for it.
    pub client_id: Option<String>,
    /// The `why` record of an AI message.
    pub why: Option<serde_json::Value>,
    /// When it was stored (Unix ms).
    pub created_at: i64,
}

/// Whether an append stored a new row or found the same `client_id` already stored.
#[derive(Debug, Clone)]
pub enum AppendOutcome {
    /// Newly stored.
    Stored(StoredMessage),
    /// Already stored earlier under the same `client_id`; nothing was written.
    Duplicate(StoredMessage),
}

impl AppendOutcome {
    /// The stored message either way.
    pub fn message(&self) -> &StoredMessage {
        match self {
            AppendOutcome::Stored(m) | AppendOutcome::Duplicate(m) => m,
        }
    }
}

type MessageRow = (
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);

const MESSAGE_COLUMNS: &str = "id, seq, sender, text, client_id, why, created_at";

impl Store {
    /// Stores a message with the next seq. The seq counter lives on the
    /// conversation row and is bumped first, so the write lock is taken before
    /// anything is read and concurrent appends serialize (no gaps, no twins).
    pub async fn append_message(&self, msg: NewMessage<'_>) -> Result<AppendOutcome, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
        let seq: Option<(i64,)> = sqlx::query_as(
            "UPDATE conversations SET last_seq = last_seq + 1, updated_at = $1 WHERE id = $2 \
             RETURNING last_seq",
        )
        .bind(now)
        .bind(msg.conversation_id.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some((seq,)) = seq else {
            return Err(StoreError::NotFound("conversation"));
        };
        if let Some(client_id) = msg.client_id {
            let existing: Option<MessageRow> = sqlx::query_as(&format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND client_id = $2"
            ))
            .bind(msg.conversation_id.as_str())
            .bind(client_id.as_str())
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = existing {
                tx.rollback().await?;
                return Ok(AppendOutcome::Duplicate(decode(row)?));
            }
        }
        let why = msg.why.as_ref().map(|w| w.to_string());
        sqlx::query(
            "INSERT INTO messages (id, conversation_id, seq, sender, text, client_id, why, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&msg.id)
        .bind(msg.conversation_id.as_str())
        .bind(seq)
        .bind(msg.sender.as_str())
        .bind(msg.text)
        .bind(msg.client_id.map(ClientId::as_str))
        .bind(why)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(AppendOutcome::Stored(StoredMessage {
            id: msg.id,
            seq,
            sender: msg.sender,
            text: msg.text.to_owned(),
            client_id: msg.client_id.map(|c| c.as_str().to_owned()),
            why: msg.why,
            created_at: now,
        }))
    }

    /// Every message after `after_seq`, in order (what a reconnecting widget missed).
    pub async fn messages_after(
        &self,
        conversation: &ConversationId,
        after_seq: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq > $2 \
             ORDER BY seq"
        ))
        .bind(conversation.as_str())
        .bind(after_seq)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(decode).collect()
    }

    /// The message stored with `seq`, if it (still) exists.
    pub async fn message_at(
        &self,
        conversation: &ConversationId,
        seq: i64,
    ) -> Result<Option<StoredMessage>, StoreError> {
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 AND seq = $2"
        ))
        .bind(conversation.as_str())
        .bind(seq)
        .fetch_optional(&self.pool)
        .await?;
        row.map(decode).transpose()
    }

    /// The last `limit` messages, oldest first (the history a prompt sees).
    pub async fn recent_messages(
        &self,
        conversation: &ConversationId,
        limit: i64,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conversation_id = $1 \
             ORDER BY seq DESC LIMIT $2"
        ))
        .bind(conversation.as_str())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut messages = rows
            .into_iter()
            .map(decode)
            .collect::<Result<Vec<_>, _>>()?;
        messages.reverse();
        Ok(messages)
    }
}

fn decode(row: MessageRow) -> Result<StoredMessage, StoreError> {
    let (id, seq, sender, text, client_id, why, created_at) = row;
    Ok(StoredMessage {
        id,
        seq,
        sender: Sender::parse(&sender)?,
        text,
        client_id,
        why: why
            .map(|w| serde_json::from_str(&w).map_err(|_| StoreError::Corrupt("message why")))
            .transpose()?,
        created_at,
    })
}
