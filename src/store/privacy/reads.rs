//! The reads of an export, each on the caller's transaction.

use std::collections::HashMap;

use super::{json_column, AuditEntry, ConsentEntry, ConversationEntry, MessageEntry};
use crate::store::handoff::HandoffEvent;
use crate::store::StoreError;

type ConversationRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    i64,
);
type MessageRow = (
    String,
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
);
type HandoffRow = (String, String, Option<String>, Option<String>, i64);

/// The customer's orders, newest first (shared with [`Store::orders`](crate::store::Store::orders)).
pub(super) use crate::store::customers::orders_on as orders;

pub(super) async fn consents(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Vec<ConsentEntry>, StoreError> {
    let rows: Vec<(String, i64, String, String, i64)> = sqlx::query_as(
        "SELECT purpose, granted, source, notice_version, recorded_at FROM consents \
         WHERE customer_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(purpose, granted, source, notice_version, recorded_at)| ConsentEntry {
                purpose,
                granted: granted != 0,
                source,
                notice_version,
                recorded_at,
            },
        )
        .collect())
}

pub(super) async fn conversations(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Vec<ConversationEntry>, StoreError> {
    let rows: Vec<ConversationRow> = sqlx::query_as(
        "SELECT id, locale, state, handoff_reason, agent_id, created_at, updated_at \
         FROM conversations WHERE customer_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let mut messages: HashMap<String, Vec<MessageEntry>> = HashMap::new();
    let message_rows: Vec<MessageRow> = sqlx::query_as(
        "SELECT m.conversation_id, m.id, m.seq, m.sender, m.text, m.client_id, m.why, m.created_at \
         FROM messages m JOIN conversations c ON c.id = m.conversation_id \
         WHERE c.customer_id = $1 ORDER BY m.conversation_id, m.seq",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (conversation, id, seq, sender, text, client_id, why, created_at) in message_rows {
        messages
            .entry(conversation)
            .or_default()
            .push(MessageEntry {
                id,
                seq,
                sender,
                text,
                client_id,
                why: why.map(|w| json_column(&w, "message why")).transpose()?,
                created_at,
            });
    }
    let mut handoffs: HashMap<String, Vec<HandoffEvent>> = HashMap::new();
    let handoff_rows: Vec<HandoffRow> = sqlx::query_as(
        "SELECT h.conversation_id, h.event, h.agent_id, h.reason, h.at \
         FROM handoff_events h JOIN conversations c ON c.id = h.conversation_id \
         WHERE c.customer_id = $1 ORDER BY h.id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    for (conversation, event, agent_id, reason, at) in handoff_rows {
        handoffs
            .entry(conversation)
            .or_default()
            .push(HandoffEvent {
                event,
                agent_id,
                reason,
                at,
            });
    }
    Ok(rows
        .into_iter()
        .map(
            |(id, locale, state, handoff_reason, agent_id, created_at, updated_at)| {
                ConversationEntry {
                    messages: messages.remove(&id).unwrap_or_default(),
                    handoff_events: handoffs.remove(&id).unwrap_or_default(),
                    id,
                    locale,
                    state,
                    handoff_reason,
                    agent_id,
                    created_at,
                    updated_at,
                }
            },
        )
        .collect())
}

pub(super) async fn audit_entries(
    conn: &mut sqlx::AnyConnection,
    id: &str,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows: Vec<(i64, i64, String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT id, at, code, actor, conversation_id, detail FROM audit_events \
         WHERE customer_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, at, code, actor, conversation_id, detail)| {
            Ok(AuditEntry {
                id,
                at,
                code,
                actor,
                conversation_id,
                detail: json_column(&detail, "audit detail")?,
            })
        })
        .collect()
}
