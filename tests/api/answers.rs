//! Answers from the shop's own data, through the real socket: account facts
//! from the store, the shop's own sentences from its knowledge base, an
//! honest "I don't know", and the model only where neither knows. The
//! engine records every request, so a test can tell whether it was asked.

use std::sync::{Arc, Mutex};

use candor::domain::Locale;
use candor::engine::{GenerationRequest, ScriptedEngine};
use candor::guard::Notices;
use serde_json::{json, Value};

use crate::helpers::*;

/// An engine that records each request and answers with `reply`.
fn recording(reply: &'static str) -> (ScriptedEngine, Arc<Mutex<Vec<GenerationRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let engine = ScriptedEngine::new(move |request| {
        log.lock().expect("lock").push(request.clone());
        reply.to_owned()
    });
    (engine, seen)
}

fn answers(locale: Locale) -> candor::guard::AnswerTexts {
    Notices::builtin()
        .expect("texts")
        .get(locale)
        .answers
        .clone()
}

async fn ask(ws: &mut Ws, id: &str, text: &str) -> Value {
    exchange(ws, id, text).await.pop().expect("a reply")
}

#[tokio::test]
async fn account_facts_are_stated_from_the_store_without_the_model() {
    let (engine, seen) = recording("The order is 2026-11-27.");
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    let cases = [
        (
            "How much did I pay for A1001?",
            "The total of your order A1001 was 64.50.",
        ),
        (
            "When did I place order A1002?",
            "You placed order A1002 on 2026-11-27.",
        ),
        (
            "what's in my teapot order",
            "Your order A1001 contains: Sencha green tea 100g x2, Cast iron teapot x1.",
        ),
        (
            "Which of my orders haven't shipped yet?",
            "These orders of yours have not shipped yet: A1002 (being processed).",
        ),
        (
            "tracking number for A1002?",
            "Your order A1002 has no tracking number yet: it is being processed.",
        ),
    ];
    for (i, (question, expected)) in cases.iter().enumerate() {
        let reply = ask(&mut ws, &format!("q{i}"), question).await;
        assert_eq!(reply["sender"], "ai", "{question}");
        assert_eq!(reply["text"], *expected, "{question}");
        assert_eq!(reply["why"]["answer"], "account", "{question}");
    }
    assert!(
        seen.lock().expect("lock").is_empty(),
        "the model was never asked"
    );
}

#[tokio::test]
async fn a_follow_up_keeps_the_order_of_the_previous_answer() {
    let (engine, _) = recording("unused");
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    ask(&mut ws, "f1", "Where is my order A1002?").await;
    let reply = ask(&mut ws, "f2", "and how much was it?").await;
    assert_eq!(reply["text"], "The total of your order A1002 was 12.90.");
    assert_eq!(reply["why"]["citations"], json!(["order:A1002"]));
}

#[tokio::test]
async fn orders_that_are_not_the_customers_are_never_described() {
    let (engine, seen) = recording("The order HX-7790 is located at the Candor Demo Shop.");
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let en = answers(Locale::En);
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    for (i, order) in ["HX-0000", "B2001", "C3001"].iter().enumerate() {
        let reply = ask(
            &mut ws,
            &format!("n{i}"),
            &format!("Where is my order {order}?"),
        )
        .await;
        assert_eq!(
            reply["text"],
            en.order_not_found.as_str(),
            "another customer's order looks exactly like one that does not exist"
        );
        assert!(!reply["text"].as_str().unwrap_or_default().contains(order));
        assert_eq!(reply["why"]["answer"], "not_found");
        assert_eq!(reply["why"]["purposes"], json!([]));
    }
    // Anonymous visitors are asked to sign in, in their language.
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"es"})).await;
    let reply = ask(&mut ws, "a1", "¿Dónde está mi pedido A1001?").await;
    assert_eq!(reply["text"], answers(Locale::Es).sign_in.as_str());
    // A customer without orders is told so.
    let (mut ws, _) = app.hello(app.customer_hello("c_4", "de")).await;
    let reply = ask(&mut ws, "d1", "Wo ist meine Bestellung?").await;
    assert_eq!(reply["text"], answers(Locale::De).no_orders.as_str());
    assert!(seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn shop_questions_are_answered_with_the_shops_own_sentences() {
    let (engine, seen) =
        recording("as a language model, I don't have the ability to provide return policies.");
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let reply = ask(&mut ws, "k1", "What is your return policy?").await;
    assert_eq!(reply["why"]["answer"], "knowledge", "{reply}");
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or("")
            .contains("within 30 days"),
        "{reply}"
    );
    assert!(reply["why"]["citations"]
        .as_array()
        .is_some_and(|c| c.contains(&json!("kb:returns"))));
    let reply = ask(&mut ws, "k2", "Which payment methods do you accept?").await;
    assert!(
        reply["text"].as_str().unwrap_or("").contains("Visa"),
        "the demo payment entry reaches the answer: {reply}"
    );
    // "Why did you say that?" names the entry.
    let reply = ask(&mut ws, "k3", "why did you say that?").await;
    assert!(
        reply["text"]
            .as_str()
            .unwrap_or("")
            .contains("Payment methods"),
        "{reply}"
    );
    assert!(seen.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn what_the_shop_does_not_know_gets_an_honest_dont_know() {
    let (engine, seen) = recording("Our teapots come with a 5-year warranty.");
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let en = answers(Locale::En);
    for (i, question) in [
        "What's the warranty on the cast iron teapot?",
        "What is the capital of France?",
    ]
    .iter()
    .enumerate()
    {
        let reply = ask(&mut ws, &format!("u{i}"), question).await;
        assert_eq!(reply["text"], en.dont_know.as_str(), "{question}");
        assert_eq!(reply["why"]["answer"], "dont_know");
    }
    assert!(
        seen.lock().expect("lock").is_empty(),
        "no guess was asked for"
    );
}
