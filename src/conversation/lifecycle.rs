//! The server's lifecycle as conversations see it: serving, then on
//! SIGTERM draining (no new customer message is taken; replies already
//! being written may finish), cutting (replies still running after
//! `drain_secs` are stopped where they are: what was sent is stored and
//! marked, and the customer is told), and closing (every socket closes with
//! 1001 "going away", so widgets reconnect to another instance).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{watch, Notify};

/// Where the server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Taking messages.
    Serving,
    /// Finishing the replies in flight; new messages are refused.
    Draining,
    /// Stopping the replies still in flight.
    Cutting,
    /// Closing every socket.
    Closing,
}

/// Shared view of the phase and of the turns in flight.
#[derive(Clone)]
pub struct Lifecycle {
    phase: watch::Sender<Phase>,
    turns: Arc<TurnCount>,
}

#[derive(Default)]
struct TurnCount {
    running: AtomicUsize,
    idle: Notify,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            phase: watch::channel(Phase::Serving).0,
            turns: Arc::default(),
        }
    }
}

/// Held while a turn (the bot's answer to one message) runs.
pub struct TurnInFlight {
    turns: Arc<TurnCount>,
}

impl Drop for TurnInFlight {
    fn drop(&mut self) {
        if self.turns.running.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.turns.idle.notify_waiters();
        }
    }
}

impl Lifecycle {
    /// The phase now.
    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Whether new customer messages are still taken.
    pub fn is_serving(&self) -> bool {
        self.phase() == Phase::Serving
    }

    /// Follows phase changes (sockets and running replies select on it).
    pub fn watch(&self) -> watch::Receiver<Phase> {
        self.phase.subscribe()
    }

    /// Counts a turn as running until the returned guard drops.
    pub fn turn_started(&self) -> TurnInFlight {
        self.turns.running.fetch_add(1, Ordering::AcqRel);
        TurnInFlight {
            turns: Arc::clone(&self.turns),
        }
    }

    /// Turns running now.
    pub fn turns_running(&self) -> usize {
        self.turns.running.load(Ordering::Acquire)
    }

    /// Drains: stops taking messages, lets running turns finish for up to
    /// `drain`, cuts the rest (and waits up to `cut_grace` for them to store
    /// what they sent), then tells every socket to close. Returns how many
    /// turns had to be cut.
    pub async fn drain(&self, drain: Duration, cut_grace: Duration) -> usize {
        self.advance(Phase::Draining);
        let finished = self.wait_idle(drain).await;
        let cut = if finished {
            0
        } else {
            let running = self.turns_running();
            self.advance(Phase::Cutting);
            self.wait_idle(cut_grace).await;
            running
        };
        self.advance(Phase::Closing);
        cut
    }

    fn advance(&self, phase: Phase) {
        self.phase.send_if_modified(|now| {
            let later = phase > *now;
            if later {
                *now = phase;
            }
            later
        });
    }

    /// Waits until no turn runs, for at most `limit`; whether it got there.
    async fn wait_idle(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let idle = self.turns.idle.notified();
            if self.turns_running() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, idle).await.is_err() {
                return self.turns_running() == 0;
            }
        }
    }
}

/// Resolves once the phase reaches `phase` (or the lifecycle is gone).
pub async fn reached(watch: &mut watch::Receiver<Phase>, phase: Phase) {
    let _ = watch.wait_for(|now| *now >= phase).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn drain_waits_for_running_turns_and_then_closes() {
        let lifecycle = Lifecycle::default();
        let turn = lifecycle.turn_started();
        let drained = tokio::spawn({
            let lifecycle = lifecycle.clone();
            async move {
                lifecycle
                    .drain(Duration::from_secs(5), Duration::from_secs(1))
                    .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(lifecycle.phase(), Phase::Draining);
        assert!(!lifecycle.is_serving());
        drop(turn);
        assert_eq!(drained.await.expect("joined"), 0);
        assert_eq!(lifecycle.phase(), Phase::Closing);
    }

    #[tokio::test]
    async fn a_turn_outliving_the_drain_is_cut() {
        let lifecycle = Lifecycle::default();
        let turn = lifecycle.turn_started();
        let mut watch = lifecycle.watch();
        let cutter = tokio::spawn(async move {
            reached(&mut watch, Phase::Cutting).await;
            drop(turn);
        });
        let cut = lifecycle
            .drain(Duration::from_millis(50), Duration::from_secs(5))
            .await;
        assert_eq!(cut, 1);
        assert_eq!(lifecycle.phase(), Phase::Closing);
        cutter.await.expect("joined");
    }
}
