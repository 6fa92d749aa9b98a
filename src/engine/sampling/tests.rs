use candle_core::{Device, Tensor};
use candle_transformers::generation::{LogitsProcessor, Sampling};
use rand::{Rng, SeedableRng};

use super::*;

fn params(temperature: f64, top_p: f64, repeat_penalty: f32, seed: u64) -> SamplingParams {
    SamplingParams {
        max_new_tokens: 64,
        temperature,
        top_p,
        repeat_penalty,
        repeat_last_n: 64,
        seed,
        max_generation_secs: 60,
    }
}

/// Logits shaped like a language model's: a few strong candidates over a
/// long tail, spread set by `sharpness`.
fn model_like_logits(rng: &mut rand::rngs::StdRng, vocab: usize, sharpness: f32) -> Vec<f32> {
    let mut logits: Vec<f32> = (0..vocab).map(|_| rng.random_range(-8.0..2.0)).collect();
    for _ in 0..5 {
        let token = rng.random_range(0..vocab);
        logits[token] = rng.random_range(2.0..2.0 + sharpness);
    }
    logits
}

/// candle-transformers' choice, as the sampler made it before.
fn candle_pick(
    processor: &mut LogitsProcessor,
    logits: &[f32],
    penalty: f32,
    recent: &[u32],
) -> u32 {
    let tensor = Tensor::new(logits, &Device::Cpu).expect("tensor");
    let tensor = if (penalty - 1.0).abs() < f32::EPSILON || recent.is_empty() {
        tensor
    } else {
        candle_transformers::utils::apply_repeat_penalty(&tensor, penalty, recent).expect("penalty")
    };
    processor.sample(&tensor).expect("sample")
}

#[test]
fn draws_the_tokens_candles_logits_processor_draws_from_the_same_seed() {
    let vocab = 49_152;
    // (temperature, top_p, penalty, sharpness): a shop's settings, a flat
    // distribution whose nucleus exceeds the first candidates, no top-p,
    // greedy.
    let cases = [
        (0.3, 0.9, 1.1, 6.0),
        (1.5, 0.95, 1.0, 0.5),
        (0.7, 1.0, 1.1, 3.0),
        (0.0, 0.9, 1.1, 3.0),
    ];
    for (temperature, top_p, penalty, sharpness) in cases {
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut ours = Sampler::new(&params(temperature, top_p, penalty, 42));
        let sampling = if temperature <= 1e-7 {
            Sampling::ArgMax
        } else if top_p >= 1.0 {
            Sampling::All { temperature }
        } else {
            Sampling::TopP {
                p: top_p,
                temperature,
            }
        };
        let mut theirs = LogitsProcessor::from_sampling(42, sampling);
        let mut generated: Vec<u32> = Vec::new();
        let steps = 150;
        let mut same = 0;
        for _ in 0..steps {
            let logits = model_like_logits(&mut rng, vocab, sharpness);
            let recent = &generated[generated.len().saturating_sub(64)..];
            let expected = candle_pick(&mut theirs, &logits, penalty, recent);
            let got = ours.pick(&mut logits.clone(), &generated).expect("pick");
            same += usize::from(got == expected);
            generated.push(expected);
        }
        // The softmax is summed in another order than candle's, so a draw
        // that falls within a rounding error of a boundary may differ.
        assert!(
            same * 100 >= steps * 95,
            "temperature {temperature}, top_p {top_p}: {same} of {steps} draws agree"
        );
    }
}

/// Top-p by sorting everything, as the definition reads.
fn reference_nucleus(probs: &[f32], p: f32) -> Vec<usize> {
    let mut ids: Vec<usize> = (0..probs.len()).collect();
    ids.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let mut kept = Vec::new();
    let mut sum = 0f32;
    for id in ids {
        if sum >= p {
            break;
        }
        sum += probs[id];
        kept.push(id);
    }
    kept
}

#[test]
fn the_nucleus_is_the_one_a_full_sort_gives() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut fallbacks = 0;
    for round in 0..200 {
        let vocab = if round % 10 == 0 { 40 } else { 5_000 };
        let sharpness = [0.2, 1.0, 4.0, 12.0][round % 4];
        let mut probs = model_like_logits(&mut rng, vocab, sharpness);
        // Ties, which a stable sort keeps in id order.
        probs[1] = probs[0];
        let support = softmax(&mut probs, 0.3 + (round % 3) as f32 * 0.6);
        let p = [0.5, 0.9, 0.99][round % 3];
        let kept = nucleus(&probs, support, p);
        fallbacks += usize::from(kept.len() > FIRST_CANDIDATES);
        assert_eq!(kept, reference_nucleus(&probs, p), "round {round}");
    }
    assert!(
        fallbacks > 0,
        "no case needed more than the first candidates"
    );
}

#[test]
fn top_p_draws_only_from_the_nucleus_and_greedy_takes_the_first_best() {
    // Probabilities at temperature 1: 0.5, 0.3, 0.15 and a tail of 0.05
    // spread over 100 tokens; top-p 0.75 keeps exactly the first two.
    let mut logits = vec![(0.05f32 / 100.0).ln(); 103];
    logits[7] = 0.5f32.ln();
    logits[3] = 0.3f32.ln();
    logits[90] = 0.15f32.ln();
    let mut sampler = Sampler::new(&params(1.0, 0.75, 1.0, 3));
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..2_000 {
        let token = sampler.pick(&mut logits.clone(), &[]).expect("pick");
        *counts.entry(token).or_insert(0) += 1;
    }
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), vec![3, 7]);
    // 0.5 : 0.3 of 2000 draws is 1250 : 750.
    let sevens = counts[&7];
    assert!(
        (1150..=1350).contains(&sevens),
        "token 7 drawn {sevens} times"
    );

    let mut greedy = Sampler::new(&params(0.0, 0.9, 1.0, 3));
    let mut ties = vec![0.0f32; 10];
    ties[4] = 2.0;
    ties[6] = 2.0;
    assert_eq!(greedy.pick(&mut ties, &[]).expect("pick"), 4);
}

#[test]
fn the_repeat_penalty_counts_each_recent_token_once() {
    let mut logits = vec![2.0f32, -2.0, 1.0];
    penalise(&mut logits, 2.0, &[0, 0, 1]);
    assert_eq!(logits, vec![1.0, -4.0, 1.0]);
    // Greedy with the penalty: token 0 (2.0 -> 0.8) loses to token 2 (1.0).
    let mut sampler = Sampler::new(&params(0.0, 1.0, 2.5, 0));
    let mut logits = vec![2.0f32, -2.0, 1.0];
    assert_eq!(sampler.pick(&mut logits, &[0]).expect("pick"), 2);
    assert!(sampler.pick(&mut [], &[]).is_err());
}
