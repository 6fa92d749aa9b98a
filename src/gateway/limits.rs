//! Bounded consumption at the edge: concurrent connections per IP, and
//! message rates per connection and per IP (token buckets).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Deserialize;

/// The `[limits]` settings table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Open chat sockets allowed per client IP.
    pub connections_per_ip: usize,
    /// Customer messages per minute on one socket (bursts up to half of it).
    pub messages_per_minute: u32,
    /// Customer messages per minute from one IP, across its sockets.
    pub ip_messages_per_minute: u32,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            connections_per_ip: 20,
            messages_per_minute: 30,
            ip_messages_per_minute: 120,
        }
    }
}

/// A token bucket: `capacity` tokens, refilled at `per_minute`.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    capacity: f64,
    tokens: f64,
    per_sec: f64,
    last: Instant,
}

impl TokenBucket {
    /// A full bucket allowing `per_minute` on average, bursts of half of it.
    pub fn per_minute(per_minute: u32) -> Self {
        let capacity = f64::from(per_minute.max(2)) / 2.0;
        Self {
            capacity,
            tokens: capacity,
            per_sec: f64::from(per_minute) / 60.0,
            last: Instant::now(),
        }
    }

    /// Takes a token if one is left.
    pub fn try_take(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_sec)
            .min(self.capacity);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[derive(Debug)]
struct IpState {
    connections: usize,
    messages: TokenBucket,
}

/// Per-IP bookkeeping shared by every socket.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    settings: LimitSettings,
    by_ip: Arc<Mutex<HashMap<IpAddr, IpState>>>,
}

/// Held while a socket is open; frees the IP's slot when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    limits: ClientLimits,
    ip: IpAddr,
    /// This socket's own message bucket.
    pub messages: TokenBucket,
}

impl ClientLimits {
    /// Limits from the settings.
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            settings,
            by_ip: Arc::default(),
        }
    }

    /// Opens a slot for `ip`, or `None` when it has too many sockets open.
    pub fn connect(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        let state = by_ip.entry(ip).or_insert_with(|| IpState {
            connections: 0,
            messages: TokenBucket::per_minute(self.settings.ip_messages_per_minute),
        });
        if state.connections >= self.settings.connections_per_ip {
            return None;
        }
        state.connections += 1;
        Some(ConnectionSlot {
            limits: self.clone(),
            ip,
            messages: TokenBucket::per_minute(self.settings.messages_per_minute),
        })
    }

    fn take_ip_message(&self, ip: IpAddr) -> bool {
        let mut by_ip = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        by_ip.get_mut(&ip).is_some_and(|s| s.messages.try_take())
    }
}

impl ConnectionSlot {
    /// Whether one more customer message may be taken now (socket and IP budgets).
    pub fn allow_message(&mut self) -> bool {
        self.messages.try_take() && self.limits.take_ip_message(self.ip)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut by_ip = self.limits.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(state) = by_ip.get_mut(&self.ip) {
            state.connections = state.connections.saturating_sub(1);
            if state.connections == 0 {
                by_ip.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_per_ip_are_capped_and_freed_on_drop() {
        let limits = ClientLimits::new(LimitSettings {
            connections_per_ip: 2,
            ..Default::default()
        });
        let ip: IpAddr = [127, 0, 0, 1].into();
        let a = limits.connect(ip).expect("first");
        let _b = limits.connect(ip).expect("second");
        assert!(limits.connect(ip).is_none());
        assert!(
            limits.connect([127, 0, 0, 2].into()).is_some(),
            "other IPs are separate"
        );
        drop(a);
        assert!(limits.connect(ip).is_some());
    }

    #[test]
    fn a_bucket_allows_a_burst_then_refuses() {
        let mut bucket = TokenBucket::per_minute(30);
        let taken = (0..20).filter(|_| bucket.try_take()).count();
        assert_eq!(taken, 15, "a burst of half the per-minute rate");
    }
}
