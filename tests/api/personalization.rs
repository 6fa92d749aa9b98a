//! Consent-aware personalization: what reaches the prompt (asserted on the
//! prompt the engine receives, not on the model's reply), the `why` record
//! on every AI message, and the plain-language explanation.

use std::sync::{Arc, Mutex};

use candor::domain::{Locale, Purpose};
use candor::engine::{GenerationRequest, ScriptedEngine};
use candor::guard::Notices;
use candor::personalization::{
    explain, ConsentedContext, FieldPolicy, PersonalizationSettings, WhyRecord,
};
use candor::store::{CustomerRecord, OrderItem, OrderRecord};
use serde_json::json;

use crate::helpers::*;

/// A scripted engine that keeps every request it receives.
fn recording_engine() -> (ScriptedEngine, Arc<Mutex<Vec<GenerationRequest>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let engine = ScriptedEngine::new(move |req| {
        log.lock().expect("lock").push(req.clone());
        "Here is what I can tell you.".to_string()
    });
    (engine, seen)
}

fn last_system_prompt(seen: &Arc<Mutex<Vec<GenerationRequest>>>) -> String {
    let seen = seen.lock().expect("lock");
    seen.last().expect("a request reached the engine").messages[0]
        .content
        .clone()
}

#[tokio::test]
async fn a_verified_customer_asking_about_an_order_gets_only_that_order_and_a_why_record() {
    let (engine, seen) = recording_engine();
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    let frames = exchange(&mut ws, "o1", "Where is my order A1001?").await;
    let reply = frames.last().expect("reply");
    assert_eq!(reply["sender"], "ai");
    // Stated from the store, by the answer plan: the model is not asked.
    assert_eq!(
        reply["text"],
        "Your order A1001 is shipped. The tracking number of your order A1001 is 1Z999AA10123456784."
    );
    assert!(seen.lock().expect("lock").is_empty(), "no prompt was built");
    assert_eq!(reply["why"]["purposes"], json!(["support"]));
    assert_eq!(reply["why"]["records"], json!(["order:A1001"]));
    assert_eq!(reply["why"]["answer"], "account");
    assert_eq!(reply["why"]["citations"], json!(["order:A1001"]));
    assert!(
        !reply["text"].as_str().unwrap_or("").contains("A1002"),
        "minimization: only the order asked about"
    );

    // The same record is stored with the message, and the read is audited.
    let conversation = welcome["conversation_id"].as_str().expect("id");
    let stored = stored_messages(&app, conversation).await;
    let stored_reply = stored
        .iter()
        .find(|m| m.id == reply["id"].as_str().unwrap_or_default())
        .expect("stored reply");
    assert_eq!(stored_reply.why.as_ref(), Some(&reply["why"]));

    // "Why did you say that?" is answered deterministically from the record.
    let frames = exchange(&mut ws, "w1", "Why did you say that?").await;
    let explanation = frames.last().expect("explanation");
    assert_eq!(explanation["sender"], "system");
    let texts = Notices::builtin().expect("texts");
    let record: WhyRecord = serde_json::from_value(reply["why"].clone()).expect("why");
    assert_eq!(
        explanation["text"],
        explain(texts.get(Locale::En), Some(&record), &[]).as_str()
    );
    assert!(explanation["text"].as_str().unwrap_or("").contains("A1001"));
}

#[tokio::test]
async fn an_opted_out_customer_gets_no_personalization_in_the_prompt_or_the_why() {
    let (engine, seen) = recording_engine();
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    // c_3 (Jean) has not consented to personalization.
    let (mut ws, _) = app.hello(app.customer_hello("c_3", "fr")).await;
    let frames = exchange(&mut ws, "r1", "Pouvez-vous me recommander un cadeau ?").await;
    let reply = frames.last().expect("reply");
    assert_eq!(reply["why"]["purposes"], json!([]));
    assert_eq!(reply["why"]["fields"], json!([]));
    let prompt = last_system_prompt(&seen);
    assert!(!prompt.contains("Verified customer context"), "{prompt}");
    assert!(
        !prompt.contains("chocolate") && !prompt.contains("Chocolat") && !prompt.contains("Jean"),
        "{prompt}"
    );
    assert!(!prompt.contains("lactose"), "health data is protected");

    // Support needs no consent: the customer's own order is still answered,
    // from the store, with nothing but the order.
    let frames = exchange(&mut ws, "r2", "Où est ma commande C3001 ?").await;
    let reply = frames.last().expect("reply");
    assert_eq!(
        reply["text"],
        "Votre commande C3001 est expédiée. Le numéro de suivi de votre commande C3001 est FR123456789."
    );
    assert_eq!(reply["why"]["purposes"], json!(["support"]));
    assert_eq!(reply["why"]["fields"], json!(["orders"]));
}

#[tokio::test]
async fn anonymous_and_unverified_visitors_get_no_personal_data() {
    let (engine, seen) = recording_engine();
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let forged = json!({"type":"hello","customer":{"id":"c_1","signature":"00"}});
    for hello in [json!({"type":"hello"}), forged] {
        let (mut ws, _) = app.hello(hello).await;
        let frames = exchange(&mut ws, "a1", "Where is my order A1001? Recommend me a tea").await;
        let reply = frames.last().expect("reply");
        assert_eq!(reply["why"]["purposes"], json!([]));
        assert_eq!(reply["why"]["answer"], "sign_in");
        let texts = Notices::builtin().expect("texts");
        assert_eq!(
            reply["text"],
            texts.get(Locale::En).answers.sign_in.as_str()
        );
        let frames = exchange(&mut ws, "a2", "Can you recommend me a tea?").await;
        assert_eq!(frames.last().expect("reply")["why"]["purposes"], json!([]));
        let prompt = last_system_prompt(&seen);
        assert!(
            !prompt.contains("A1001")
                && !prompt.contains("Emma")
                && !prompt.contains("Verified customer context"),
            "{prompt}"
        );
    }
}

#[tokio::test]
async fn reading_customer_data_for_a_prompt_is_audited_with_its_purpose() {
    let (engine, _) = recording_engine();
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    exchange(
        &mut ws,
        "p1",
        "Can you recommend something based on what I bought?",
    )
    .await;
    let mut conn = sqlx::AnyConnection::connect(&app.db_url)
        .await
        .expect("connect");
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT code, detail FROM audit_events WHERE customer_id = 'c_1' AND code = 'context_read'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("audit");
    assert_eq!(rows.len(), 1);
    let detail: serde_json::Value = serde_json::from_str(&rows[0].1).expect("json");
    assert_eq!(detail["purposes"], json!(["personalization"]));
    assert!(
        !rows[0].1.contains("Sencha"),
        "audit details hold ids and field names, not data"
    );
}

use sqlx::Connection;

fn customer_with_everything() -> (CustomerRecord, Vec<OrderRecord>) {
    let customer = CustomerRecord {
        id: "c_x".into(),
        name: "Canary Person".into(),
        email: Some("canary@example.com".into()),
        locale: "en".into(),
        attributes: json!({
            "preferred_categories": ["tea"], "loyalty_tier": "gold",
            "date_of_birth": "PROTECTED-DOB", "gender": "PROTECTED-GENDER", "ethnicity": "PROTECTED-ETHNICITY",
            "religion": "PROTECTED-RELIGION", "health": "PROTECTED-HEALTH", "political_view": "PROTECTED-EXTRA"
        }),
    };
    let orders = vec![OrderRecord {
        id: "X1".into(),
        status: "shipped".into(),
        tracking: None,
        items: vec![OrderItem {
            name: "Mug".into(),
            qty: 1,
        }],
        total: "5".into(),
        placed_at: "2026-11-01T00:00:00Z".into(),
    }];
    (customer, orders)
}

#[test]
fn protected_attributes_never_reach_the_prompt_under_any_purpose() {
    let (customer, orders) = customer_with_everything();
    let consents = [(Purpose::Personalization, true), (Purpose::Marketing, true)]
        .into_iter()
        .collect();
    let all = [
        Purpose::Support,
        Purpose::Personalization,
        Purpose::Marketing,
    ];
    let settings = PersonalizationSettings {
        extra_protected_fields: vec!["political_view".into()],
        ..Default::default()
    };
    let policy = FieldPolicy::new(&settings).expect("policy");
    let builder = candor::prompt::PromptBuilder::load(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/prompts")),
        "Shop",
    )
    .expect("prompts");
    for purposes in [&all[..], &all[..1], &all[1..2], &all[2..]] {
        let context =
            ConsentedContext::assemble(&customer, &orders, &consents, purposes, &[], &policy);
        let prompt = builder
            .build("English", &context, &[], &[])
            .expect("prompt")[0]
            .content
            .clone();
        assert!(!prompt.contains("PROTECTED"), "{purposes:?}: {prompt}");
        assert!(!context
            .why()
            .fields
            .iter()
            .any(|f| policy.protected().contains(f)));
    }
    // With every purpose consented, the allowed fields do arrive (the check above is not vacuous).
    let context = ConsentedContext::assemble(&customer, &orders, &consents, &all, &[], &policy);
    let prompt = builder
        .build("English", &context, &[], &[])
        .expect("prompt")[0]
        .content
        .clone();
    assert!(
        prompt.contains("tea") && prompt.contains("gold") && prompt.contains("Order X1"),
        "{prompt}"
    );
    assert_eq!(context.why().purposes, all);
    // A protected field configured into an allow-list is refused at start-up.
    let bad = PersonalizationSettings {
        marketing_fields: vec!["gender".into()],
        ..Default::default()
    };
    assert!(FieldPolicy::new(&bad).is_err());
}

#[test]
fn consent_gates_each_purpose_separately() {
    let (customer, orders) = customer_with_everything();
    let policy = FieldPolicy::default();
    let all = [
        Purpose::Support,
        Purpose::Personalization,
        Purpose::Marketing,
    ];
    let none = Default::default();
    let context = ConsentedContext::assemble(&customer, &orders, &none, &all, &[], &policy);
    assert_eq!(context.why().purposes, [Purpose::Support]);
    let only_marketing = [(Purpose::Marketing, true)].into_iter().collect();
    let context =
        ConsentedContext::assemble(&customer, &orders, &only_marketing, &all, &[], &policy);
    assert_eq!(
        context.why().purposes,
        [Purpose::Support, Purpose::Marketing]
    );
    assert!(!context.prompt_lines().iter().any(|l| l.contains("tea")));
}
