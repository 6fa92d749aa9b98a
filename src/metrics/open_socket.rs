//! A socket's place in the `candor_sockets_active` gauge: held for as long
//! as the socket is served, released when it is dropped (however the
//! socket ended: close, error, idle timeout or a panic in its task).

use prometheus::IntGauge;

/// Counts one open socket until dropped.
#[must_use = "the socket counts as open only while this is held"]
pub struct OpenSocket {
    gauge: IntGauge,
}

impl OpenSocket {
    pub(super) fn new(gauge: IntGauge) -> Self {
        gauge.inc();
        Self { gauge }
    }
}

impl Drop for OpenSocket {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}
