//! Which stored messages a customer socket has sent, so that each goes out
//! exactly once, whichever way it arrives: the backlog at hello, the live
//! feed, or a replay from the store after the socket fell behind the feed.
//!
//! Messages are stored with increasing `seq`s, but two tasks that store
//! into one conversation (the visitor's message and an AI reply finishing)
//! can publish in the other order: the feed may bring seq 50 before seq 49.
//! A high-water mark alone would then drop 49, and the widget would never
//! see its message acknowledged. So the socket remembers the seqs it sent
//! within a window below the highest one; only what is older than the
//! window counts as sent without being looked up.

use std::collections::BTreeSet;

/// How far below the highest seq sent a message may still arrive late and
/// be sent. Far more than the messages two racing stores can reorder.
const WINDOW: i64 = 1024;

/// The seqs a socket has sent.
#[derive(Debug, Clone)]
pub(super) struct SentSeqs {
    /// Everything up to here counts as sent (what the widget already had
    /// at hello).
    base: i64,
    /// The highest seq sent.
    highest: i64,
    /// The seqs sent above `floor()`.
    recent: BTreeSet<i64>,
}

impl SentSeqs {
    /// Nothing sent yet; the widget already has every message up to `up_to`.
    pub fn up_to(up_to: i64) -> Self {
        Self {
            base: up_to,
            highest: up_to,
            recent: BTreeSet::new(),
        }
    }

    /// Records `seq` as sent; false when it was sent (or counts as sent)
    /// already, so the caller must not send it again.
    pub fn mark(&mut self, seq: i64) -> bool {
        if seq <= self.floor() || !self.recent.insert(seq) {
            return false;
        }
        self.highest = self.highest.max(seq);
        let floor = self.floor();
        self.recent = self.recent.split_off(&(floor + 1));
        true
    }

    /// The seq after which a replay from the store must start so that
    /// nothing unsent is missed (what was sent in between is skipped by
    /// [`SentSeqs::mark`]).
    pub fn replay_after(&self) -> i64 {
        self.floor()
    }

    fn floor(&self) -> i64 {
        self.base.max(self.highest - WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_published_after_a_later_one_is_still_sent_once() {
        let mut sent = SentSeqs::up_to(10);
        assert!(sent.mark(12), "the AI reply, published first");
        assert!(sent.mark(11), "the visitor's message, published second");
        assert!(!sent.mark(11) && !sent.mark(12), "never twice");
        assert!(!sent.mark(10), "what the widget had at hello");
        assert_eq!(sent.replay_after(), 10, "a replay looks from the base");
    }

    #[test]
    fn only_the_window_below_the_highest_seq_is_remembered() {
        let mut sent = SentSeqs::up_to(0);
        assert!(sent.mark(5_000));
        assert!(!sent.mark(5_000 - WINDOW), "older than the window");
        assert!(sent.mark(5_000 - WINDOW + 1), "inside the window");
        assert_eq!(sent.replay_after(), 5_000 - WINDOW);
        assert!(sent.recent.len() <= 2);
    }
}
