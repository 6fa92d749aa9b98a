//! The answer-quality harness (`src/eval/`, cases in `tests/data/eval/`)
//! against the real server: with the real model it must meet the targets of
//! issue 9; with scripted models it must catch invented values and
//! recognise honest refusals through the whole path (socket, conversation,
//! guard, store).

use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use candor::domain::Locale;
use candor::engine::{Generator, ScriptedEngine};
use candor::eval::{load_dir, run_cases, Judge, Report, Selection, ShopData, Target, Targets};
use candor::guard::Notices;
use serde_json::json;

use crate::helpers::*;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `selection` of the labelled set against a fresh server with
/// `engine` (`None`: the real model) and the demo shop.
async fn run(engine: Option<Arc<dyn Generator>>, selection: Selection) -> Report {
    let app = spawn_app_with(engine, |s| {
        // Every case comes from this one client.
        s.limits.messages_per_minute = 100_000;
        s.limits.ip_messages_per_minute = 100_000;
        s.limits.connections_per_ip = 10_000;
        s.limits.frames_per_minute = 100_000;
        s.limits.ip_frames_per_minute = 100_000;
        s.limits.ip_actions_per_minute = 100_000;
    })
    .await;
    let prompts = root().join("prompts");
    let shop = ShopData::load(&prompts, &app.store)
        .await
        .expect("shop data");
    let judge = Judge::new(&Notices::load(&prompts).expect("texts"), shop);
    let cases = selection.apply(load_dir(&root().join("tests/data/eval")).expect("cases"));
    let target = Target {
        url: app.ws_url(),
        signer: app.signer.clone(),
        reply_timeout: Duration::from_secs(300),
        concurrency: 2,
    };
    let started = std::time::Instant::now();
    let report = Report {
        results: run_cases(&target, &judge, &cases).await,
    };
    println!(
        "{} cases in {:.0?}\n\n{}\n{}",
        cases.len(),
        started.elapsed(),
        report.table(),
        report.failures()
    );
    app.stop().await;
    report
}

/// The regression subset: every 4th case of the whole set (63 of 251, all
/// seven languages and every category), for the scripted-model stories.
fn subset() -> Selection {
    Selection {
        every: NonZeroUsize::new(4),
        ..Selection::default()
    }
}

#[tokio::test]
async fn the_answer_quality_targets_are_met_with_the_real_model() {
    let model = root().join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(model.exists(), "run `python3 models/fetch_model.py` first");
    // The whole labelled set: with answers planned from the shop's data it
    // takes about half a minute.
    let report = run(None, Selection::default()).await;
    // Quality targets only: the latency target (account facts under 100 ms
    // p50) is measured by `candor eval answers` and reported in the README,
    // never asserted as a timing in a test (a busy machine would fail it).
    let targets = Targets {
        account_p50_ms: f64::INFINITY,
        ..Targets::default()
    };
    let missed = report.shortfalls(&targets);
    assert!(missed.is_empty(), "below target: {}", missed.join("; "));
}

const INVENTED: [&str; 3] = ["99.95", "+1 800 555 0199", "QX-4242"];

/// A model that states an amount, a phone number and a code that are
/// nowhere in the shop's data.
fn inventor() -> Arc<dyn Generator> {
    Arc::new(ScriptedEngine::new(|_| {
        "Thanks for asking. It costs 99.95 EUR, call +1 800 555 0199 and quote code QX-4242.".into()
    }))
}

/// Facts come from the shop's data by construction: with a model that
/// invents values, none reaches the visitor — not through the labelled
/// questions (answered from the store and the knowledge base), not where
/// the model does write (a greeting, a request for suggestions: the fact
/// check removes the sentence) — and the harness counts such a value as a
/// hallucination whenever a reply states one.
#[tokio::test]
async fn invented_values_never_reach_the_visitor_and_the_harness_would_count_them() {
    let report = run(Some(inventor()), subset()).await;
    for r in &report.results {
        let reply = r
            .reply
            .as_ref()
            .unwrap_or_else(|| panic!("{}: no reply", r.case.id));
        for value in INVENTED {
            assert!(!reply.text.contains(value), "{}: {}", r.case.id, reply.text);
        }
    }
    let all = report.overall();
    assert_eq!(all.hallucination.expect("replies").hits, 0);
    assert_eq!(all.no_reply, 0);

    // Where the model writes, its words arrive without the invented values.
    let app = spawn_app_with(Some(inventor()), |_| {}).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    for (i, text) in ["hello", "Can you recommend a tea for a gift?"]
        .into_iter()
        .enumerate()
    {
        let frames = exchange(&mut ws, &format!("q{i}"), text).await;
        let reply = frames.last().expect("reply");
        assert_eq!(reply["sender"], "ai", "{reply}");
        assert_eq!(reply["why"]["answer"], "model", "{reply}");
        let said = reply["text"].as_str().expect("text");
        assert!(said.contains("Thanks for asking."), "{said}");
        for value in INVENTED {
            assert!(!said.contains(value), "{said}");
        }
    }

    // The harness flags each value when a reply states it.
    let prompts = root().join("prompts");
    let shop = ShopData::load(&prompts, &app.store)
        .await
        .expect("shop data");
    let judge = Judge::new(&Notices::load(&prompts).expect("texts"), shop);
    let cases = subset().apply(load_dir(&root().join("tests/data/eval")).expect("cases"));
    let verdict = judge.judge(
        &cases[0],
        "Thanks for asking. It costs 99.95 EUR, call +1 800 555 0199 and quote code QX-4242.",
    );
    for value in INVENTED {
        assert!(
            verdict.hallucinated.iter().any(|h| h == value),
            "{value} not flagged in {verdict:?}"
        );
    }
    app.stop().await;
}

/// A model that always gives the honest "don't know" (in English): every
/// English should-not-answer case counts as a correct refusal, and no reply
/// states a value the shop's data does not hold.
#[tokio::test]
async fn a_model_that_always_says_it_does_not_know_refuses_every_unanswerable_case() {
    let texts = Notices::load(&root().join("prompts")).expect("texts");
    let dont_know = texts.get(Locale::En).answers.dont_know.clone();
    let honest = ScriptedEngine::new(move |_| dont_know.clone());
    let selection = Selection {
        locale: Some(Locale::En),
        ..Selection::default()
    };
    let report = run(Some(Arc::new(honest)), selection).await;
    let all = report.overall();
    let refused = all.dont_know.expect("should-not-answer cases");
    assert!(refused.of >= 20, "{refused:?}");
    assert_eq!(refused.hits, refused.of, "{}", report.failures());
    assert_eq!(
        all.hallucination.expect("replies").hits,
        0,
        "{}",
        report.failures()
    );
    assert_eq!(all.no_reply, 0);
}
