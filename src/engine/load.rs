//! How busy the engine is, for `/metrics`: requests waiting in its queue,
//! conversations in its latest forward pass, and running totals of passes
//! and of the conversations they carried (their ratio is the mean batch).

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

/// A snapshot of the engine's load.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EngineLoad {
    /// Requests submitted and not yet taken by the engine.
    pub queued: usize,
    /// Conversations in the latest forward pass.
    pub batch: usize,
    /// Forward passes so far.
    pub steps: u64,
    /// Conversations summed over those passes.
    pub step_sequences: u64,
}

/// The live counts behind [`EngineLoad`], shared by the submitting side
/// and the engine thread.
#[derive(Debug, Default)]
pub(crate) struct LoadCounters {
    queued: AtomicUsize,
    batch: AtomicUsize,
    steps: AtomicU64,
    step_sequences: AtomicU64,
}

impl LoadCounters {
    /// Counts one request as queued until the ticket is dropped (when the
    /// engine takes the request, or when it could not be queued).
    pub(crate) fn enqueue(self: &Arc<Self>) -> QueueTicket {
        self.queued.fetch_add(1, Ordering::Relaxed);
        QueueTicket(Arc::clone(self))
    }

    /// One forward pass over `batch` conversations.
    pub(crate) fn stepped(&self, batch: usize) {
        self.batch.store(batch, Ordering::Relaxed);
        self.steps.fetch_add(1, Ordering::Relaxed);
        self.step_sequences
            .fetch_add(u64::try_from(batch).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The engine has nothing to run.
    pub(crate) fn idle(&self) {
        self.batch.store(0, Ordering::Relaxed);
    }

    /// The counts now.
    pub(crate) fn snapshot(&self) -> EngineLoad {
        EngineLoad {
            queued: self.queued.load(Ordering::Relaxed),
            batch: self.batch.load(Ordering::Relaxed),
            steps: self.steps.load(Ordering::Relaxed),
            step_sequences: self.step_sequences.load(Ordering::Relaxed),
        }
    }
}

/// One request's place in the queue count.
#[derive(Debug)]
pub(crate) struct QueueTicket(Arc<LoadCounters>);

impl Drop for QueueTicket {
    fn drop(&mut self) {
        self.0.queued.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_counts_while_held_and_steps_add_up() {
        let counters = Arc::new(LoadCounters::default());
        let first = counters.enqueue();
        let second = counters.enqueue();
        assert_eq!(counters.snapshot().queued, 2);
        drop(first);
        counters.stepped(3);
        counters.stepped(1);
        let load = counters.snapshot();
        assert_eq!((load.queued, load.batch), (1, 1));
        assert_eq!((load.steps, load.step_sequences), (2, 4));
        drop(second);
        counters.idle();
        assert_eq!(counters.snapshot().queued, 0);
        assert_eq!(counters.snapshot().batch, 0);
    }
}
