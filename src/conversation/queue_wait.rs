//! How long a claimed conversation waited in the human queue, from the
//! store's own handoff events (for the `handoff_wait_seconds` metric).

use std::time::Duration;

use crate::store::HandoffEvent;

/// From the latest `queued` event to the `claimed` event after it; `None`
/// when the events do not show a claim of a queued conversation.
pub(super) fn queue_wait(events: &[HandoffEvent]) -> Option<Duration> {
    let claimed = events.iter().rposition(|e| e.event == "claimed")?;
    let queued = events[..claimed]
        .iter()
        .rev()
        .find(|e| e.event == "queued")?;
    let millis = events[claimed].at.checked_sub(queued.at)?;
    Some(Duration::from_millis(u64::try_from(millis).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event: &str, at: i64) -> HandoffEvent {
        HandoffEvent {
            event: event.into(),
            agent_id: None,
            reason: None,
            at,
        }
    }

    #[test]
    fn the_wait_runs_from_the_latest_queueing_to_its_claim() {
        let events = [
            event("requested", 1_000),
            event("queued", 1_000),
            event("claimed", 4_000),
            event("released", 9_000),
            event("requested", 10_000),
            event("queued", 10_000),
            event("claimed", 12_500),
        ];
        assert_eq!(queue_wait(&events), Some(Duration::from_millis(2_500)));
        assert_eq!(queue_wait(&events[..2]), None);
        assert_eq!(queue_wait(&[event("claimed", 5)]), None);
    }
}
