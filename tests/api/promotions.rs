//! Promotional content: only with marketing consent, labelled, and never
//! while a complaint is open.

use std::sync::Arc;

use candor::engine::ScriptedEngine;

use crate::helpers::*;

fn upselling_engine() -> ScriptedEngine {
    ScriptedEngine::new(|_| "We have several teas. You might also like our matcha set.".into())
}

#[tokio::test]
async fn promotions_need_marketing_consent_and_are_labelled() {
    let app = spawn_app_with(Some(Arc::new(upselling_engine())), |_| {}).await;
    // c_1 has not consented to marketing: the promotional sentence is removed.
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    let reply = exchange(
        &mut ws,
        "a",
        "Can you recommend a tea? Any discount offers?",
    )
    .await;
    assert_eq!(
        reply.last().expect("reply")["text"],
        "We have several teas. "
    );
    // c_2 consented to marketing: kept, and labelled as an offer.
    let (mut ws, _) = app.hello(app.customer_hello("c_2", "es")).await;
    let reply = exchange(
        &mut ws,
        "b",
        "¿Me recomiendas un té? ¿Tenéis algún descuento?",
    )
    .await;
    assert_eq!(
        reply.last().expect("reply")["text"],
        "We have several teas. Oferta: You might also like our matcha set."
    );
}

#[tokio::test]
async fn no_upselling_while_a_complaint_is_open() {
    let app = spawn_app_with(Some(Arc::new(upselling_engine())), |_| {}).await;
    let (mut ws, _) = app.hello(app.customer_hello("c_2", "es")).await;
    exchange(&mut ws, "c", "Esto no me ayuda nada").await;
    let reply = exchange(
        &mut ws,
        "d",
        "¿Me recomiendas un té? ¿Tenéis algún descuento?",
    )
    .await;
    assert_eq!(
        reply.last().expect("reply")["text"],
        "We have several teas. "
    );
}
