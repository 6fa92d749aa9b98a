//! The store: the single source of truth for customers, orders, consents,
//! conversations, messages, knowledge-base entries and audit events.
//!
//! One implementation serves SQLite and PostgreSQL: queries are runtime
//! `query_as().bind()` over `sqlx::Any`, with `$N` placeholders (which both
//! backends accept). Each backend has its own migrations folder, applied at
//! start-up.

mod agents;
mod audit;
mod bus;
mod connect;
mod conversations;
mod customers;
pub mod demo;
mod error;
mod handoff;
mod kb;
mod messages;
mod privacy;
mod readiness;

pub use agents::AgentRecord;
pub use audit::{AuditCode, AuditEvent};
pub use bus::{Bus, BusListener, BusRow, Heard, MAX_LIVE_PAYLOAD};
pub use conversations::{ConversationRecord, ConversationState};
pub use customers::{CustomerRecord, NewCustomer, NewOrder, OrderItem, OrderRecord};
pub use error::StoreError;
pub use handoff::{HandoffEvent, QueueEntry};
pub use kb::StoredKbEntry;
pub use messages::{AppendOutcome, NewMessage, Sender, StoredMessage};
pub use privacy::{
    AuditEntry, ConsentEntry, ConversationEntry, CustomerData, CustomerProfile, ErasureCounts,
    MessageEntry,
};

use sqlx::AnyPool;

/// Which database engine sits behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// Handle to the database; cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Which database engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Closes every pooled connection (used before a restart in tests).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Milliseconds since the Unix epoch, the time unit of every stored timestamp.
pub fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}
