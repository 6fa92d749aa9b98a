//! Choosing the next token: temperature, top-p, repetition penalty.
//!
//! The same choice as candle-transformers' `LogitsProcessor` (same kept
//! set, same weights, the generator used the same way; the softmax sums in
//! another order, so a draw within a rounding error of a boundary can
//! differ: 147-150 of 150 draws agreed in the tests), without its
//! full sort of the vocabulary per token: with a shop's temperature the
//! nucleus is a handful of tokens, so the few most likely are selected
//! first and the whole vocabulary is sorted only when they do not reach
//! `top_p`. A full sort of 49,152 probabilities cost milliseconds per token,
//! paid for every conversation of a batch while the other core waited.

use candle_core::Tensor;
use rand::distr::weighted::WeightedIndex;
use rand::distr::Distribution;
use rand::SeedableRng;

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

/// How many of the most likely tokens are ranked before falling back to
/// sorting them all (the nucleus is almost always far smaller).
const FIRST_CANDIDATES: usize = 64;

/// How a token is drawn from the (penalised) logits.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// The most likely token (the first of equals).
    Greedy,
    /// From the whole softmax at `temperature`.
    All { temperature: f32 },
    /// From the smallest set of most likely tokens whose probabilities
    /// reach `p` (a token is kept while the ones before it sum to less).
    TopP { p: f32, temperature: f32 },
}

/// Stateful sampler for one generation.
pub(crate) struct Sampler {
    rng: rand::rngs::StdRng,
    rule: Rule,
    repeat_penalty: f32,
    repeat_last_n: usize,
}

impl Sampler {
    pub(crate) fn new(params: &SamplingParams) -> Self {
        let temperature = params.temperature as f32;
        let rule = if params.temperature <= 1e-7 {
            Rule::Greedy
        } else if params.top_p >= 1.0 {
            Rule::All { temperature }
        } else {
            Rule::TopP {
                p: params.top_p as f32,
                temperature,
            }
        };
        Self {
            rng: rand::rngs::StdRng::seed_from_u64(params.seed),
            rule,
            repeat_penalty: params.repeat_penalty,
            repeat_last_n: params.repeat_last_n,
        }
    }

    /// Picks the next token from `logits` (shape `[vocab]`), penalising `generated`.
    pub(crate) fn next(&mut self, logits: &Tensor, generated: &[u32]) -> candle_core::Result<u32> {
        let mut logits = logits
            .to_dtype(candle_core::DType::F32)?
            .flatten_all()?
            .to_vec1::<f32>()?;
        self.pick(&mut logits, generated)
    }

    /// [`Self::next`] on plain logits (changed in place).
    pub(crate) fn pick(
        &mut self,
        logits: &mut [f32],
        generated: &[u32],
    ) -> candle_core::Result<u32> {
        if logits.is_empty() {
            candle_core::bail!("no logits to sample from")
        }
        if (self.repeat_penalty - 1.0).abs() >= f32::EPSILON {
            let start = generated.len().saturating_sub(self.repeat_last_n);
            penalise(logits, self.repeat_penalty, &generated[start..]);
        }
        let token = match self.rule {
            Rule::Greedy => argmax(logits),
            Rule::All { temperature } => {
                let support = softmax(logits, temperature);
                self.draw(logits, support)?
            }
            Rule::TopP { p, temperature } => {
                let support = softmax(logits, temperature);
                let kept = nucleus(logits, support, p);
                self.draw(logits, kept)?
            }
        };
        u32::try_from(token).map_err(candle_core::Error::wrap)
    }

    /// A token of `kept`, drawn in proportion to its probability: the
    /// generator is used exactly as `WeightedIndex` over the whole
    /// vocabulary with the others at zero would use it.
    fn draw(&mut self, probs: &[f32], mut kept: Vec<usize>) -> candle_core::Result<usize> {
        kept.sort_unstable();
        let weights = kept.iter().map(|&t| probs[t]);
        let index = WeightedIndex::new(weights).map_err(candle_core::Error::wrap)?;
        Ok(kept[index.sample(&mut self.rng)])
    }
}

/// Each distinct token of `recent` made less likely: a positive logit is
/// divided by `penalty`, a negative one multiplied.
fn penalise(logits: &mut [f32], penalty: f32, recent: &[u32]) {
    let mut seen = std::collections::HashSet::with_capacity(recent.len());
    for &token in recent {
        if !seen.insert(token) {
            continue;
        }
        if let Some(logit) = logits.get_mut(token as usize) {
            if *logit >= 0.0 {
                *logit /= penalty;
            } else {
                *logit *= penalty;
            }
        }
    }
}

/// The index of the largest value (the first of equals).
fn argmax(values: &[f32]) -> usize {
    let mut best = 0;
    for (i, v) in values.iter().enumerate() {
        if *v > values[best] {
            best = i;
        }
    }
    best
}

/// Below this (natural log of a probability ratio to the most likely
/// token, about 4e-18) a token's probability is taken as exactly zero: it
/// could never be drawn, and adding it to the sum changes no f32 bit.
const NEGLIGIBLE: f32 = -40.0;

/// `logits / temperature` turned into probabilities, in place; returns the
/// tokens whose probability is not zero (ascending), the only ones a draw
/// or a nucleus can hold. Skipping the others' `exp` is most of the gain
/// at a shop's low temperature.
fn softmax(values: &mut [f32], temperature: f32) -> Vec<usize> {
    let inverse = 1.0 / temperature;
    let max = values
        .iter()
        .fold(f32::NEG_INFINITY, |m, v| m.max(v * inverse));
    let mut support = Vec::new();
    let mut sum = 0f32;
    for (token, v) in values.iter_mut().enumerate() {
        let shifted = *v * inverse - max;
        if shifted < NEGLIGIBLE {
            *v = 0.0;
        } else {
            *v = shifted.exp();
            sum += *v;
            support.push(token);
        }
    }
    for &token in &support {
        values[token] /= sum;
    }
    support
}

/// More likely first; equals by ascending token id (a stable sort's order).
fn rank(probs: &[f32], a: usize, b: usize) -> std::cmp::Ordering {
    probs[b].total_cmp(&probs[a]).then(a.cmp(&b))
}

/// The tokens of the top-p nucleus among `support`: in ranked order, each
/// token whose predecessors sum to less than `p`.
fn nucleus(probs: &[f32], mut ids: Vec<usize>, p: f32) -> Vec<usize> {
    if ids.len() > FIRST_CANDIDATES {
        ids.select_nth_unstable_by(FIRST_CANDIDATES - 1, |&a, &b| rank(probs, a, b));
        let mut first = ids[..FIRST_CANDIDATES].to_vec();
        first.sort_unstable_by(|&a, &b| rank(probs, a, b));
        if let Some(kept) = prefix_reaching(probs, &first, p) {
            return kept;
        }
    }
    ids.sort_unstable_by(|&a, &b| rank(probs, a, b));
    prefix_reaching(probs, &ids, p).unwrap_or(ids)
}

/// The leading tokens of `ranked` kept by top-p, or `None` when all of them
/// sum to less than `p` (more tokens may belong to the nucleus).
fn prefix_reaching(probs: &[f32], ranked: &[usize], p: f32) -> Option<Vec<usize>> {
    let mut sum = 0f32;
    for (n, &token) in ranked.iter().enumerate() {
        if sum >= p {
            return Some(ranked[..n].to_vec());
        }
        sum += probs[token];
    }
    None
}

#[cfg(test)]
mod tests;
