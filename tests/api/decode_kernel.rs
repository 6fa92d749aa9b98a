//! Candor's own decode kernels (`src/engine/kernels/`) on the real default
//! model: the logits of a decode step agree with the f32 reference weights,
//! and greedy replies to bench prompts are the ones the previous path
//! (candle's kernel on Q8_0 weights) gives.

use candle_core::quantized::gguf_file::Content;
use candor::bench::CUSTOMER_SCRIPTS;
use candor::engine::local_bench::LoadedModelHandle;
use candor::engine::tokenizer::ModelTokenizer;
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
        let ids = reference
            .prompt_ids(&messages(script.turns[0]))
            .expect("ids");
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

/// The first token where `reply` leaves `reference` (both decoded from
/// greedy runs), as the reference's ids before it: `None` when `reply`
/// equals `reference`.
fn divergence(tokenizer: &ModelTokenizer, reference: &str, reply: &str) -> Option<Vec<u32>> {
    if reply == reference {
        return None;
    }
    let ids = tokenizer.encode_plain(reference).expect("encode");
    let agreeing = (0..=ids.len())
        .take_while(|&k| reply.starts_with(&tokenizer.decode(&ids[..k]).expect("decode")))
        .last()
        .unwrap_or(0);
    Some(ids[..agreeing].to_vec())
}

/// The top two logits' ids and the gap between them.
fn top_two(logits: &[f32]) -> (usize, usize, f32) {
    let first = argmax(logits);
    let second = (0..logits.len())
        .filter(|&i| i != first)
        .max_by(|&a, &b| logits[a].total_cmp(&logits[b]))
        .expect("two logits");
    (first, second, logits[first] - logits[second])
}

/// Greedy replies (40 tokens, one-token decode steps) to the first turns of
/// four bench scripts. With the same Q8_0 weights the own kernel must reply
/// exactly as candle's did. With the Q4_1 weights kept as stored (the new
/// default) a reply may leave the f32 reference's (the same weights without
/// any quantization) only where the reference itself nearly ties: at the
/// first differing token the reference's top two logits must lie within
/// 0.5 (the kernels' measured error, see the test above) and the Q4_1 path
/// must pick the reference's runner-up. Measured 2026-12-01: XXX-MEASURE
#[test]
fn greedy_replies_to_bench_prompts_match_the_previous_path() {
    let path = model_path();
    let mut file = std::fs::File::open(&path).expect("open");
    let content = Content::read(&mut file).expect("gguf");
    let tokenizer = ModelTokenizer::from_gguf(&content).expect("tokenizer");
    let mut old = load(WeightFormat::Q8_0, DecodeKernel::Candle);
    let mut own_q8 = load(WeightFormat::Q8_0, DecodeKernel::Own);
    let mut own_q4 = load(WeightFormat::AsStored, DecodeKernel::Own);
    let mut reference = load(WeightFormat::F32, DecodeKernel::Own);
    let mut kernel_mismatches = Vec::new();
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
        if q8 != before {
            kernel_mismatches.push(script.topic);
        }
        if let Some(agreed) = divergence(&tokenizer, &exact, &q4) {
            let mut context = reference.prompt_ids(&request.messages).expect("prompt");
            context.extend(&agreed);
            let piece = context.len() - 1;
            let exact_logits = reference.logits_after(&context, piece).expect("f32");
            let q4_logits = own_q4.logits_after(&context, piece).expect("q4_1");
            let (first, second, gap) = top_two(&exact_logits);
            let word = |id: usize| tokenizer.decode(&[id as u32]).expect("decode");
            eprintln!(
                "  Q4_1 leaves f32 after {} reply tokens: f32 top two {:?} {:?} {gap:.3} apart, Q4_1 picks {:?}",
                agreed.len(),
                word(first),
                word(second),
                word(argmax(&q4_logits))
            );
            assert!(gap < 0.5, "{}: not a near tie ({gap})", script.topic);
            assert_eq!(argmax(&q4_logits), second, "{}", script.topic);
        }
    }
    assert!(
        kernel_mismatches.is_empty(),
        "own vs candle kernel on Q8_0 weights differ for {kernel_mismatches:?}"
    );
}
