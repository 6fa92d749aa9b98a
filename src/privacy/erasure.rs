//! Right to erasure: the customer and everything about them is deleted for
//! good, then the SQLite write-ahead log is folded back and truncated so no
//! copy of the erased rows is left in the database files.

use std::time::Duration;

use super::{PrivacyError, Requester};
use crate::domain::CustomerId;
use crate::store::{ErasureCounts, Store};

/// Checkpoint attempts before giving up on a busy write-ahead log.
const CHECKPOINT_ATTEMPTS: u32 = 10;
/// Pause between checkpoint attempts.
const CHECKPOINT_PAUSE: Duration = Duration::from_millis(100);

/// Deletes `customer` with their orders, consent history, conversations,
/// messages and handoff log, and audits `customer_erased` (ids and counts
/// only) in the same transaction; then checkpoints the write-ahead log.
pub async fn erase_customer(
    store: &Store,
    customer: &CustomerId,
    requester: Requester,
) -> Result<ErasureCounts, PrivacyError> {
    let counts = store.erase_customer(customer, requester.as_str()).await?;
    tracing::info!(
        customer_id = customer.as_str(),
        requester = requester.as_str(),
        conversations = counts.conversations,
        messages = counts.messages,
        "customer erased"
    );
    flush_write_ahead_log(store).await;
    Ok(counts)
}

/// Folds the write-ahead log back so deleted rows survive in no file. The
/// deletion is already committed, so a failure here is logged, not returned:
/// SQLite's own automatic checkpoints fold the log in later.
pub(super) async fn flush_write_ahead_log(store: &Store) {
    for _ in 0..CHECKPOINT_ATTEMPTS {
        match store.checkpoint().await {
            Ok(true) => return,
            Ok(false) => tokio::time::sleep(CHECKPOINT_PAUSE).await,
            Err(error) => {
                tracing::error!(%error, "write-ahead log checkpoint failed after a deletion");
                return;
            }
        }
    }
    tracing::warn!(
        "write-ahead log still in use by a reader; it is folded in at a later checkpoint"
    );
}
