//! The `[engine]` settings table: which backend generates replies, the
//! tuning knobs of the local model, and where the remote server is.

use std::num::{NonZeroU64, NonZeroUsize};

use secrecy::SecretString;
use serde::Deserialize;

use super::{DecodeKernel, Implementation, WeightFormat};

/// Where replies are generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineBackend {
    /// The GGUF model at the top-level `model` path, on this machine.
    #[default]
    Local,
    /// An OpenAI-compatible chat-completions server at `url` (llama.cpp's
    /// `llama-server`, vLLM, TGI, Ollama).
    #[serde(rename = "openai")]
    OpenAi,
}

/// Tuning knobs of the local model, and the remote server's address.
///
/// Both backends use `max_new_tokens` (sent to a server as `max_tokens` and
/// enforced by Candor too), `max_generation_secs`, `queue_capacity`,
/// `temperature`, `top_p` and `seed`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineSettings {
    /// `local` (default) or `openai`.
    pub backend: EngineBackend,
    /// Base URL of the OpenAI-compatible API, up to and including its
    /// version, e.g. `http://127.0.0.1:8081/v1` (backend `openai`).
    pub url: Option<String>,
    /// Model name sent to the server (backend `openai`; required there).
    pub model: Option<String>,
    /// Bearer key for the server (`CANDOR_ENGINE_API_KEY`); never logged.
    pub api_key: Option<SecretString>,
    /// Seconds to open a connection to the server.
    pub connect_timeout_secs: NonZeroU64,
    /// Seconds from sending a request to the first token of the reply (the
    /// server's own queue and prompt reading); then the reply fails.
    pub first_token_timeout_secs: NonZeroU64,
    /// Longest silence between two chunks of a streamed reply, in seconds;
    /// then the reply fails.
    pub idle_timeout_secs: NonZeroU64,
    /// Requests sent to the server at once (match its parallel slots); more
    /// wait in Candor's queue of `queue_capacity`.
    pub max_in_flight: NonZeroUsize,
    /// Lets the server keep a prompt's cache for the next turn
    /// (llama-server's `cache_prompt`). Off by default: a kept cache holds
    /// the conversation's text, personal data included, in the server's
    /// memory, where Candor cannot erase it (docs: "Remote engine").
    pub cache_prompt: bool,
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
    /// How weights are held in memory: `as_stored` (the default) or `q8_0`
    /// (4/5-bit weights converted at load, for candle's decode kernel).
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
    /// Benchmarks only: keep generating past the end-of-turn token up to
    /// `max_new_tokens`, so that replies of Candor and a peer server have the
    /// same length and tokens/s compare like with like (llama-server's
    /// `ignore_eos`). A shop never wants this: replies run on into text the
    /// model was not asked for.
    pub ignore_end_of_turn: bool,
    /// Who multiplies the weights one token at a time (decode): `own`
    /// (the default; Candor's kernels for Q4_0/Q4_1/Q8_0 weights) or
    /// `candle`.
    pub decode_kernel: DecodeKernel,
}

impl Default for EngineSettings {
    fn default() -> Self {
        Self {
            backend: EngineBackend::default(),
            url: None,
            model: None,
            api_key: None,
            connect_timeout_secs: secs(5),
            first_token_timeout_secs: secs(60),
            idle_timeout_secs: secs(30),
            max_in_flight: nz(4),
            cache_prompt: false,
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
            ignore_end_of_turn: false,
            decode_kernel: DecodeKernel::default(),
        }
    }
}

fn nz(n: usize) -> NonZeroUsize {
    NonZeroUsize::new(n).unwrap_or(NonZeroUsize::MIN)
}

fn secs(n: u64) -> NonZeroU64 {
    NonZeroU64::new(n).unwrap_or(NonZeroU64::MIN)
}
