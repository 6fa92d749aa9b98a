//! Whether this instance should receive new traffic, beyond its store and
//! engine answering: `false` once it has begun draining for a shutdown
//! (`GET /readyz` then answers 503 so a load balancer stops sending new
//! connections while the open ones finish).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// The instance's own readiness flags; cheap to clone, shared by every
/// clone (the shutdown path sets, `/readyz` reads).
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    draining: Arc<AtomicBool>,
}

impl Readiness {
    /// Marks the instance as draining: `/readyz` fails from now on.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Whether the instance is draining for a shutdown.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_clone_sees_the_drain() {
        let readiness = Readiness::default();
        let seen_by_readyz = readiness.clone();
        assert!(!seen_by_readyz.is_draining());
        readiness.start_draining();
        assert!(seen_by_readyz.is_draining());
    }
}
