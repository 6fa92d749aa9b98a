//! What the customer socket's frames count: a `welcome` carries the AI
//! disclosure, an `error` frame its stable code.

use super::protocol::ServerFrame;
use crate::metrics::{ErrorChannel, Metrics};

/// Counts `frame` as it is sent.
pub(super) fn count_sent(metrics: &Metrics, frame: &ServerFrame) {
    match frame {
        ServerFrame::Welcome { .. } => metrics.disclosure_sent(),
        ServerFrame::Error { code, .. } => metrics.error_sent(*code, ErrorChannel::Socket),
        _ => {}
    }
}
