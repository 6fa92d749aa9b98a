//! Bad input of every kind gets a stable error code, the connection survives
//! where that makes sense, and nothing stored is lost.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use crate::helpers::*;

async fn expect_error(ws: &mut Ws, code: &str) {
    let frame = recv(ws).await;
    assert_eq!(
        frame["type"], "error",
        "expected an error frame, got {frame}"
    );
    assert_eq!(frame["code"], code, "{frame}");
    assert!(frame["message"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn frames_before_hello_are_refused_and_the_socket_survives() {
    let app = spawn_app().await;
    let mut ws = app.connect().await;
    send(
        &mut ws,
        json!({"type":"message","client_id":"x","text":"hi"}),
    )
    .await;
    expect_error(&mut ws, "hello_required").await;
    send(&mut ws, json!({"type":"hello"})).await;
    assert_eq!(recv(&mut ws).await["type"], "welcome");
    send(&mut ws, json!({"type":"hello"})).await;
    expect_error(&mut ws, "already_started").await;
}

#[tokio::test]
async fn malformed_frames_get_stable_codes_and_nothing_stored_is_lost() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    exchange(&mut ws, "ok-1", "hello there").await;

    let cases: Vec<(Message, &str)> = vec![
        (Message::text("{not json"), "invalid_json"),
        (Message::text("[1,2,3]"), "invalid_frame"),
        (Message::text(r#"{"type":42}"#), "invalid_frame"),
        (Message::text(r#"{"type":"dance"}"#), "unknown_type"),
        (
            Message::text(r#"{"type":"message","text":"no id"}"#),
            "invalid_frame",
        ),
        (
            Message::text(r#"{"type":"message","client_id":"a"}"#),
            "invalid_frame",
        ),
        (
            Message::text(r#"{"type":"message","client_id":"a","text":5}"#),
            "invalid_frame",
        ),
        (
            Message::text(r#"{"type":"message","client_id":"e","text":""}"#),
            "empty_text",
        ),
        (
            Message::text(r#"{"type":"message","client_id":"e","text":" \n\t "}"#),
            "empty_text",
        ),
        (
            Message::text(
                json!({"type":"message","client_id":"long","text":"x".repeat(4001)}).to_string(),
            ),
            "text_too_long",
        ),
        (
            Message::text(r#"{"type":"message","client_id":"has space","text":"hi"}"#),
            "invalid_client_id",
        ),
        (Message::binary(vec![1u8, 2, 3]), "binary_not_supported"),
    ];
    for (frame, code) in cases {
        send_raw(&mut ws, frame).await;
        expect_error(&mut ws, code).await;
    }
    // The connection still works, and the earlier messages are intact.
    let frames = exchange(&mut ws, "ok-2", "hi again").await;
    assert_eq!(frames[0]["seq"], 3);
    let stored = stored_messages(&app, &conversation).await;
    let texts: Vec<_> = stored.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "hello there",
            "You said: hello there",
            "hi again",
            "You said: hi again"
        ]
    );
}

#[tokio::test]
async fn a_message_at_the_length_cap_is_accepted() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    let text = "é".repeat(4000);
    send(
        &mut ws,
        json!({"type":"message","client_id":"cap","text":text}),
    )
    .await;
    let ack = recv(&mut ws).await;
    assert_eq!(ack["type"], "message");
    assert_eq!(ack["text"].as_str().map(|t| t.chars().count()), Some(4000));
}

#[tokio::test]
async fn an_oversized_frame_closes_the_socket_with_1009_and_loses_nothing() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    exchange(&mut ws, "before", "kept").await;
    let huge =
        json!({"type":"message","client_id":"huge","text":"x".repeat(70 * 1024)}).to_string();
    send_raw(&mut ws, Message::text(huge)).await;
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    let close = loop {
        match tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("closes in time")
        {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(_)) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    };
    assert_eq!(close.map(|c| c.code), Some(CloseCode::Size));
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].text, "kept");
}

#[tokio::test]
async fn resuming_an_unknown_conversation_starts_a_new_one_and_says_so() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app
        .hello(json!({"type":"hello","conversation_id":"does-not-exist","last_seq":3}))
        .await;
    assert_ne!(welcome["conversation_id"], "does-not-exist");
    expect_error(&mut ws, "unknown_conversation").await;
}

#[tokio::test]
async fn a_foreign_origin_is_refused_before_the_upgrade() {
    let app = spawn_app().await;
    let mut request = app.ws_url().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {other:?}"),
    }
    let mut request = app.ws_url().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Origin", "https://shop.example".parse().expect("header"));
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("allowed origin connects");
    send(&mut ws, json!({"type":"hello"})).await;
    assert_eq!(recv(&mut ws).await["type"], "welcome");
    assert_silent(&mut ws, Duration::from_millis(100)).await;
}
