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

use crate::helpers::{argmax, max_abs_diff, model_path, SYSTEM};

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

/// The prompt goes through the dense prompt path, its last token through
/// one decode step (one row: the own kernel for every matrix and the
/// vocabulary projection). `F32` multiplies the same weights without any
/// quantization; Q4_1 as stored differs from it only by the 8-bit
/// quantization of the activations, Q8_0 by that and the weights'
/// re-quantization. Measured 2026-12-01 on three bench prompts, max |logit
/// difference| over the vocabulary: own kernel on Q4_1 0.41-0.48, own
/// kernel on Q8_0 0.57-0.66, candle's kernel on Q8_0 (the previous path)
/// 0.57-0.64. The bound of 1.0 sits above all of them; a broken kernel
/// moves logits by whole units or more.
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
        assert!(d_q4 < 1.0, "own Q4_1 kernel off by {d_q4}");
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

/// Where two greedy replies part: the reply tokens they share (by
/// re-encoding both texts) and the next token of each (`eos` where a reply
/// ends). `None` when the texts are equal.
fn parting(tokenizer: &ModelTokenizer, a: &str, b: &str) -> Option<(Vec<u32>, u32, u32)> {
    if a == b {
        return None;
    }
    let ids_a = tokenizer.encode_plain(a).expect("encode");
    let ids_b = tokenizer.encode_plain(b).expect("encode");
    let shared = ids_a.iter().zip(&ids_b).take_while(|(x, y)| x == y).count();
    let eos = tokenizer.eos_id();
    let next = |ids: &[u32]| ids.get(shared).copied().unwrap_or(eos);
    Some((ids_a[..shared].to_vec(), next(&ids_a), next(&ids_b)))
}

/// Greedy replies (40 tokens, one-token decode steps) to the first turns of
/// four bench scripts, through candle's kernel on Q8_0 weights (the previous
/// default), the own kernel on the same Q8_0 weights and the own kernel on
/// the Q4_1 weights as stored (the new default). Replies may part only where
/// the exact model (the same GGUF weights in f32, no quantization at all)
/// nearly ties between the two tokens chosen: their f32 logits must lie
/// within 0.5 of each other (the 8-bit activations move logits by up to
/// ~0.5, see the test above). Measured 2026-12-01 (where each parts from
/// candle's Q8_0 reply, and the f32 gap there): own Q8_0 gives the same
/// reply on "green tea" and "chocolate", parts on "coffee" after 4 tokens
/// (" the"/" any", 0.002) and "gift" after 30 (" needs"/" or", 0.121); own
/// Q4_1 parts on all four: after 33 (" healthy"/" hydrated", 0.073), 4
/// (0.002), 30 (0.121) and 34 (","/" or", 0.100) tokens. A likely cause for
/// Q8_0 (not isolated): the own kernel keeps f32 activation scales where
/// candle rounds them to f16, so a value near a rounding boundary lands on
/// the other 8-bit step; at a near tie that flips the token.
#[test]
fn greedy_replies_to_bench_prompts_part_from_the_previous_path_only_at_near_ties() {
    let path = model_path();
    let mut file = std::fs::File::open(&path).expect("open");
    let content = Content::read(&mut file).expect("gguf");
    let tokenizer = ModelTokenizer::from_gguf(&content).expect("tokenizer");
    let mut old = load(WeightFormat::Q8_0, DecodeKernel::Candle);
    let mut own_q8 = load(WeightFormat::Q8_0, DecodeKernel::Own);
    let mut own_q4 = load(WeightFormat::AsStored, DecodeKernel::Own);
    let mut reference = load(WeightFormat::F32, DecodeKernel::Own);
    let word = |id: u32| tokenizer.decode(&[id]).expect("decode");
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
        for (label, reply) in [("own Q8_0", &q8), ("own Q4_1", &q4)] {
            let Some((shared, was, now)) = parting(&tokenizer, &before, reply) else {
                eprintln!("  {label}: same reply as candle Q8_0");
                continue;
            };
            let mut context = reference.prompt_ids(&request.messages).expect("prompt");
            context.extend(&shared);
            let exact_logits = reference.logits_after(&context, 256).expect("f32");
            let gap = (exact_logits[was as usize] - exact_logits[now as usize]).abs();
            eprintln!(
                "  {label}: parts from candle Q8_0 after {} reply tokens: {:?} vs {:?}, f32 logits {gap:.3} apart",
                shared.len(),
                word(was),
                word(now)
            );
            assert!(
                gap < 0.5,
                "{} {label}: not a near tie ({gap})",
                script.topic
            );
        }
    }
}
