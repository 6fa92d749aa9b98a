//! Agent socket tickets: browsers cannot set headers on a WebSocket, and a
//! bearer token in the URL ends up in proxy logs. So the console trades its
//! token (in a header) for a ticket that opens one socket: random, valid
//! [`TICKET_TTL`], used once, held in memory only as a SHA-256 hash.
//!
//! Tickets live in this process: behind a load balancer with several Candor
//! instances, route the ticket request and the socket to the same instance
//! (or let the console use the `Authorization` header where it can).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngCore;

use super::hash_token;

/// How long a ticket may wait before it is used.
pub const TICKET_TTL: Duration = Duration::from_secs(30);
/// Unused tickets kept per agent; issuing one more drops the oldest.
const MAX_PER_AGENT: usize = 8;

#[derive(Debug)]
struct Pending {
    agent_id: String,
    expires: Instant,
}

/// Issued, not yet used tickets.
#[derive(Debug, Clone, Default)]
pub struct AgentTickets {
    pending: Arc<Mutex<HashMap<String, Pending>>>,
}

impl AgentTickets {
    fn pending(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A fresh ticket for `agent_id`, valid for [`TICKET_TTL`].
    pub fn issue(&self, agent_id: &str) -> String {
        self.issue_at(agent_id, Instant::now())
    }

    fn issue_at(&self, agent_id: &str, now: Instant) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        let ticket = format!("cwt_{}", hex::encode(bytes));
        let mut pending = self.pending();
        pending.retain(|_, p| p.expires > now);
        let mine: Vec<(&String, Instant)> = pending
            .iter()
            .filter(|(_, p)| p.agent_id == agent_id)
            .map(|(hash, p)| (hash, p.expires))
            .collect();
        if mine.len() >= MAX_PER_AGENT {
            if let Some(oldest) = mine
                .iter()
                .min_by_key(|(_, at)| *at)
                .map(|(h, _)| (*h).clone())
            {
                pending.remove(&oldest);
            }
        }
        pending.insert(
            hash_token(&ticket),
            Pending {
                agent_id: agent_id.to_owned(),
                expires: now + TICKET_TTL,
            },
        );
        ticket
    }

    /// The agent a ticket was issued to, if it is unused and unexpired; the
    /// ticket is spent either way.
    pub fn redeem(&self, ticket: &str) -> Option<String> {
        self.redeem_at(ticket, Instant::now())
    }

    fn redeem_at(&self, ticket: &str, now: Instant) -> Option<String> {
        let pending = self.pending().remove(&hash_token(ticket))?;
        (pending.expires > now).then_some(pending.agent_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_opens_once_for_its_agent() {
        let tickets = AgentTickets::default();
        let ticket = tickets.issue("ag_1");
        assert_eq!(tickets.redeem(&ticket).as_deref(), Some("ag_1"));
        assert_eq!(tickets.redeem(&ticket), None, "single use");
        assert_eq!(tickets.redeem("cwt_forged"), None);
    }

    #[test]
    fn a_ticket_expires_after_thirty_seconds() {
        let tickets = AgentTickets::default();
        let now = Instant::now();
        let ticket = tickets.issue_at("ag_1", now);
        assert_eq!(tickets.redeem_at(&ticket, now + TICKET_TTL), None);
        let ticket = tickets.issue_at("ag_1", now);
        assert_eq!(
            tickets
                .redeem_at(&ticket, now + TICKET_TTL - Duration::from_secs(1))
                .as_deref(),
            Some("ag_1")
        );
    }

    #[test]
    fn unused_tickets_are_bounded_per_agent() {
        let tickets = AgentTickets::default();
        let first = tickets.issue("ag_1");
        for _ in 0..MAX_PER_AGENT {
            tickets.issue("ag_1");
        }
        let other = tickets.issue("ag_2");
        assert_eq!(tickets.pending().len(), MAX_PER_AGENT + 1);
        assert_eq!(tickets.redeem(&first), None, "the oldest was dropped");
        assert_eq!(tickets.redeem(&other).as_deref(), Some("ag_2"));
    }
}
