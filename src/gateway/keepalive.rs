//! Keep-alive shared by both sockets: the server pings every
//! [`PING_INTERVAL`]; a client silent (no frame, no pong) for
//! [`IDLE_TIMEOUT`] is closed with code 1008.

use std::time::{Duration, Instant};

use actix_ws::{CloseCode, CloseReason};
use tokio::time::Interval;

/// How often the server pings an idle socket.
pub const PING_INTERVAL: Duration = Duration::from_secs(20);
/// A socket silent (no frame, no pong) this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// When the client was last heard, and when to ping next.
pub struct KeepAlive {
    heard: Instant,
    ping: Interval,
}

impl Default for KeepAlive {
    fn default() -> Self {
        Self {
            heard: Instant::now(),
            ping: tokio::time::interval(PING_INTERVAL),
        }
    }
}

impl KeepAlive {
    /// The client sent something (any frame, ping or pong).
    pub fn heard(&mut self) {
        self.heard = Instant::now();
    }

    /// Waits until the next ping is due (cancel-safe). `Err` carries the
    /// close reason when the client has been silent too long; `Ok` means
    /// send a ping.
    pub async fn next_ping(&mut self) -> Result<(), CloseReason> {
        self.ping.tick().await;
        if self.heard.elapsed() > IDLE_TIMEOUT {
            return Err(CloseReason {
                code: CloseCode::Policy,
                description: Some("idle timeout".into()),
            });
        }
        Ok(())
    }
}

/// The close both sockets send when the server shuts down: 1001 "going
/// away", so a widget reconnects (to another instance behind the balancer).
pub fn going_away() -> CloseReason {
    CloseReason {
        code: CloseCode::Away,
        description: Some("server restarting".to_owned()),
    }
}
