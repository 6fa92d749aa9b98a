//! Choosing the next token: temperature, top-p, repetition penalty.

use candle_core::Tensor;
use candle_transformers::generation::{LogitsProcessor, Sampling};

use super::EngineSettings;

/// Sampling settings for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct SamplingParams {
    /// Cap on generated tokens.
    pub max_new_tokens: usize,
    /// Temperature; `0.0` is greedy.
    pub temperature: f64,
    /// Nucleus threshold; `>= 1.0` disables it.
    pub top_p: f64,
    /// Repetition penalty; `1.0` disables it.
    pub repeat_penalty: f32,
    /// Window of recent tokens the penalty looks at.
    pub repeat_last_n: usize,
    /// RNG seed.
    pub seed: u64,
    /// Wall-clock cap on generation, in seconds.
    pub max_generation_secs: u64,
}

impl From<&EngineSettings> for SamplingParams {
    fn from(s: &EngineSettings) -> Self {
        Self {
            max_new_tokens: s.max_new_tokens.get(),
            temperature: s.temperature,
            top_p: s.top_p,
            repeat_penalty: s.repeat_penalty,
            repeat_last_n: s.repeat_last_n,
            seed: s.seed,
            max_generation_secs: s.max_generation_secs,
        }
    }
}

/// Stateful sampler for one generation.
pub(crate) struct Sampler {
    processor: LogitsProcessor,
    repeat_penalty: f32,
    repeat_last_n: usize,
}

impl Sampler {
    pub(crate) fn new(params: &SamplingParams) -> Self {
        let sampling = if params.temperature <= 1e-7 {
            Sampling::ArgMax
        } else if params.top_p >= 1.0 {
            Sampling::All {
                temperature: params.temperature,
            }
        } else {
            Sampling::TopP {
                p: params.top_p,
                temperature: params.temperature,
            }
        };
        Self {
            processor: LogitsProcessor::from_sampling(params.seed, sampling),
            repeat_penalty: params.repeat_penalty,
            repeat_last_n: params.repeat_last_n,
        }
    }

    /// Picks the next token from `logits` (shape `[vocab]`), penalising `generated`.
    pub(crate) fn next(&mut self, logits: &Tensor, generated: &[u32]) -> candle_core::Result<u32> {
        let logits = logits.to_dtype(candle_core::DType::F32)?;
        let logits = if (self.repeat_penalty - 1.0).abs() < f32::EPSILON || generated.is_empty() {
            logits
        } else {
            let start = generated.len().saturating_sub(self.repeat_last_n);
            candle_transformers::utils::apply_repeat_penalty(
                &logits,
                self.repeat_penalty,
                &generated[start..],
            )?
        };
        self.processor.sample(&logits)
    }
}
