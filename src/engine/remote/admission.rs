//! The remote engine's bounded queue: `max_in_flight` requests talk to the
//! server at once, `queue_capacity` more may wait, and one more is refused
//! at once with [`EngineError::Busy`], as the local engine's queue does.
//! After the server itself says it is overloaded (429 or 503), new requests
//! are refused for the time it asked for (`Retry-After`, 1 to 30 s).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::engine::EngineError;

/// Pause after an overload answer without a usable `Retry-After`.
const DEFAULT_BACK_OFF: Duration = Duration::from_secs(2);
/// Longest pause an overload answer can impose.
const MAX_BACK_OFF: Duration = Duration::from_secs(30);

/// Who may send now, who waits, and who is refused.
pub(crate) struct Admission {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    capacity: usize,
    refuse_until: Mutex<Option<Instant>>,
}

/// A request allowed in: it may send now, or after the ones before it.
pub(crate) enum Admitted {
    /// A slot was free.
    Now(OwnedSemaphorePermit),
    /// The request waits in the queue for a slot.
    Queued(QueuePlace),
}

/// A place in the queue; leaving it (served or dropped) frees it.
pub(crate) struct QueuePlace {
    admission: Arc<Admission>,
}

impl Drop for QueuePlace {
    fn drop(&mut self) {
        self.admission.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Admission {
    /// `in_flight` requests at once, `capacity` more waiting.
    pub(crate) fn new(in_flight: usize, capacity: usize) -> Arc<Self> {
        Arc::new(Self {
            permits: Arc::new(Semaphore::new(in_flight.max(1))),
            waiting: AtomicUsize::new(0),
            capacity,
            refuse_until: Mutex::new(None),
        })
    }

    /// Lets a request in, or refuses it at once.
    pub(crate) fn admit(self: &Arc<Self>) -> Result<Admitted, EngineError> {
        if self.backing_off() {
            return Err(EngineError::Busy);
        }
        match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => Ok(Admitted::Now(permit)),
            Err(TryAcquireError::Closed) => Err(EngineError::Shutdown),
            Err(TryAcquireError::NoPermits) => {
                self.waiting
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |w| {
                        (w < self.capacity).then_some(w + 1)
                    })
                    .map_err(|_| EngineError::Busy)?;
                Ok(Admitted::Queued(QueuePlace {
                    admission: Arc::clone(self),
                }))
            }
        }
    }

    /// The server said it is overloaded: refuse new requests for a while.
    pub(crate) fn back_off(&self, retry_after: Option<Duration>) {
        let pause = retry_after
            .unwrap_or(DEFAULT_BACK_OFF)
            .clamp(Duration::from_secs(1), MAX_BACK_OFF);
        if let Ok(mut until) = self.refuse_until.lock() {
            *until = Some(Instant::now() + pause);
        }
    }

    fn backing_off(&self) -> bool {
        self.refuse_until
            .lock()
            .map(|until| until.is_some_and(|t| Instant::now() < t))
            .unwrap_or(false)
    }
}

impl Admitted {
    /// Waits for a slot (at once when one was free).
    pub(crate) async fn slot(self) -> Result<OwnedSemaphorePermit, EngineError> {
        match self {
            Self::Now(permit) => Ok(permit),
            Self::Queued(place) => {
                let permits = Arc::clone(&place.admission.permits);
                let permit = permits
                    .acquire_owned()
                    .await
                    .map_err(|_| EngineError::Shutdown)?;
                drop(place);
                Ok(permit)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_more_than_the_queue_holds_is_refused_at_once() {
        let admission = Admission::new(1, 2);
        let running = admission.admit().expect("first runs");
        let first = admission.admit().expect("queued");
        let second = admission.admit().expect("queued");
        assert!(matches!(admission.admit(), Err(EngineError::Busy)));
        drop(first);
        let third = admission.admit().expect("a place came free");
        drop(running);
        let _slot = second.slot().await.expect("served");
        assert!(matches!(third, Admitted::Queued(_)));
    }

    #[test]
    fn an_overloaded_server_pauses_admission() {
        let admission = Admission::new(4, 4);
        admission.back_off(Some(Duration::from_secs(5)));
        assert!(matches!(admission.admit(), Err(EngineError::Busy)));
    }
}
