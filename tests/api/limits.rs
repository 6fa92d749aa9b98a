//! Bounded consumption: message rates per socket and connections per IP.

use std::sync::Arc;

use candor::engine::ScriptedEngine;
use serde_json::json;

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
