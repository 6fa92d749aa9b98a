//! The caches kept between turns: one per conversation, least recently
//! used evicted first to stay within a memory budget, plus a few shared
//! system-prompt prefixes every new conversation can start from.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::kv_cache::{SequenceCache, SharedPrefix};

/// Shared prefixes kept (a shop has one system prompt per language).
const MAX_PREFIXES: usize = 8;

/// How long an erasure is remembered, at least: a request queued before it
/// must not bring the conversation's text back when it is served later.
const MIN_ERASURE_MEMORY: Duration = Duration::from_secs(600);

/// A shared prefix, and the conversation whose prompt it was computed from.
struct Prefix {
    used: u64,
    prefix: Arc<SharedPrefix>,
    origin: Option<String>,
}

/// Idle conversation caches and shared prefixes.
pub(crate) struct CacheStore {
    budget_bytes: usize,
    idle_limit: Duration,
    clock: u64,
    conversations: HashMap<String, (u64, SequenceCache)>,
    last_used: HashMap<String, Instant>,
    prefixes: Vec<Prefix>,
    /// Conversations erased, and when.
    erased: HashMap<String, Instant>,
}

impl CacheStore {
    /// Keeps at most `budget_bytes`, and no conversation idle for longer
    /// than `idle_limit` (a cache holds the conversation's text).
    pub(crate) fn new(budget_bytes: usize, idle_limit: Duration) -> Self {
        Self {
            budget_bytes,
            idle_limit,
            clock: 0,
            conversations: HashMap::new(),
            last_used: HashMap::new(),
            prefixes: Vec::new(),
            erased: HashMap::new(),
        }
    }

    fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    /// Removes and returns the cache of conversation `key` (it is in use).
    pub(crate) fn take(&mut self, key: &str) -> Option<SequenceCache> {
        self.last_used.remove(key);
        self.conversations.remove(key).map(|(_, cache)| cache)
    }

    /// Keeps the cache of conversation `key`, then evicts to the budget.
    pub(crate) fn put(&mut self, key: String, cache: SequenceCache) {
        let now = self.tick();
        self.last_used.insert(key.clone(), Instant::now());
        self.conversations.insert(key, (now, cache));
        self.evict();
    }

    /// Drops the cache of conversation `key`.
    fn forget(&mut self, key: &str) -> bool {
        self.last_used.remove(key);
        self.conversations.remove(key).is_some()
    }

    /// The conversation's data was erased: drops its cache and every shared
    /// prefix computed from its prompt, and remembers the erasure so that
    /// a request submitted before it keeps nothing (see [`Self::erased_since`]).
    /// Returns how many caches were dropped.
    pub(crate) fn erase(&mut self, key: &str) -> usize {
        self.erased.insert(key.to_owned(), Instant::now());
        let before = self.prefixes.len();
        self.prefixes
            .retain(|entry| entry.origin.as_deref() != Some(key));
        usize::from(self.forget(key)) + before - self.prefixes.len()
    }

    /// Whether conversation `key` was erased at or after `instant`.
    pub(crate) fn erased_since(&self, key: &str, instant: Instant) -> bool {
        self.erased.get(key).is_some_and(|at| *at >= instant)
    }

    /// Drops conversations idle for longer than the limit.
    pub(crate) fn expire(&mut self) {
        let limit = self.idle_limit;
        let expired: Vec<String> = self
            .last_used
            .iter()
            .filter(|(_, used)| used.elapsed() > limit)
            .map(|(key, _)| key.clone())
            .collect();
        for key in expired {
            self.forget(&key);
        }
        let memory = self.idle_limit.max(MIN_ERASURE_MEMORY);
        self.erased.retain(|_, at| at.elapsed() <= memory);
    }

    /// The longest shared prefix that `prompt` starts with.
    pub(crate) fn prefix_for(&mut self, prompt: &[u32]) -> Option<Arc<SharedPrefix>> {
        let now = self.tick();
        let best = self
            .prefixes
            .iter_mut()
            .filter(|entry| prompt.starts_with(entry.prefix.tokens()))
            .max_by_key(|entry| entry.prefix.tokens().len())?;
        best.used = now;
        Some(best.prefix.clone())
    }

    /// Keeps `prefix`, computed from conversation `origin`'s prompt, for
    /// later conversations.
    pub(crate) fn add_prefix(&mut self, prefix: Arc<SharedPrefix>, origin: Option<String>) {
        if self
            .prefixes
            .iter()
            .any(|entry| entry.prefix.tokens() == prefix.tokens())
        {
            return;
        }
        let used = self.tick();
        self.prefixes.push(Prefix {
            used,
            prefix,
            origin,
        });
        if self.prefixes.len() > MAX_PREFIXES {
            if let Some(oldest) = self
                .prefixes
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(i, _)| i)
            {
                self.prefixes.swap_remove(oldest);
            }
        }
        self.evict();
    }

    /// Bytes held by idle conversations and shared prefixes.
    pub(crate) fn bytes(&self) -> usize {
        self.conversations
            .values()
            .map(|(_, c)| c.own_bytes())
            .sum::<usize>()
            + self
                .prefixes
                .iter()
                .map(|entry| entry.prefix.bytes())
                .sum::<usize>()
    }

    /// Conversations with a cache kept.
    pub(crate) fn conversations(&self) -> usize {
        self.conversations.len()
    }

    /// Evicts least recently used conversations, then prefixes, until the
    /// budget holds.
    fn evict(&mut self) {
        while self.bytes() > self.budget_bytes {
            let oldest = self
                .conversations
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(key, _)| key.clone());
            if let Some(key) = oldest {
                self.forget(&key);
                continue;
            }
            let oldest = self
                .prefixes
                .iter()
                .enumerate()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(i, _)| i);
            match oldest {
                Some(i) => {
                    self.prefixes.swap_remove(i);
                }
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::kv_cache::KvPrecision;

    fn cache(tokens: &[u32]) -> SequenceCache {
        let mut cache = SequenceCache::new(1, 4, KvPrecision::F16);
        let rows = vec![0.5; tokens.len() * 4];
        cache.append(0, &rows, &rows);
        cache.push_tokens(tokens);
        cache
    }

    #[test]
    fn least_recently_used_conversations_go_first_and_the_budget_holds() {
        let one = cache(&[1, 2, 3]).own_bytes();
        let mut store = CacheStore::new(2 * one, Duration::from_secs(3600));
        store.put("a".into(), cache(&[1, 2, 3]));
        store.put("b".into(), cache(&[4, 5, 6]));
        let a = store.take("a").expect("a kept");
        store.put("a".into(), a);
        store.put("c".into(), cache(&[7, 8, 9]));
        assert!(store.take("b").is_none(), "b was least recently used");
        assert!(store.bytes() <= 2 * one);
        assert_eq!(store.erase("a"), 1);
        assert!(store.take("a").is_none());
        assert_eq!(store.conversations(), 1);
    }

    #[test]
    fn an_erasure_drops_the_prefixes_computed_from_the_conversation() {
        let mut store = CacheStore::new(usize::MAX, Duration::from_secs(3600));
        let before = Instant::now();
        store.add_prefix(cache(&[1, 2]).share(), Some("personal".into()));
        store.add_prefix(cache(&[7, 8]).share(), Some("other".into()));
        store.put("personal".into(), cache(&[1, 2, 3]));
        assert_eq!(store.erase("personal"), 2);
        assert!(store.prefix_for(&[1, 2, 3]).is_none());
        assert!(store.prefix_for(&[7, 8, 9]).is_some());
        assert!(store.erased_since("personal", before));
        assert!(!store.erased_since("personal", Instant::now()));
        assert!(!store.erased_since("other", before));
    }

    #[test]
    fn idle_conversations_expire() {
        let mut store = CacheStore::new(usize::MAX, Duration::ZERO);
        store.put("a".into(), cache(&[1]));
        std::thread::sleep(Duration::from_millis(2));
        store.expire();
        assert_eq!(store.conversations(), 0);
    }

    #[test]
    fn the_longest_matching_prefix_is_found() {
        let mut store = CacheStore::new(usize::MAX, Duration::from_secs(3600));
        let mut short = cache(&[1, 2]);
        let mut long = cache(&[1, 2, 3]);
        store.add_prefix(short.share(), None);
        store.add_prefix(long.share(), None);
        let found = store.prefix_for(&[1, 2, 3, 4]).expect("match");
        assert_eq!(found.tokens(), &[1, 2, 3]);
        assert_eq!(
            store.prefix_for(&[1, 2, 9]).expect("match").tokens(),
            &[1, 2]
        );
        assert!(store.prefix_for(&[9]).is_none());
    }
}
