//! Whether the database is ready to serve this build: it answers, and
//! every migration this build carries is recorded as applied.

use super::connect::migrator;
use super::{Store, StoreError};

impl Store {
    /// `true` when the database answers and every migration of this build
    /// is applied (`GET /readyz`). A database migrated by an older build,
    /// or one whose migrations failed, is not ready.
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await?;
        Ok(migrator(self.backend)
            .iter()
            .all(|m| applied.iter().any(|(version,)| *version == m.version)))
    }
}
