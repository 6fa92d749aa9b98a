//! `candor bench sampling`: the time to choose one token from a
//! vocabulary's logits with a shop's default settings (temperature 0.3,
//! top-p 0.9, repeat penalty 1.1 over the last 64 tokens), Candor's
//! sampler beside candle-transformers' `LogitsProcessor` (what Candor used
//! before), in interleaved rounds. The scheduler pays this once per token
//! and conversation while the other core waits, so at N conversations a
//! step pays it N times.

use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use rand::{Rng, SeedableRng};

use crate::engine::{EngineSettings, Sampler, SamplingParams};

/// Options of `candor bench sampling`.
#[derive(Debug, clap::Args)]
pub struct SamplingArgs {
    /// Vocabulary size (the default model's).
    #[arg(long, default_value_t = 49_152)]
    pub vocab: usize,
    /// Tokens drawn per sampler and round.
    #[arg(long, default_value_t = 200)]
    pub draws: usize,
    /// Interleaved rounds; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
}

/// Runs the measurement and prints per-round and median times per token.
pub fn run_sampling(args: &SamplingArgs) -> Result<(), String> {
    let params = SamplingParams::from(&EngineSettings::default());
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    // Logits shaped like a language model's: a few strong candidates over
    // a long tail.
    let logits: Vec<Vec<f32>> = (0..args.draws.max(1))
        .map(|_| {
            let mut row: Vec<f32> = (0..args.vocab.max(8))
                .map(|_| rng.random_range(-12.0..4.0))
                .collect();
            for _ in 0..5 {
                let token = rng.random_range(0..row.len());
                row[token] = rng.random_range(6.0..14.0);
            }
            row
        })
        .collect();
    let recent: Vec<u32> = (0..params.repeat_last_n as u32).collect();
    let tensors = logits
        .iter()
        .map(|row| Tensor::new(row.as_slice(), &Device::Cpu))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    println!(
        "{} draws per round from {} logits, temperature {}, top-p {}, repeat penalty {}",
        tensors.len(),
        args.vocab,
        params.temperature,
        params.top_p,
        params.repeat_penalty
    );
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for round in 1..=args.rounds.max(1) {
        let mut sampler = Sampler::new(&params);
        let started = Instant::now();
        for row in &tensors {
            sampler.next(row, &recent).map_err(|e| e.to_string())?;
        }
        let candor = started.elapsed() / tensors.len() as u32;
        let mut processor = LogitsProcessor::from_sampling(
            params.seed,
            Sampling::TopP {
                p: params.top_p,
                temperature: params.temperature,
            },
        );
        let started = Instant::now();
        for row in &tensors {
            let penalised = candle_transformers::utils::apply_repeat_penalty(
                row,
                params.repeat_penalty,
                &recent,
            )
            .map_err(|e| e.to_string())?;
            processor.sample(&penalised).map_err(|e| e.to_string())?;
        }
        let candle = started.elapsed() / tensors.len() as u32;
        println!("round {round}: Candor {candor:?} per token, candle's LogitsProcessor {candle:?}");
        ours.push(candor);
        theirs.push(candle);
    }
    println!(
        "median: Candor {:?} per token, candle's LogitsProcessor {:?} ({} rounds)",
        median(&mut ours),
        median(&mut theirs),
        ours.len()
    );
    Ok(())
}

fn median(values: &mut [Duration]) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}
