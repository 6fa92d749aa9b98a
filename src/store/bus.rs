//! PostgreSQL as the message bus between Candor instances (`LISTEN/NOTIFY`).
//!
//! Two kinds of event cross instances:
//! - **durable** ones (stored messages, handoff changes, agent events,
//!   erasures) are rows of `bus_events`, appended under a transaction-scoped
//!   advisory lock so their `seq` follows commit order, then announced with
//!   `NOTIFY candor_bus`. A listener reads the rows after the last seq it
//!   saw, so a notification lost while its connection was down costs
//!   nothing: the next read (on reconnect, or the periodic poll) catches up.
//! - **live** ones (reply deltas, typing) are only worth anything now: they
//!   travel in the `NOTIFY candor_live` payload itself and are dropped when
//!   over the payload cap or while a listener is disconnected (the stored
//!   message that ends a reply always follows as a durable event).
//!
//! The bus has its own small native PostgreSQL pool: `LISTEN` needs a
//! dedicated connection, and advisory locks and `pg_notify` return `void`,
//! which the `Any` driver the rest of the store uses cannot decode.

use sqlx::postgres::{PgListener, PgPool, PgPoolOptions};

use super::{now_ms, StoreError};

/// Channel announcing new `bus_events` rows (payload: the seq).
const DURABLE_CHANNEL: &str = "candor_bus";
/// Channel carrying live events in the payload.
const LIVE_CHANNEL: &str = "candor_live";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
pub const MAX_LIVE_PAYLOAD: usize = 7900;
/// Key of the advisory lock that orders appends (any constant works; this
/// one spells "candor" in ASCII).
const APPEND_LOCK: i64 = 0x63_61_6e_64_6f_72;

/// One durable event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusRow {
    /// Commit-ordered sequence number.
    pub seq: i64,
    /// The instance that appended it.
    pub origin: String,
    /// The encoded event.
    pub payload: String,
}

/// Writes to the bus.
#[derive(Clone, Debug)]
pub struct Bus {
    pool: PgPool,
    url: String,
}

impl Bus {
    /// Connects to the PostgreSQL database at `url` (the store's own URL;
    /// `bus_events` is created by its migrations).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let pool = PgPoolOptions::new().max_connections(3).connect(url).await?;
        Ok(Self {
            pool,
            url: url.to_owned(),
        })
    }

    /// Appends a durable event and announces it; returns its seq.
    pub async fn append(&self, origin: &str, payload: &str) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(APPEND_LOCK)
            .execute(&mut *tx)
            .await?;
        let (seq,): (i64,) = sqlx::query_as(
            "INSERT INTO bus_events (origin, payload, created_at) VALUES ($1, $2, $3) RETURNING seq",
        )
        .bind(origin)
        .bind(payload)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await?;
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(DURABLE_CHANNEL)
            .bind(seq.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Sends a live event; `Ok(false)` when the payload is over the cap
    /// (nothing is sent).
    pub async fn notify_live(&self, payload: &str) -> Result<bool, StoreError> {
        if payload.len() > MAX_LIVE_PAYLOAD {
            return Ok(false);
        }
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(LIVE_CHANNEL)
            .bind(payload)
            .execute(&self.pool)
            .await?;
        Ok(true)
    }

    /// Durable events after `seq`, oldest first, at most `limit`.
    pub async fn after(&self, seq: i64, limit: i64) -> Result<Vec<BusRow>, StoreError> {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT seq, origin, payload FROM bus_events WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind(seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(seq, origin, payload)| BusRow {
                seq,
                origin,
                payload,
            })
            .collect())
    }

    /// The newest seq (0 when the bus is empty): where a new listener starts.
    pub async fn last_seq(&self) -> Result<i64, StoreError> {
        let (seq,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM bus_events")
            .fetch_one(&self.pool)
            .await?;
        Ok(seq)
    }

    /// Deletes events older than `before_ms`; returns how many.
    pub async fn prune(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM bus_events WHERE created_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Opens a listening connection on both channels.
    pub async fn listen(&self) -> Result<BusListener, StoreError> {
        let mut listener = PgListener::connect(&self.url).await?;
        listener.listen_all([DURABLE_CHANNEL, LIVE_CHANNEL]).await?;
        Ok(BusListener { listener })
    }
}

/// What a listening connection heard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Heard {
    /// New durable events were appended (read them with [`Bus::after`]).
    Durable,
    /// A live event's payload.
    Live(String),
    /// The connection dropped and was re-established: notifications may
    /// have been missed, so read the durable events again.
    Reconnected,
}

/// A dedicated `LISTEN` connection.
pub struct BusListener {
    listener: PgListener,
}

impl BusListener {
    /// Waits for the next notification. Reconnects by itself after a lost
    /// connection (and says so with [`Heard::Reconnected`]).
    pub async fn recv(&mut self) -> Result<Heard, StoreError> {
        match self.listener.try_recv().await? {
            None => Ok(Heard::Reconnected),
            Some(notification) if notification.channel() == LIVE_CHANNEL => {
                Ok(Heard::Live(notification.payload().to_owned()))
            }
            Some(_) => Ok(Heard::Durable),
        }
    }
}
