//! Bounded consumption at the edge: concurrent connections per client, and
//! a budget for every frame a socket sends (token buckets per socket and per
//! client).
//!
//! A client is an IPv4 address or an IPv6 /64 network (one household or
//! host usually owns a whole /64). Per-client buckets outlive the client's
//! sockets: closing and reopening a socket does not refill them. An entry is
//! forgotten only once it holds no information (no socket open and every
//! bucket full again, at most half a minute after the last frame), and at
//! most `tracked_clients` entries are held; when all of them are busy, new
//! clients are refused until some expire.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// The `[limits]` settings table. Every per-minute budget allows bursts of
/// half of it.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitSettings {
    /// Open chat sockets allowed per client.
    pub connections_per_ip: usize,
    /// Customer messages per minute on one socket.
    pub messages_per_minute: u32,
    /// Customer messages per minute from one client, across its sockets.
    pub ip_messages_per_minute: u32,
    /// Frames of any type (valid or not) per minute on one socket.
    pub frames_per_minute: u32,
    /// Frames of any type per minute from one client, across its sockets.
    pub ip_frames_per_minute: u32,
    /// `typing` frames per minute on one socket; extra ones are dropped
    /// silently (they are only a hint to agents).
    pub typing_per_minute: u32,
    /// Frames that open, hand off or touch data rights (`hello`,
    /// `handoff_request`, `consent`, `privacy_export`, `privacy_erase`) per
    /// minute from one client, across its sockets.
    pub ip_actions_per_minute: u32,
    /// Clients remembered at once (bounds the memory of the buckets).
    pub tracked_clients: usize,
}

impl Default for LimitSettings {
    fn default() -> Self {
        Self {
            connections_per_ip: 20,
            messages_per_minute: 30,
            ip_messages_per_minute: 120,
            frames_per_minute: 120,
            ip_frames_per_minute: 1200,
            typing_per_minute: 20,
            ip_actions_per_minute: 120,
            tracked_clients: 65_536,
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

    fn refill(&mut self, now: Instant) {
        self.tokens = (self.tokens
            + now.saturating_duration_since(self.last).as_secs_f64() * self.per_sec)
            .min(self.capacity);
        self.last = now;
    }

    /// Takes a token if one is left.
    pub fn try_take(&mut self) -> bool {
        self.refill(Instant::now());
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether the bucket has refilled completely by `now` (it then holds no
    /// memory of past use).
    fn is_full(&mut self, now: Instant) -> bool {
        self.refill(now);
        self.tokens >= self.capacity
    }
}

/// What a per-client budget is spent on.
#[derive(Debug, Clone, Copy)]
enum Budget {
    Messages,
    Frames,
    Actions,
}

/// One client's open sockets and shared buckets.
#[derive(Debug)]
struct ClientState {
    connections: usize,
    messages: TokenBucket,
    frames: TokenBucket,
    actions: TokenBucket,
}

impl ClientState {
    fn new(settings: &LimitSettings) -> Self {
        Self {
            connections: 0,
            messages: TokenBucket::per_minute(settings.ip_messages_per_minute),
            frames: TokenBucket::per_minute(settings.ip_frames_per_minute),
            actions: TokenBucket::per_minute(settings.ip_actions_per_minute),
        }
    }

    /// Open sockets or a bucket not yet refilled: must be remembered.
    fn is_live(&mut self, now: Instant) -> bool {
        // Every bucket is refilled (no short-circuit) so each answers for `now`.
        let full = [
            self.messages.is_full(now),
            self.frames.is_full(now),
            self.actions.is_full(now),
        ];
        self.connections > 0 || full.contains(&false)
    }

    fn bucket(&mut self, budget: Budget) -> &mut TokenBucket {
        match budget {
            Budget::Messages => &mut self.messages,
            Budget::Frames => &mut self.frames,
            Budget::Actions => &mut self.actions,
        }
    }
}

/// The key limits are counted under: an IPv4 address or an IPv6 /64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    /// The client `ip` belongs to (IPv4-mapped IPv6 counts as IPv4).
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(IpAddr::V4(v4)),
                None => {
                    let s = v6.segments();
                    Self(IpAddr::V6(Ipv6Addr::new(
                        s[0], s[1], s[2], s[3], 0, 0, 0, 0,
                    )))
                }
            },
        }
    }
}

/// How often stale entries are swept out (besides whenever the table is full).
const SWEEP_EVERY: Duration = Duration::from_secs(30);

#[derive(Debug)]
struct Table {
    clients: HashMap<ClientKey, ClientState>,
    last_sweep: Instant,
}

impl Table {
    fn sweep(&mut self, now: Instant) {
        self.clients.retain(|_, state| state.is_live(now));
        self.last_sweep = now;
    }
}

/// Per-client bookkeeping shared by every socket.
#[derive(Debug, Clone)]
pub struct ClientLimits {
    settings: LimitSettings,
    table: Arc<Mutex<Table>>,
}

/// Held while a socket is open; frees the client's connection slot (not
/// its buckets) when dropped.
#[derive(Debug)]
pub struct ConnectionSlot {
    limits: ClientLimits,
    key: ClientKey,
    /// This socket's own message bucket.
    pub messages: TokenBucket,
    frames: TokenBucket,
    typing: TokenBucket,
}

impl ClientLimits {
    /// Limits from the settings.
    pub fn new(settings: LimitSettings) -> Self {
        Self {
            settings,
            table: Arc::new(Mutex::new(Table {
                clients: HashMap::new(),
                last_sweep: Instant::now(),
            })),
        }
    }

    fn table(&self) -> std::sync::MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens a slot for `ip`, or `None` when its client has too many sockets
    /// open (or, under a flood of clients, none can be tracked).
    pub fn connect(&self, ip: IpAddr) -> Option<ConnectionSlot> {
        let key = ClientKey::of(ip);
        let mut table = self.table();
        let now = Instant::now();
        let full = table.clients.len() >= self.settings.tracked_clients.max(1);
        if full || now.duration_since(table.last_sweep) >= SWEEP_EVERY {
            table.sweep(now);
        }
        if !table.clients.contains_key(&key)
            && table.clients.len() >= self.settings.tracked_clients.max(1)
        {
            tracing::warn!(
                tracked = table.clients.len(),
                "limits: too many clients to track; refusing a new one"
            );
            return None;
        }
        let state = table
            .clients
            .entry(key)
            .or_insert_with(|| ClientState::new(&self.settings));
        if state.connections >= self.settings.connections_per_ip {
            return None;
        }
        state.connections += 1;
        Some(ConnectionSlot {
            limits: self.clone(),
            key,
            messages: TokenBucket::per_minute(self.settings.messages_per_minute),
            frames: TokenBucket::per_minute(self.settings.frames_per_minute),
            typing: TokenBucket::per_minute(self.settings.typing_per_minute),
        })
    }

    fn take(&self, key: ClientKey, budget: Budget) -> bool {
        let mut table = self.table();
        table
            .clients
            .get_mut(&key)
            .is_some_and(|state| state.bucket(budget).try_take())
    }

    /// How many clients are remembered now (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.table().clients.len()
    }
}

impl ConnectionSlot {
    /// Whether one more frame of any type may be read now (socket and
    /// client budgets). Checked before a frame is even parsed.
    pub fn allow_frame(&mut self) -> bool {
        self.frames.try_take() && self.limits.take(self.key, Budget::Frames)
    }

    /// Whether one more customer message may be taken now (socket and client budgets).
    pub fn allow_message(&mut self) -> bool {
        self.messages.try_take() && self.limits.take(self.key, Budget::Messages)
    }

    /// Whether one more `typing` frame may be forwarded now (socket budget).
    pub fn allow_typing(&mut self) -> bool {
        self.typing.try_take()
    }

    /// Whether one more hello, handoff request, consent or privacy frame
    /// may be acted on now (client budget).
    pub fn allow_action(&mut self) -> bool {
        self.limits.take(self.key, Budget::Actions)
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut table = self.limits.table();
        if let Some(state) = table.clients.get_mut(&self.key) {
            // The entry stays: its buckets must outlive the socket.
            state.connections = state.connections.saturating_sub(1);
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

    #[test]
    fn client_buckets_survive_the_last_socket_closing() {
        let limits = ClientLimits::new(LimitSettings {
            ip_messages_per_minute: 4,
            ..Default::default()
        });
        let ip: IpAddr = [10, 0, 0, 1].into();
        let mut first = limits.connect(ip).expect("slot");
        assert!(first.allow_message() && first.allow_message());
        assert!(!first.allow_message(), "burst of 2 spent");
        drop(first);
        let mut second = limits.connect(ip).expect("slot");
        assert!(!second.allow_message(), "reconnecting does not refill");
        assert_eq!(limits.tracked(), 1);
    }

    #[test]
    fn idle_refilled_clients_are_forgotten_and_the_table_is_bounded() {
        let limits = ClientLimits::new(LimitSettings {
            tracked_clients: 2,
            ip_messages_per_minute: 2,
            ..Default::default()
        });
        let slot = |last: u8| limits.connect([10, 0, 0, last].into());
        let a = slot(1).expect("a");
        let mut b = slot(2).expect("b");
        assert!(b.allow_message(), "b's client bucket is no longer full");
        assert!(slot(3).is_none(), "both entries are live: refused");
        drop(a);
        // a's client has no socket and untouched (full) buckets: swept out.
        let _c = slot(3).expect("c");
        drop(b);
        assert!(
            slot(4).is_none(),
            "b's bucket has not refilled yet and c is open: still remembered"
        );
        assert_eq!(limits.tracked(), 2);
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        let c: IpAddr = "2001:db8:1:3::1".parse().expect("ip");
        assert_eq!(ClientKey::of(a), ClientKey::of(b));
        assert_ne!(ClientKey::of(a), ClientKey::of(c));
        let mapped: IpAddr = "::ffff:10.0.0.1".parse().expect("ip");
        assert_eq!(ClientKey::of(mapped), ClientKey::of([10, 0, 0, 1].into()));
    }

    #[test]
    fn every_budget_runs_out() {
        let limits = ClientLimits::new(LimitSettings {
            frames_per_minute: 10,
            typing_per_minute: 4,
            ip_actions_per_minute: 6,
            ..Default::default()
        });
        let mut slot = limits.connect([10, 0, 0, 9].into()).expect("slot");
        assert_eq!((0..20).filter(|_| slot.allow_frame()).count(), 5);
        assert_eq!((0..20).filter(|_| slot.allow_typing()).count(), 2);
        assert_eq!((0..20).filter(|_| slot.allow_action()).count(), 3);
    }
}
