//! The append-only audit trail. Events are written in the same transaction
//! as the action they record and never carry personal data (ids only).

use sqlx::AnyConnection;

use super::{now_ms, StoreError};

/// Stable event codes; never rename one, only add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditCode {
    /// The admin API created or changed a customer profile.
    CustomerUpserted,
    /// The admin API created or changed an order.
    OrderUpserted,
    /// A consent was granted or withdrawn.
    ConsentChanged,
    /// A conversation began (the AI disclosure was shown).
    ConversationStarted,
    /// The admin API created an agent.
    AgentCreated,
    /// An agent opened a conversation and the customer context it may see.
    AgentViewedConversation,
    /// Customer data was read into a prompt (detail: purposes, fields, records).
    ContextRead,
    /// Everything held about a customer was handed out (right of access).
    CustomerExported,
    /// A customer and everything held about them was deleted (right to erasure).
    CustomerErased,
    /// Conversations past the retention period were deleted.
    RetentionPurged,
    /// A knowledge-base entry was created or replaced (detail: entry id).
    KbEntryWritten,
    /// A knowledge-base entry was deleted (detail: entry id).
    KbEntryDeleted,
}

impl AuditCode {
    /// The code as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditCode::CustomerUpserted => "customer_upserted",
            AuditCode::OrderUpserted => "order_upserted",
            AuditCode::ConsentChanged => "consent_changed",
            AuditCode::ConversationStarted => "conversation_started",
            AuditCode::AgentCreated => "agent_created",
            AuditCode::AgentViewedConversation => "agent_viewed_conversation",
            AuditCode::ContextRead => "context_read",
            AuditCode::CustomerExported => "customer_exported",
            AuditCode::CustomerErased => "customer_erased",
            AuditCode::RetentionPurged => "retention_purged",
            AuditCode::KbEntryWritten => "kb_entry_written",
            AuditCode::KbEntryDeleted => "kb_entry_deleted",
        }
    }
}

/// One audit entry about to be written.
#[derive(Debug, Clone)]
pub struct AuditEvent<'a> {
    /// What happened.
    pub code: AuditCode,
    /// Who did it: `admin`, `customer`, `system`, `agent:<id>`.
    pub actor: &'a str,
    /// The customer concerned, if any.
    pub customer_id: Option<&'a str>,
    /// The conversation concerned, if any.
    pub conversation_id: Option<&'a str>,
    /// Extra facts as JSON (ids, flags; never personal data).
    pub detail: serde_json::Value,
}

/// Appends `event` on `conn` (a connection inside the caller's transaction).
pub(crate) async fn record(
    conn: &mut AnyConnection,
    event: AuditEvent<'_>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_events (at, code, actor, customer_id, conversation_id, detail) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(now_ms())
    .bind(event.code.as_str())
    .bind(event.actor)
    .bind(event.customer_id)
    .bind(event.conversation_id)
    .bind(event.detail.to_string())
    .execute(conn)
    .await?;
    Ok(())
}

impl super::Store {
    /// Appends an audit event on its own (for reads such as an agent's view,
    /// where there is no write to share a transaction with).
    pub async fn record_audit(&self, event: AuditEvent<'_>) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        record(&mut conn, event).await
    }
}

#[cfg(test)]
mod tests {
    use super::AuditCode;

    #[test]
    fn codes_are_stable_snake_case_strings() {
        let codes = [
            (AuditCode::CustomerUpserted, "customer_upserted"),
            (AuditCode::OrderUpserted, "order_upserted"),
            (AuditCode::ConsentChanged, "consent_changed"),
            (AuditCode::ConversationStarted, "conversation_started"),
            (AuditCode::AgentCreated, "agent_created"),
            (
                AuditCode::AgentViewedConversation,
                "agent_viewed_conversation",
            ),
            (AuditCode::CustomerExported, "customer_exported"),
            (AuditCode::CustomerErased, "customer_erased"),
            (AuditCode::KbEntryWritten, "kb_entry_written"),
            (AuditCode::KbEntryDeleted, "kb_entry_deleted"),
            (AuditCode::RetentionPurged, "retention_purged"),
        ];
        for (code, stored) in codes {
            assert_eq!(code.as_str(), stored);
        }
    }
}
