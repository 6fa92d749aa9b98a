//! Consent and data rights from the chat widget itself.

use std::sync::{Arc, Mutex};

use candor::domain::{CustomerId, Purpose};
use candor::engine::{GenerationRequest, ScriptedEngine};
use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

#[tokio::test]
async fn withdrawing_consent_in_the_chat_takes_effect_on_the_next_reply() {
    let seen: Arc<Mutex<Vec<GenerationRequest>>> = Arc::default();
    let log = Arc::clone(&seen);
    let engine = ScriptedEngine::new(move |req| {
        log.lock().expect("lock").push(req.clone());
        "Noted.".into()
    });
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    let before = exchange(&mut ws, "r1", "Can you recommend a tea for me?").await;
    assert_eq!(
        before.last().expect("reply")["why"]["purposes"],
        json!(["personalization"])
    );

    send(&mut ws, json!({"type":"consent","personalization":false})).await;
    let mut frames = recv_until(&mut ws, |f| f["type"] == "consent").await;
    let consent = frames.last().expect("consent frame").clone();
    if !frames.iter().any(|f| is_message_from(f, "system")) {
        frames.extend(recv_until(&mut ws, |f| is_message_from(f, "system")).await);
    }
    assert_eq!(
        (
            consent["personalization"].as_bool(),
            consent["marketing"].as_bool()
        ),
        (Some(false), Some(false))
    );
    assert!(frames.iter().any(|f| is_message_from(f, "system")
        && f["text"]
            .as_str()
            .unwrap_or("")
            .contains("personalized answers off")));
    let stored = app
        .store
        .consents(&CustomerId::parse("c_1").expect("id"))
        .await
        .expect("consents");
    assert_eq!(stored.get(&Purpose::Personalization), Some(&false));

    let after = exchange(&mut ws, "r2", "Can you recommend a tea for me?").await;
    assert_eq!(after.last().expect("reply")["why"]["purposes"], json!([]));
    let prompt = seen.lock().expect("lock").last().expect("request").messages[0]
        .content
        .clone();
    assert!(
        !prompt.contains("teaware") && !prompt.contains("Previously bought"),
        "{prompt}"
    );
}

#[tokio::test]
async fn anonymous_visitors_cannot_change_consent_or_ask_for_data() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    for frame in [
        json!({"type":"consent","marketing":true}),
        json!({"type":"privacy_export"}),
        json!({"type":"privacy_erase"}),
    ] {
        send(&mut ws, frame).await;
        let error = recv(&mut ws).await;
        assert_eq!(error["code"], "not_verified");
    }
}

#[tokio::test]
async fn a_verified_customer_can_export_and_erase_from_the_chat() {
    let engine = ScriptedEngine::echo();
    let app = spawn_app_with(Some(Arc::new(engine.clone())), |_| {}).await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_2", "es")).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    exchange(&mut ws, "m", "Hola").await;
    send(&mut ws, json!({"type":"privacy_export"})).await;
    let export = recv_until(&mut ws, |f| f["type"] == "privacy_export").await;
    let data = &export.last().expect("export")["data"];
    let text = data.to_string();
    assert!(
        text.contains("lucia.garcia@example.com")
            && text.contains("B2001")
            && text.contains("Hola"),
        "{text}"
    );
    assert!(
        !text.contains("emma.johnson"),
        "only the customer's own data"
    );

    send(&mut ws, json!({"type":"privacy_erase"})).await;
    let erased = recv_until(&mut ws, |f| {
        f["type"] == "privacy_erased" || f["type"] == "error"
    })
    .await;
    assert_eq!(
        erased.last(),
        Some(&json!({"type":"privacy_erased"})),
        "the erasure is confirmed: {erased:?}"
    );
    // The conversation went with the data, so the server closes the socket
    // next: a close frame, and no text after the confirmation.
    let after = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("the server closes the socket right after confirming");
    assert!(
        matches!(after, Some(Ok(Message::Close(_)))),
        "expected a close frame, got {after:?}"
    );
    // Coming back with the old conversation id finds nothing of it.
    let mut resume = app.customer_hello("c_2", "es");
    resume["conversation_id"] = json!(conversation);
    resume["last_seq"] = json!(0);
    let (mut again, welcome) = app.hello(resume).await;
    assert_ne!(welcome["conversation_id"], json!(conversation));
    assert_eq!(welcome["verified"], true);
    let backlog =
        tokio::time::timeout(std::time::Duration::from_millis(500), recv(&mut again)).await;
    assert!(
        backlog.map_or(true, |f| f["type"] != "message"),
        "no erased message is replayed"
    );
    let id = CustomerId::parse("c_2").expect("id");
    assert!(app.store.customer(&id).await.expect("query").is_none());
    assert!(app.store.orders(&id).await.expect("query").is_empty());
    assert!(
        engine.forgotten().contains(&conversation),
        "the engine was told to drop the conversation's cache: {:?}",
        engine.forgotten()
    );
}

fn unix_now() -> i64 {
    candor::gateway::unix_now()
}

fn expiring_hello(app: &TestApp, id: &str, expires: i64, signed_expires: i64) -> serde_json::Value {
    json!({"type":"hello","locale":"en","customer":{
        "id":id,"signature":app.signer.sign_expiring(id, signed_expires),"expires":expires}})
}

#[tokio::test]
async fn the_hello_accepts_expiring_signatures_and_refuses_expired_ones() {
    let app = spawn_app().await;
    let later = unix_now() + 300;
    let (_, welcome) = app.hello(expiring_hello(&app, "c_1", later, later)).await;
    assert_eq!(welcome["verified"], true, "{welcome}");

    let earlier = unix_now() - 1;
    let (mut ws, welcome) = app
        .hello(expiring_hello(&app, "c_1", earlier, earlier))
        .await;
    assert_eq!(welcome["verified"], false);
    assert_eq!(recv(&mut ws).await["code"], "signature_expired");
    send(&mut ws, json!({"type":"privacy_export"})).await;
    assert_eq!(recv(&mut ws).await["code"], "not_verified");

    let (mut ws, welcome) = app
        .hello(expiring_hello(&app, "c_1", later + 3600, later))
        .await;
    assert_eq!(
        welcome["verified"], false,
        "the expiry is part of what is signed"
    );
    assert_eq!(recv(&mut ws).await["code"], "invalid_signature");
}

#[tokio::test]
async fn a_signature_that_expires_during_the_chat_stops_opening_privacy_frames() {
    let app = spawn_app().await;
    let soon = unix_now() + 1;
    let (mut ws, welcome) = app.hello(expiring_hello(&app, "c_1", soon, soon)).await;
    assert_eq!(welcome["verified"], true);
    while unix_now() <= soon {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for frame in [
        json!({"type":"privacy_export"}),
        json!({"type":"privacy_erase"}),
        json!({"type":"consent","marketing":true}),
    ] {
        send(&mut ws, frame.clone()).await;
        assert_eq!(recv(&mut ws).await["code"], "signature_expired", "{frame}");
    }
    let c_1 = CustomerId::parse("c_1").expect("id");
    assert!(app.store.customer(&c_1).await.expect("query").is_some());
    // The chat itself goes on.
    let reply = exchange(&mut ws, "m", "still there?").await;
    assert_eq!(reply.last().expect("reply")["sender"], "ai");
}

#[tokio::test]
async fn data_rights_frames_for_a_customer_no_longer_stored_say_not_found_as_http_does() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    let customer = CustomerId::parse("c_1").expect("id");
    candor::privacy::erase_customer(&app.store, &customer, candor::privacy::Requester::Admin)
        .await
        .expect("erase behind the socket's back");
    for frame in [
        json!({"type":"privacy_export"}),
        json!({"type":"privacy_erase"}),
    ] {
        send(&mut ws, frame).await;
        let frames = recv_until(&mut ws, |f| f["type"] == "error").await;
        assert_eq!(frames.last().expect("error frame")["code"], "not_found");
    }
}
