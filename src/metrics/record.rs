//! Recording what happens, at the place it happens: one call per event,
//! labels given as bounded enums.

use std::time::Duration;

use super::{
    AnswerPath, ConsentDirection, ErrorChannel, GuardKind, HandoffTrigger, Metrics, OpenSocket,
    SocketKind,
};
use crate::domain::Purpose;
use crate::engine::GenerationStats;
use crate::error::ErrorCode;

impl Metrics {
    /// Counts a socket as open until the returned guard is dropped.
    pub fn socket_opened(&self, kind: SocketKind) -> Option<OpenSocket> {
        self.inner.sockets.get(&kind).cloned().map(OpenSocket::new)
    }

    /// The model's first token arrived `after` the prompt was submitted.
    pub fn first_token(&self, after: Duration) {
        self.inner.first_token.observe(after.as_secs_f64());
    }

    /// A model generation finished: its tokens and decode speed.
    pub fn generation_finished(&self, stats: &GenerationStats) {
        let tokens = u64::try_from(stats.generated_tokens).unwrap_or(u64::MAX);
        self.inner.engine_tokens.inc_by(tokens);
        if stats.generated_tokens > 0 && stats.decode_secs > 0.0 {
            self.inner
                .tokens_per_second
                .observe(stats.generated_tokens as f64 / stats.decode_secs);
        }
    }

    /// An AI turn stored its reply `after` it started.
    pub fn reply_finished(&self, answer: AnswerPath, after: Duration) {
        if let Some(histogram) = self.inner.reply_latency.get(&answer) {
            histogram.observe(after.as_secs_f64());
        }
    }

    /// A conversation newly entered the human queue.
    pub fn handoff_requested(&self, trigger: HandoffTrigger) {
        if let Some(counter) = self.inner.handoffs.get(&trigger) {
            counter.inc();
        }
    }

    /// An agent claimed a conversation that had waited `waited` in the queue.
    pub fn handoff_claimed(&self, waited: Duration) {
        self.inner.handoff_wait.observe(waited.as_secs_f64());
    }

    /// A welcome frame carried the AI disclosure to a visitor.
    pub fn disclosure_sent(&self) {
        self.inner.disclosures.inc();
    }

    /// A customer's consent to `purpose` was recorded as `granted` or not.
    pub fn consent_changed(&self, purpose: Purpose, granted: bool) {
        let key = (purpose, ConsentDirection::of(granted));
        if let Some(counter) = self.inner.consent_changes.get(&key) {
            counter.inc();
        }
    }

    /// A guard changed a reply (or answered instead of the model) `times` times.
    pub fn guard_intervened(&self, kind: GuardKind, times: usize) {
        if let Some(counter) = self.inner.guard.get(&kind) {
            counter.inc_by(u64::try_from(times).unwrap_or(u64::MAX));
        }
    }

    /// The fact check removed `sentences` sentences of a reply.
    pub fn facts_removed(&self, sentences: usize) {
        self.inner
            .fact_removals
            .inc_by(u64::try_from(sentences).unwrap_or(u64::MAX));
    }

    /// An error code was sent to a client.
    pub fn error_sent(&self, code: ErrorCode, channel: ErrorChannel) {
        if let Some(counter) = self.inner.errors.get(&(code, channel)) {
            counter.inc();
        }
    }
}
