//! Storage limitation: conversations are deleted once they have been idle
//! for longer than `privacy.retention_days`.

use std::time::Duration;

use super::erasure::flush_write_ahead_log;
use super::PrivacyError;
use super::PrivacySettings;
use crate::store::{now_ms, Store};

/// How often the retention task looks for expired conversations.
pub const RETENTION_INTERVAL: Duration = Duration::from_secs(60 * 60);

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The last-activity time (Unix ms) before which conversations expire, or
/// `None` when `retention_days` is 0 (keep forever).
pub fn retention_cutoff(now_ms: i64, retention_days: u32) -> Option<i64> {
    (retention_days > 0).then(|| now_ms.saturating_sub(i64::from(retention_days) * DAY_MS))
}

/// Deletes the conversations idle for more than `retention_days` (none when
/// it is 0) and returns how many went.
pub async fn purge_expired(store: &Store, retention_days: u32) -> Result<u64, PrivacyError> {
    let Some(cutoff) = retention_cutoff(now_ms(), retention_days) else {
        return Ok(0);
    };
    let purged = store.purge_conversations_before(cutoff).await?;
    if purged > 0 {
        flush_write_ahead_log(store).await;
    }
    Ok(purged)
}

/// Runs [`purge_expired`] at start and then every [`RETENTION_INTERVAL`];
/// returns at once when retention is off (`retention_days = 0`).
pub async fn retention_task(store: Store, settings: PrivacySettings) {
    if settings.retention_days == 0 {
        tracing::info!("conversation retention is off: conversations are kept");
        return;
    }
    let mut tick = tokio::time::interval(RETENTION_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match purge_expired(&store, settings.retention_days).await {
            Ok(0) => tracing::debug!("retention: nothing expired"),
            Ok(purged) => tracing::info!(purged, "retention: expired conversations deleted"),
            Err(error) => tracing::error!(%error, "retention purge failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_days_keeps_forever_and_days_count_back_from_now() {
        assert_eq!(retention_cutoff(1_000_000_000_000, 0), None);
        assert_eq!(
            retention_cutoff(1_000_000_000_000, 2),
            Some(1_000_000_000_000 - 2 * 86_400_000)
        );
        assert_eq!(
            retention_cutoff(0, u32::MAX).map(i64::is_negative),
            Some(true)
        );
    }
}
