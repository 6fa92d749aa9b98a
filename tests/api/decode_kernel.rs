//! Candor's own decode kernels (`src/engine/kernels/`) on the real default
//! model: the logits of a decode step agree with the f32 reference weights,
//! and greedy replies to bench prompts are the ones the previous path
//! (candle's kernel on Q8_0 weights) gives.

use candor::bench::CUSTOMER_SCRIPTS;
use candor::engine::local_bench::LoadedModelHandle;
use candor::engine::{
    ChatMessage, DecodeKernel, GenerationRequest, Implementation, SamplingParams, WeightFormat,
};

use crate::helpers::model_path;

const SYSTEM: &str = "You are Candor, the customer-service assistant of Candor Demo Shop. \
You are an AI language model, not a human. Answer in English. Keep answers short, friendly \
and factual. Shop policies: orders ship within 2 business days; unused items can be \
returned within 30 days for a full refund; support hours are Monday to Friday, 9:00-17:00.";

fn load(format: WeightFormat, kernel: DecodeKernel) -> LoadedModelHandle {
    LoadedModelHandle::load_with_kernel(&model_path(), format, Implementation::Own, kernel)
        .expect("model")
}

fn messages(question: &str) -> Vec<ChatMessage> {
    vec![
        ChatMessage::new("system", SYSTEM),
        ChatMessage::new("user", question),
    ]
}

fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .expect("non-empty")
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max)
}

/// The prompt goes through the dense prompt path, its last token through
/// one decode step (one row: the own kernel for every matrix and the
/// vocabulary projection). `F32` multiplies the same weights without any
/// quantization; Q4_1 as stored differs from it only by the 8-bit
/// quantization of the activations, Q8_0 by that and the weights'
/// re-quantization. XXX-MEASURE
#[test]
fn a_decode_step_through_the_own_kernel_agrees_with_the_f32_reference() {
    let mut reference = load(WeightFormat::F32, DecodeKernel::Own);
    let mut own_q4 = load(WeightFormat::AsStored, DecodeKernel::Own);
    let mut own_q8 = load(WeightFormat::Q8_0, DecodeKernel::Own);
    let mut old = load(WeightFormat::Q8_0, DecodeKernel::Candle);
    assert!(own_q4.description().contains("own decode kernel"));
    assert!(old.description().contains("candle decode kernel"));
    for script in CUSTOMER_SCRIPTS.iter().take(3) {
        let ids = reference.prompt_ids(&messages(script.turns[0])).expect("ids");
        let piece = ids.len() - 1;
        let expected = reference.logits_after(&ids, piece).expect("reference");
        let q4 = own_q4.logits_after(&ids, piece).expect("own q4_1");
        let q8 = own_q8.logits_after(&ids, piece).expect("own q8_0");
        let before = old.logits_after(&ids, piece).expect("candle q8_0");
        let (d_q4, d_q8, d_old) = (
            max_abs_diff(&q4, &expected),
            max_abs_diff(&q8, &expected),
            max_abs_diff(&before, &expected),
        );
        eprintln!(
            "{}: max |logit - f32| own Q4_1 {d_q4}, own Q8_0 {d_q8}, candle Q8_0 {d_old}",
            script.topic
        );
        assert!(d_q4 < 0.5, "own Q4_1 kernel off by {d_q4}");
        assert!(d_q8 < 1.0, "own Q8_0 kernel off by {d_q8}");
        assert_eq!(argmax(&q4), argmax(&expected), "{}", script.topic);
        assert_eq!(argmax(&q8), argmax(&expected), "{}", script.topic);
    }
}

fn greedy(question: &str) -> GenerationRequest {
    GenerationRequest {
        messages: messages(question),
        sampling: SamplingParams {
            max_new_tokens: 40,
            temperature: 0.0,
            top_p: 1.0,
            repeat_penalty: 1.0,
            repeat_last_n: 0,
            seed: 0,
            max_generation_secs: 300,
        },
        cache_key: None,
    }
}

/// Greedy replies (40 tokens, one-token decode steps) to the first turns of
/// four bench scripts: with the same Q8_0 weights the own kernel replies
/// exactly as candle's did; with the Q4_1 weights kept as stored (the new
/// default) the replies are those of the f32 reference weights.
#[test]
fn greedy_replies_to_bench_prompts_match_the_previous_path() {
    let mut old = load(WeightFormat::Q8_0, DecodeKernel::Candle);
    let mut own_q8 = load(WeightFormat::Q8_0, DecodeKernel::Own);
    let mut own_q4 = load(WeightFormat::AsStored, DecodeKernel::Own);
    let mut reference = load(WeightFormat::F32, DecodeKernel::Own);
    for script in CUSTOMER_SCRIPTS.iter().take(4) {
        let request = greedy(script.turns[0]);
        let before = old.reply(&request).expect("candle q8_0");
        let q8 = own_q8.reply(&request).expect("own q8_0");
        let q4 = own_q4.reply(&request).expect("own q4_1");
        let exact = reference.reply(&request).expect("f32");
        eprintln!(
            "{}:\n  candle Q8_0: {before:?}\n  own Q8_0:    {q8:?}\n  own Q4_1:    {q4:?}\n  f32:         {exact:?}",
            script.topic
        );
        assert!(!before.is_empty());
        assert_eq!(q8, before, "{}: own vs candle kernel on Q8_0", script.topic);
        assert_eq!(q4, exact, "{}: own Q4_1 vs f32 weights", script.topic);
    }
}
