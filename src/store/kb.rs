//! Knowledge-base entries. Every write and deletion bumps `kb_state.version`
//! in its own transaction (which also serialises knowledge-base writers), so
//! instances sharing a database can tell cheaply when to rebuild their index.

use super::audit::{self, AuditCode, AuditEvent};
use super::{now_ms, Store, StoreError};
use crate::domain::{parse_locale, Embedding, EntrySource, KbEntry, KbEntryId, NewKbEntry};

/// An entry as stored, with what the index needs beside it.
#[derive(Debug, Clone)]
pub struct StoredKbEntry {
    /// The entry.
    pub entry: KbEntry,
    /// File or API.
    pub source: EntrySource,
    /// The stored embedding, if any, and the model that made it.
    pub embedding: Option<(Embedding, String)>,
}

type Row = (
    String,
    String,
    String,
    String,
    Option<Vec<u8>>,
    Option<String>,
    String,
    i64,
);

impl Store {
    /// Creates or replaces an entry with its embedding (`model` names the
    /// model that made it), audited in the same transaction. Returns whether
    /// it was created.
    pub async fn upsert_kb_entry(
        &self,
        entry: &NewKbEntry,
        embedding: &Embedding,
        model: &str,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let now = now_ms();
        let vector = embedding.to_le_bytes();
        let mut tx = self.pool.begin().await?;
        bump_version(&mut tx).await?;
        // updated_at only moves forward, even for two writes in one millisecond.
        let updated = sqlx::query(
            "UPDATE kb_entries SET title = $1, text = $2, locale = $3, embedding = $4, \
             embedding_model = $5, source = $6, \
             updated_at = CASE WHEN updated_at >= $7 THEN updated_at + 1 ELSE $7 END \
             WHERE id = $8",
        )
        .bind(entry.title())
        .bind(entry.text())
        .bind(entry.locale().code())
        .bind(vector.clone())
        .bind(model)
        .bind(entry.source().as_str())
        .bind(now)
        .bind(entry.id().as_str())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let created = updated == 0;
        if created {
            sqlx::query(
                "INSERT INTO kb_entries (id, title, text, locale, embedding, embedding_model, \
                 source, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(entry.id().as_str())
            .bind(entry.title())
            .bind(entry.text())
            .bind(entry.locale().code())
            .bind(vector)
            .bind(model)
            .bind(entry.source().as_str())
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::KbEntryWritten,
                actor,
                customer_id: None,
                conversation_id: None,
                detail: serde_json::json!({ "entry_id": entry.id().as_str(), "created": created }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Deletes an entry, audited in the same transaction; `NotFound` when
    /// there is no such entry.
    pub async fn delete_kb_entry(&self, id: &KbEntryId, actor: &str) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        bump_version(&mut tx).await?;
        let deleted = sqlx::query("DELETE FROM kb_entries WHERE id = $1")
            .bind(id.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if deleted == 0 {
            return Err(StoreError::NotFound("knowledge-base entry"));
        }
        audit::record(
            &mut tx,
            AuditEvent {
                code: AuditCode::KbEntryDeleted,
                actor,
                customer_id: None,
                conversation_id: None,
                detail: serde_json::json!({ "entry_id": id.as_str() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores a (re)computed embedding for an entry, unless the entry changed
    /// since `updated_at` (then its writer stored a newer one). Does not bump
    /// the version: the entry's content is unchanged.
    pub async fn set_kb_embedding(
        &self,
        id: &KbEntryId,
        updated_at: i64,
        embedding: &Embedding,
        model: &str,
    ) -> Result<bool, StoreError> {
        let changed = sqlx::query(
            "UPDATE kb_entries SET embedding = $1, embedding_model = $2 \
             WHERE id = $3 AND updated_at = $4",
        )
        .bind(embedding.to_le_bytes())
        .bind(model)
        .bind(id.as_str())
        .bind(updated_at)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(changed > 0)
    }

    /// Every entry, by id.
    pub async fn kb_entries(&self) -> Result<Vec<StoredKbEntry>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, title, text, locale, embedding, embedding_model, source, updated_at \
             FROM kb_entries ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter().map(decode).collect()
    }

    /// The knowledge base's version: it changes with every write and
    /// deletion of an entry, on any instance.
    pub async fn kb_version(&self) -> Result<i64, StoreError> {
        let (version,): (i64,) = sqlx::query_as("SELECT version FROM kb_state WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(version)
    }
}

async fn bump_version(conn: &mut sqlx::AnyConnection) -> Result<(), StoreError> {
    sqlx::query("UPDATE kb_state SET version = version + 1 WHERE id = 1")
        .execute(conn)
        .await?;
    Ok(())
}

fn decode(row: Row) -> Result<StoredKbEntry, StoreError> {
    let (id, title, text, locale, vector, model, source, updated_at) = row;
    let corrupt = || StoreError::Corrupt("knowledge-base entry");
    // A vector that does not decode (another model's size) counts as
    // missing: the entry is embedded again.
    let embedding = match (vector, model) {
        (Some(bytes), Some(model)) => Embedding::from_le_bytes(&bytes).map(|e| (e, model)),
        _ => None,
    };
    Ok(StoredKbEntry {
        entry: KbEntry {
            id: KbEntryId::parse(&id).map_err(|_| corrupt())?,
            title,
            text,
            locale: parse_locale(&locale).ok_or_else(corrupt)?,
            updated_at,
        },
        source: EntrySource::parse(&source).ok_or_else(corrupt)?,
        embedding,
    })
}
