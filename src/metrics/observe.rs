//! Values that describe the present (queue depth, batch size, watched
//! conversations, queue length), read when `/metrics` is scraped.

use super::Metrics;
use crate::engine::EngineLoad;

/// The present state, read just before rendering.
#[derive(Debug, Clone, Copy, Default)]
pub struct Observed {
    /// The engine's queue, batch and running totals.
    pub engine: EngineLoad,
    /// Conversations watched by at least one open socket here.
    pub conversations_active: usize,
    /// Conversations waiting in the human queue; `None` when the store did
    /// not answer (the last value is kept).
    pub handoff_queue: Option<usize>,
}

impl Metrics {
    /// Sets the gauges of the present state, and moves the engine's
    /// running totals up to the engine's own counts.
    pub fn observe(&self, now: &Observed) {
        let _one_at_a_time = self
            .inner
            .observing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let inner = &self.inner;
        inner.engine_queue.set(gauge_value(now.engine.queued));
        inner.engine_batch.set(gauge_value(now.engine.batch));
        catch_up(&inner.engine_steps, now.engine.steps);
        catch_up(&inner.engine_step_sequences, now.engine.step_sequences);
        inner
            .conversations_active
            .set(gauge_value(now.conversations_active));
        if let Some(queued) = now.handoff_queue {
            inner.handoff_queue.set(gauge_value(queued));
        }
    }
}

fn gauge_value(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Raises `counter` to `total` (a counter never goes down).
fn catch_up(counter: &prometheus::IntCounter, total: u64) {
    let current = counter.get();
    if total > current {
        counter.inc_by(total - current);
    }
}
