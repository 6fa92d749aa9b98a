//! The `[engine]` settings table: tuning knobs of the local model.

use std::num::NonZeroUsize;

use serde::Deserialize;

use super::{Implementation, WeightFormat};

/// Tuning knobs of the local model.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// Cap on tokens generated for one reply.
    pub max_new_tokens: NonZeroUsize,
    /// Cap on prompt tokens; the oldest history is dropped beyond it.
    pub max_prompt_tokens: NonZeroUsize,
    /// Sampling temperature; 0 means greedy.
    pub temperature: f64,
    /// Nucleus sampling threshold (1.0 disables it).
    pub top_p: f64,
    /// Penalty applied to recently generated tokens (1.0 disables it).
    pub repeat_penalty: f32,
    /// How many recent tokens the repeat penalty looks at.
    pub repeat_last_n: usize,
    /// Requests that may wait for the model; one more is refused at once.
    pub queue_capacity: NonZeroUsize,
    /// Longest a reply may take to generate, in seconds.
    pub max_generation_secs: u64,
    /// Seed for sampling, so runs can be reproduced.
    pub seed: u64,
    /// How weights are held in memory: `q8_0` (4/5-bit weights converted at
    /// load; faster prompt processing) or `as_stored`.
    pub weights: WeightFormat,
    /// Conversations generating together in one forward pass.
    pub max_batch: NonZeroUsize,
    /// Prompt tokens processed per step across all conversations, so a long
    /// prompt delays the others' next tokens by one slice at most.
    pub prefill_chunk: NonZeroUsize,
    /// Memory for the caches of idle conversations and shared system
    /// prompts, in MiB; least recently used conversations are evicted
    /// beyond it (their next turn recomputes the prompt).
    pub cache_budget_mib: usize,
    /// A conversation's cache is dropped after this many idle seconds (it
    /// holds the conversation's text in memory; erasure drops it at once).
    pub cache_idle_secs: u64,
    /// `own` (batched, cached; llama family) or `upstream` (candle's
    /// single-sequence model, for comparison). Other architectures always
    /// use `upstream`.
    pub implementation: Implementation,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            max_new_tokens: nz(160),
            max_prompt_tokens: nz(1536),
            temperature: 0.3,
            top_p: 0.9,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            queue_capacity: nz(32),
            max_generation_secs: 60,
            seed: 299_792_458,
            weights: WeightFormat::default(),
            max_batch: nz(16),
            prefill_chunk: nz(256),
            cache_budget_mib: 64,
            cache_idle_secs: 1800,
            implementation: Implementation::default(),
        }
    }
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}
