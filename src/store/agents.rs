//! Human agents. Tokens are stored as SHA-256 hashes only.

use serde::Serialize;

use super::audit::{self, AuditCode, AuditEvent};
use super::{now_ms, Store, StoreError};

/// A stored agent.
#[derive(Debug, Clone, Serialize)]
pub struct AgentRecord {
    /// Agent id.
    pub id: String,
    /// Display name shown to customers.
    pub name: String,
    /// Whether the agent takes auto-assigned conversations.
    pub available: bool,
    /// Most conversations auto-assigned at once.
    pub capacity: i64,
}

type AgentRow = (String, String, i64, i64);

fn decode((id, name, available, capacity): AgentRow) -> AgentRecord {
    AgentRecord {
        id,
        name,
        available: available != 0,
        capacity,
    }
}

impl Store {
    /// Stores a new agent with the hash of its token.
    pub async fn create_agent(
        &self,
        id: &str,
        name: &str,
        token_hash: &str,
    ) -> Result<AgentRecord, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO agents (id, name, token_hash, available, capacity, created_at) VALUES ($1, $2, $3, 0, 3, $4)")
            .bind(id)
            .bind(name)
            .bind(token_hash)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::AgentCreated,
                actor: "admin",
                customer_id: None,
                conversation_id: None,
                detail: serde_json::json!({ "agent_id": id }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(AgentRecord {
            id: id.into(),
            name: name.into(),
            available: false,
            capacity: 3,
        })
    }

    /// The agent holding the token with this hash.
    pub async fn agent_by_token_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<AgentRecord>, StoreError> {
        let row: Option<AgentRow> = sqlx::query_as(
            "SELECT id, name, available, capacity FROM agents WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(decode))
    }

    /// The agent with this id.
    pub async fn agent(&self, id: &str) -> Result<Option<AgentRecord>, StoreError> {
        let row: Option<AgentRow> =
            sqlx::query_as("SELECT id, name, available, capacity FROM agents WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(decode))
    }

    /// Marks the agent (un)available for auto-assignment, with a capacity.
    pub async fn set_agent_presence(
        &self,
        id: &str,
        available: bool,
        capacity: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE agents SET available = $1, capacity = $2 WHERE id = $3")
            .bind(i64::from(available))
            .bind(capacity)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Available agents with their open conversation count, in id order.
    pub async fn available_agents_with_load(&self) -> Result<Vec<(AgentRecord, i64)>, StoreError> {
        let rows: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT a.id, a.name, a.available, a.capacity, \
             (SELECT COUNT(*) FROM conversations c WHERE c.agent_id = a.id AND c.state = 'agent') \
             FROM agents a WHERE a.available = 1 ORDER BY a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(id, name, available, capacity, load)| {
                (decode((id, name, available, capacity)), load)
            })
            .collect())
    }
}
