//! The store's error type.

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names no supported backend.
    #[error("unsupported database URL scheme (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    /// The database folder could not be created.
    #[error("cannot create the database folder: {0}")]
    CreateDir(#[source] std::io::Error),
    /// A query or connection failed.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// A migration failed.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The referenced row does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write would contradict a row already stored.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// A stored value could not be read back (corrupt row).
    #[error("stored {0} could not be decoded")]
    Corrupt(&'static str),
}
