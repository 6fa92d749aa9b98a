//! What the data-rights features need from the store: everything held about
//! one customer (read in one transaction with its audit entry), the erasure
//! of a customer, and the retention purge of old conversations.
//!
//! Erasure and purge delete the parent rows and let `ON DELETE CASCADE` take
//! the children (orders, consents, conversations, messages, handoff events),
//! which the schema declares on both backends. The audit trail keeps its
//! rows: they hold ids only.

mod reads;

use serde::Serialize;

use super::audit::{self, AuditCode, AuditEvent};
use super::customers::OrderRecord;
use super::handoff::HandoffEvent;
use super::{Backend, Store, StoreError};
use crate::domain::CustomerId;

/// The stored profile of a customer, as exported.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerProfile {
    /// The shop's id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Contact email.
    pub email: Option<String>,
    /// Preferred language code.
    pub locale: String,
    /// Profile fields, unfiltered (the customer sees everything held).
    pub attributes: serde_json::Value,
    /// When the profile was first stored (Unix ms).
    pub created_at: i64,
    /// When it last changed (Unix ms).
    pub updated_at: i64,
}

/// One row of the consent history.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentEntry {
    /// `personalization` or `marketing`.
    pub purpose: String,
    /// Granted (true) or withdrawn (false).
    pub granted: bool,
    /// Where the change came from (`admin`, `privacy_api`, ...).
    pub source: String,
    /// The notice version the customer was shown.
    pub notice_version: String,
    /// When (Unix ms).
    pub recorded_at: i64,
}

/// One stored message, as exported (with its `why` record).
#[derive(Debug, Clone, Serialize)]
pub struct MessageEntry {
    /// Message id.
    pub id: String,
    /// Position in the conversation.
    pub seq: i64,
    /// `customer`, `ai`, `agent` or `system`.
    pub sender: String,
    /// The text.
    pub text: String,
    /// The widget's id for it.
    pub client_id: Option<String>,
    /// What the AI knew when it wrote it.
    pub why: Option<serde_json::Value>,
    /// When it was stored (Unix ms).
    pub created_at: i64,
}

/// One conversation with all its messages and handoff log.
#[derive(Debug, Clone, Serialize)]
pub struct ConversationEntry {
    /// Conversation id.
    pub id: String,
    /// The visitor's language.
    pub locale: String,
    /// `bot`, `queued`, `agent` or `closed`.
    pub state: String,
    /// Why it was handed to a human, if it was.
    pub handoff_reason: Option<String>,
    /// The agent holding it.
    pub agent_id: Option<String>,
    /// When it began (Unix ms).
    pub created_at: i64,
    /// Its last activity (Unix ms).
    pub updated_at: i64,
    /// Every message, in `seq` order.
    pub messages: Vec<MessageEntry>,
    /// Every handoff transition, in order.
    pub handoff_events: Vec<HandoffEvent>,
}

/// One audit entry about the customer.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When (Unix ms).
    pub at: i64,
    /// The stable event code.
    pub code: String,
    /// Who did it.
    pub actor: String,
    /// The conversation concerned.
    pub conversation_id: Option<String>,
    /// Extra facts (ids and flags only).
    pub detail: serde_json::Value,
}

/// Everything held about one customer.
#[derive(Debug, Clone, Serialize)]
pub struct CustomerData {
    /// The profile.
    pub customer: CustomerProfile,
    /// Orders, newest first.
    pub orders: Vec<OrderRecord>,
    /// The whole consent history, oldest first.
    pub consents: Vec<ConsentEntry>,
    /// Conversations, oldest first.
    pub conversations: Vec<ConversationEntry>,
    /// Audit entries about the customer, oldest first.
    pub audit_events: Vec<AuditEntry>,
}

/// How much an erasure deleted (counts only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ErasureCounts {
    /// Orders deleted.
    pub orders: i64,
    /// Consent history rows deleted.
    pub consents: i64,
    /// Conversations deleted.
    pub conversations: i64,
    /// Messages deleted.
    pub messages: i64,
}

type ProfileRow = (String, String, Option<String>, String, String, i64, i64);

fn json_column(raw: &str, what: &'static str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(raw).map_err(|_| StoreError::Corrupt(what))
}

impl Store {
    /// Everything held about `customer`, read in one transaction that also
    /// writes the `customer_exported` audit entry (so the export is listed in
    /// its own audit section). `None` for an unknown customer (nothing audited).
    pub async fn customer_data(
        &self,
        customer: &CustomerId,
        actor: &str,
    ) -> Result<Option<CustomerData>, StoreError> {
        let id = customer.as_str();
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            // One snapshot for every read below.
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                .execute(&mut *tx)
                .await?;
        }
        // The write comes first: on SQLite it takes the write lock at once, so
        // the reads that follow see one state and the commit cannot conflict.
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::CustomerExported,
                actor,
                customer_id: Some(id),
                conversation_id: None,
                detail: serde_json::json!({}),
            },
        )
        .await?;
        let profile: Option<ProfileRow> = sqlx::query_as(
            "SELECT id, name, email, locale, attributes, created_at, updated_at \
             FROM customers WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((id_, name, email, locale, attributes, created_at, updated_at)) = profile else {
            return Ok(None);
        };
        let data = CustomerData {
            customer: CustomerProfile {
                id: id_,
                name,
                email,
                locale,
                attributes: json_column(&attributes, "customer attributes")?,
                created_at,
                updated_at,
            },
            orders: reads::orders(&mut tx, id).await?,
            consents: reads::consents(&mut tx, id).await?,
            conversations: reads::conversations(&mut tx, id).await?,
            audit_events: reads::audit_entries(&mut tx, id).await?,
        };
        tx.commit().await?;
        Ok(Some(data))
    }

    /// Deletes `customer` and, by cascade, their orders, consent history,
    /// conversations, messages and handoff events, and audits
    /// `customer_erased` (with counts only) in the same transaction.
    /// An unknown customer is `NotFound`. Call [`Store::checkpoint`]
    /// afterwards so nothing lingers in the SQLite write-ahead log.
    pub async fn erase_customer(
        &self,
        customer: &CustomerId,
        actor: &str,
    ) -> Result<ErasureCounts, StoreError> {
        let id = customer.as_str();
        let mut tx = self.pool.begin().await?;
        // A no-op write first: it finds the customer and takes the lock.
        let found = sqlx::query("UPDATE customers SET updated_at = updated_at WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if found == 0 {
            return Err(StoreError::NotFound("customer"));
        }
        let (orders, consents, conversations, messages): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM orders WHERE customer_id = $1), \
             (SELECT COUNT(*) FROM consents WHERE customer_id = $1), \
             (SELECT COUNT(*) FROM conversations WHERE customer_id = $1), \
             (SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
              WHERE c.customer_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM customers WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let counts = ErasureCounts {
            orders,
            consents,
            conversations,
            messages,
        };
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::CustomerErased,
                actor,
                customer_id: Some(id),
                conversation_id: None,
                detail: serde_json::to_value(counts)
                    .map_err(|_| StoreError::Corrupt("erasure counts"))?,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(counts)
    }

    /// Deletes every conversation (with its messages and handoff log) whose
    /// last activity is before `cutoff_ms` (Unix ms), anonymous ones included,
    /// and audits `retention_purged` with the count when there was any.
    /// Returns how many conversations were deleted.
    pub async fn purge_conversations_before(&self, cutoff_ms: i64) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        let purged = sqlx::query("DELETE FROM conversations WHERE updated_at < $1")
            .bind(cutoff_ms)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if purged > 0 {
            audit::record(
                &mut tx,
                AuditEvent {
                    code: AuditCode::RetentionPurged,
                    actor: "system",
                    customer_id: None,
                    conversation_id: None,
                    detail: serde_json::json!({ "conversations": purged, "cutoff": cutoff_ms }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(purged)
    }
}
