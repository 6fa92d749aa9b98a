//! Bounded consumption: connections per address, message rates per socket
//! and per address (surviving reconnects), and a budget for every frame type.

use std::sync::Arc;
use std::time::Duration;

use candor::engine::ScriptedEngine;
use serde_json::json;

use crate::agent_socket::{agent_post, agent_socket, queued_conversation};
use crate::helpers::*;

#[tokio::test]
async fn a_flood_of_messages_is_refused_politely_and_not_stored() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.messages_per_minute = 6
    })
    .await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    for i in 0..5 {
        send(
            &mut ws,
            json!({"type":"message","client_id":format!("f{i}"),"text":"spam"}),
        )
        .await;
    }
    let frames = recv_until(&mut ws, |f| f["code"] == "rate_limited").await;
    assert!(frames.iter().any(|f| f["code"] == "rate_limited"));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let stored = stored_messages(&app, &conversation).await;
    let customer = stored
        .iter()
        .filter(|m| m.sender == candor::store::Sender::Customer)
        .count();
    assert_eq!(
        customer, 3,
        "a burst of half the per-minute rate is stored, the rest refused"
    );
}

#[tokio::test]
async fn too_many_sockets_from_one_address_get_429() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.connections_per_ip = 2
    })
    .await;
    let _a = app.connect().await;
    let _b = app.connect().await;
    match tokio_tungstenite::connect_async(app.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("expected 429, got {other:?}"),
    }
    drop(_a);
    let mut opened = None;
    for _ in 0..50 {
        if let Ok((ws, _)) = tokio_tungstenite::connect_async(app.ws_url()).await {
            opened = Some(ws);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(opened.is_some(), "a closed socket frees its slot");
}

#[tokio::test]
async fn closing_and_reopening_a_socket_does_not_refill_the_address_budget() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.ip_messages_per_minute = 4; // a burst of 2 per address
        s.limits.messages_per_minute = 600;
    })
    .await;
    let (mut first, _) = app.hello(json!({"type":"hello"})).await;
    for i in 0..2 {
        let frames = exchange(&mut first, &format!("a{i}"), "hello").await;
        assert!(!frames.iter().any(|f| f["code"] == "rate_limited"));
    }
    first.close(None).await.expect("close");
    drop(first);
    // Let the server notice the close and free the slot.
    tokio::time::sleep(Duration::from_millis(300)).await;
    for round in 0..3 {
        let (mut again, welcome) = app.hello(json!({"type":"hello"})).await;
        let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
        send(
            &mut again,
            json!({"type":"message","client_id":"b","text":"hello again"}),
        )
        .await;
        let refused = recv(&mut again).await;
        assert_eq!(
            refused["code"], "rate_limited",
            "round {round}: a new socket from the same address: {refused}"
        );
        assert!(stored_messages(&app, &conversation).await.is_empty());
        again.close(None).await.expect("close");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn frames_of_every_type_have_a_budget() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.frames_per_minute = 20; // a burst of 10 per socket
    })
    .await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await; // frame 1
    for _ in 0..30 {
        send(&mut ws, json!({"type":"dance"})).await;
    }
    let mut codes = Vec::new();
    for _ in 0..30 {
        codes.push(
            recv(&mut ws).await["code"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        );
    }
    assert_eq!(
        codes.iter().filter(|c| *c == "unknown_type").count(),
        9,
        "{codes:?}"
    );
    assert!(codes[9..].iter().all(|c| c == "rate_limited"), "{codes:?}");
}

#[tokio::test]
async fn opening_conversations_over_and_over_runs_out_of_budget() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.ip_actions_per_minute = 6; // a burst of 3 per address
    })
    .await;
    let mut welcomed = 0;
    let mut refused = 0;
    for _ in 0..6 {
        let mut ws = app.connect().await;
        send(&mut ws, json!({"type":"hello"})).await;
        match recv(&mut ws).await {
            f if f["type"] == "welcome" => welcomed += 1,
            f if f["code"] == "rate_limited" => refused += 1,
            other => panic!("unexpected {other}"),
        }
        ws.close(None).await.expect("close");
    }
    assert_eq!((welcomed, refused), (3, 3));
}

#[tokio::test]
async fn a_typing_flood_reaches_the_agent_only_within_its_budget() {
    let app = spawn_app().await; // typing: 20 a minute per socket, bursts of 10
    let (_, token) = create_agent(&app, "Ana").await;
    let (mut customer, id) = queued_conversation(&app, "c_1").await;
    let mut agent = agent_socket(&app, &token).await;
    let (status, _) =
        agent_post(&app, &token, &format!("/v1/agent/conversations/{id}/claim")).await;
    assert_eq!(status, 200);
    assert_eq!(recv(&mut agent).await["type"], "claimed");
    // 40 typing frames: within the socket's frame budget, over the typing one.
    for _ in 0..40 {
        send(&mut customer, json!({"type":"typing"})).await;
    }
    // A marker after the flood: everything before it has been handled.
    send(
        &mut customer,
        json!({"type":"message","client_id":"m","text":"done typing"}),
    )
    .await;
    let events = recv_until(&mut agent, |e| e["type"] == "customer_message").await;
    let typing = events
        .iter()
        .filter(|e| e["type"] == "customer_typing")
        .count();
    assert_eq!(typing, 10, "a burst of 10 typing notices, the rest dropped");
}
