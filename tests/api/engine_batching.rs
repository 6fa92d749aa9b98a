//! The batched engine with the real default model: Candor's own forward
//! pass agrees with candle-transformers' reference model, conversations
//! generated together match the same conversations generated alone, a
//! follow-up turn reuses the conversation's cache, and an erasure leaves
//! nothing of the conversation in any cache, whatever its timing.

use candor::config::EngineSettings;
use candor::engine::local_bench::LoadedModelHandle;
use candor::engine::{
    ChatMessage, EngineEvent, GenerationRequest, GenerationStats, Generator, Implementation,
    LocalEngine, SamplingParams, WeightFormat,
};

use crate::helpers::{argmax, max_abs_diff, model_path, SYSTEM};

fn chat(system: &str, turns: &[&str]) -> Vec<ChatMessage> {
    let mut messages = vec![ChatMessage::new("system", system)];
    for (i, text) in turns.iter().enumerate() {
        let role = if i % 2 == 0 { "user" } else { "assistant" };
        messages.push(ChatMessage::new(role, *text));
    }
    messages
}

fn greedy(max_new_tokens: usize) -> SamplingParams {
    SamplingParams {
        max_new_tokens,
        temperature: 0.0,
        top_p: 1.0,
        repeat_penalty: 1.0,
        repeat_last_n: 0,
        seed: 0,
        max_generation_secs: 300,
    }
}

/// The default model loaded twice: Candor's forward pass and candle-transformers' llama.
fn own_and_reference(format: WeightFormat) -> (LoadedModelHandle, LoadedModelHandle) {
    let path = model_path();
    let own = LoadedModelHandle::load_with(&path, format, Implementation::Own).expect("own");
    let reference =
        LoadedModelHandle::load_with(&path, format, Implementation::Upstream).expect("reference");
    (own, reference)
}

/// With weights in f32 there is no quantization noise, so Candor's forward
/// pass (dense prompt path, cached one-token steps, shared-prefix attention
/// segments) must reproduce candle-transformers' llama to float precision.
#[test]
fn the_own_forward_pass_matches_the_reference_model() {
    let (mut own, mut reference) = own_and_reference(WeightFormat::F32);
    assert!(
        own.description().contains("batched"),
        "{}",
        own.description()
    );
    // Long enough for the dense prompt path and for several chunks.
    let long_question = "Can you tell me about shipping and returns? ".repeat(30);
    for messages in [
        vec![ChatMessage::new("user", "Where is my order?")],
        chat(SYSTEM, &["Where is my order?"]),
        chat(SYSTEM, &[long_question.as_str()]),
    ] {
        let ids = own.prompt_ids(&messages).expect("prompt");
        let expected = reference.logits_after(&ids, 256).expect("reference");
        for piece in [256, 7, 1] {
            let got = own.logits_after(&ids, piece).expect("own");
            let diff = max_abs_diff(&got, &expected);
            eprintln!("{} tokens, {piece} per pass: max |diff| {diff}", ids.len());
            assert!(diff < 1e-2, "logits differ by {diff}");
            assert_eq!(argmax(&got), argmax(&expected));
        }
    }
}

/// With Q8_0 weights the activations are quantized too, so results move
/// with the summation order (the reference against itself, one token per
/// pass or all at once, differs by about one logit); the next token still
/// agrees.
#[test]
fn with_quantized_weights_the_next_token_agrees_with_the_reference() {
    let (mut own, mut reference) = own_and_reference(WeightFormat::Q8_0);
    for question in ["Where is my order?", "Can I pay by bank transfer?"] {
        let ids = own.prompt_ids(&chat(SYSTEM, &[question])).expect("prompt");
        let got = own.logits_after(&ids, 256).expect("own");
        let expected = reference.logits_after(&ids, 256).expect("reference");
        eprintln!("{question}: max |diff| {}", max_abs_diff(&got, &expected));
        assert_eq!(argmax(&got), argmax(&expected), "{question}");
    }
}

fn engine(settings: impl FnOnce(&mut EngineSettings)) -> LocalEngine {
    let mut engine_settings = EngineSettings::default();
    settings(&mut engine_settings);
    LocalEngine::start(&model_path(), None, &engine_settings).expect("engine")
}

async fn collect(mut stream: candor::engine::EventStream) -> (String, GenerationStats) {
    let mut text = String::new();
    while let Some(event) = stream.recv().await {
        match event {
            EngineEvent::Delta(delta) => text.push_str(&delta),
            EngineEvent::Done(stats) => return (text, stats),
            EngineEvent::Failed(error) => panic!("generation failed: {error}"),
        }
    }
    panic!("the stream ended without Done");
}

fn request(messages: Vec<ChatMessage>, key: Option<&str>) -> GenerationRequest {
    GenerationRequest {
        messages,
        sampling: greedy(24),
        cache_key: key.map(str::to_owned),
    }
}

#[tokio::test]
async fn conversations_batched_together_reply_as_they_would_alone() {
    let questions = [
        "How long does shipping take?",
        "Can I return an unused teapot?",
        "When is support open?",
        "Do you ship on weekends?",
    ];
    let solo = engine(|_| {});
    let mut alone = Vec::new();
    for q in questions {
        let (text, _) = collect(
            solo.submit(request(chat(SYSTEM, &[q]), None))
                .expect("submit"),
        )
        .await;
        alone.push(text);
    }
    drop(solo);
    let batched = engine(|_| {});
    let streams: Vec<_> = questions
        .iter()
        .map(|q| {
            batched
                .submit(request(chat(SYSTEM, &[q]), None))
                .expect("submit")
        })
        .collect();
    let together = futures_util::future::join_all(streams.into_iter().map(collect)).await;
    for ((q, solo_text), (batched_text, stats)) in questions.iter().zip(&alone).zip(&together) {
        eprintln!(
            "{q} -> {batched_text:?} ({} tokens)",
            stats.generated_tokens
        );
        assert!(!batched_text.trim().is_empty());
        assert_eq!(solo_text, batched_text, "{q}");
    }
    // Every conversation but the first started from the shared system prompt.
    let shared = together
        .iter()
        .filter(|(_, stats)| stats.cached_prompt_tokens > 0)
        .count();
    assert!(shared >= 1, "the system prompt was shared");
}

#[tokio::test]
async fn a_follow_up_turn_reads_only_its_new_tokens() {
    // f32 weights: no quantization noise, so the cached and the cold
    // computation must pick the same tokens.
    let engine = engine(|s| s.weights = WeightFormat::F32);
    let first_turn = chat(SYSTEM, &["How long does shipping take?"]);
    let (reply, first) = collect(
        engine
            .submit(request(first_turn, Some("conversation-1")))
            .expect("submit"),
    )
    .await;
    let follow_up = chat(
        SYSTEM,
        &["How long does shipping take?", &reply, "And returns?"],
    );
    let (cached_text, cached) = collect(
        engine
            .submit(request(follow_up.clone(), Some("conversation-1")))
            .expect("submit"),
    )
    .await;
    eprintln!("first turn {first:?}\nfollow-up {cached:?}");
    assert!(
        cached.cached_prompt_tokens >= first.prompt_tokens,
        "the follow-up reused the first turn's prompt ({} of {} tokens cached)",
        cached.cached_prompt_tokens,
        cached.prompt_tokens
    );
    assert!(cached.prompt_tokens - cached.cached_prompt_tokens < 40);
    // The same turn computed without any cache gives the same reply.
    engine.forget("conversation-1");
    let cold = self::engine(|s| {
        s.weights = WeightFormat::F32;
        s.cache_budget_mib = 0;
    });
    let (cold_text, cold_stats) =
        collect(cold.submit(request(follow_up, None)).expect("submit")).await;
    assert_eq!(cold_stats.cached_prompt_tokens, 0);
    assert_eq!(cached_text, cold_text);
}

/// A system prompt holding one customer's details (as a personalized one
/// does), long enough to become a shared prefix.
fn personal_system() -> String {
    format!("{SYSTEM} The customer is Erin Example, order HX-4242, tea kettle, paid 54.00.")
}

/// Follows up on `key` after its erasure: nothing of the erased
/// conversation may be reused, neither its own cache nor a prefix computed
/// from its personal system prompt.
async fn assert_nothing_kept(engine: &LocalEngine, key: &str, first_turn: &str, reply: &str) {
    let follow_up = chat(&personal_system(), &[first_turn, reply, "And returns?"]);
    let (_, stats) = collect(
        engine
            .submit(request(follow_up, Some(key)))
            .expect("submit"),
    )
    .await;
    assert_eq!(
        stats.cached_prompt_tokens, 0,
        "the erased conversation's text came back from a cache"
    );
}

#[tokio::test]
async fn an_erasure_during_generation_leaves_nothing_in_the_caches() {
    let engine = engine(|_| {});
    let first_turn = "How long does shipping take?";
    let mut stream = engine
        .submit(request(
            chat(&personal_system(), &[first_turn]),
            Some("erased"),
        ))
        .expect("submit");
    // Erase once the reply is being generated.
    let mut reply = match stream.recv().await.expect("stream open") {
        EngineEvent::Delta(delta) => delta,
        EngineEvent::Done(_) => panic!("finished before the erasure"),
        EngineEvent::Failed(error) => panic!("generation failed: {error}"),
    };
    engine.forget("erased");
    let (rest, _) = collect(stream).await;
    reply.push_str(&rest);
    assert_nothing_kept(&engine, "erased", first_turn, &reply).await;
}

#[tokio::test]
async fn an_erasure_while_a_request_waits_in_the_queue_leaves_nothing_in_the_caches() {
    let engine = engine(|s| s.max_batch = std::num::NonZeroUsize::MIN);
    // One conversation occupies the only slot; the erased one waits behind it.
    let busy = engine
        .submit(request(chat(SYSTEM, &["Tell me about your shop."]), None))
        .expect("submit");
    let first_turn = "How long does shipping take?";
    let waiting = engine
        .submit(request(
            chat(&personal_system(), &[first_turn]),
            Some("queued"),
        ))
        .expect("submit");
    engine.forget("queued");
    collect(busy).await;
    let (reply, _) = collect(waiting).await;
    assert_nothing_kept(&engine, "queued", first_turn, &reply).await;
}

/// The benchmarks' same-length mode: with `ignore_end_of_turn` a reply runs
/// past the point where the model ends it, up to the cap; without it the
/// same request stops there (so the setting is what makes the difference).
#[tokio::test]
async fn ignoring_the_end_of_turn_generates_up_to_the_cap() {
    let question = chat(SYSTEM, &["How long does shipping take?"]);
    // A shop's sampling (seeded, so both runs draw the same tokens up to
    // the end of turn): greedy without a repeat penalty can loop forever.
    let capped = |messages, cap, seed| GenerationRequest {
        messages,
        sampling: SamplingParams {
            temperature: 0.3,
            top_p: 0.9,
            repeat_penalty: 1.1,
            repeat_last_n: 64,
            seed,
            ..greedy(cap)
        },
        cache_key: None,
    };
    // A seed whose reply the model ends by itself (a small model sometimes
    // rambles to the cap; which seeds do depends on the arithmetic's
    // rounding, so the test looks for one instead of naming it).
    let normal = engine(|_| {});
    let mut found = None;
    for seed in 7..15 {
        let (_, stats) = collect(
            normal
                .submit(capped(question.clone(), 256, seed))
                .expect("submit"),
        )
        .await;
        if stats.finish == candor::engine::FinishReason::Stop {
            found = Some((seed, stats));
            break;
        }
    }
    drop(normal);
    let (seed, stopped) = found.expect("the model ends a reply by itself for some seed in 7..15");
    let cap = stopped.generated_tokens + 8;
    let same_length = engine(|s| s.ignore_end_of_turn = true);
    let (_, forced) = collect(
        same_length
            .submit(capped(question, cap, seed))
            .expect("submit"),
    )
    .await;
    eprintln!("normal {stopped:?}\nignoring the end of turn {forced:?}");
    assert_eq!(forced.generated_tokens, cap);
    assert_eq!(forced.finish, candor::engine::FinishReason::Length);
}
