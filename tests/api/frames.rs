//! RFC 6455 work the gateway does itself (actix-ws leaves it to the
//! application): reassembling fragments, UTF-8 of text, close codes, the
//! size limit on whole messages. Frames are written raw, as a buggy or
//! hostile client would.

use std::sync::Arc;

use candor::engine::ScriptedEngine;
use futures_util::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

fn text_frame(payload: impl Into<Vec<u8>>, first: bool, last: bool) -> Message {
    let data = if first { Data::Text } else { Data::Continue };
    Message::Frame(Frame::message(payload.into(), OpCode::Data(data), last))
}

fn close_frame(code: u16) -> Message {
    Message::Frame(Frame::close(Some(CloseFrame {
        code: CloseCode::from(code),
        reason: "".into(),
    })))
}

/// Reads until the server's close frame (skipping any other) and returns its code.
async fn close_code(ws: &mut Ws) -> Option<u16> {
    // One deadline for the close, not per frame (the server pings).
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("a close frame within the timeout");
        match next {
            Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
            Some(Ok(Message::Text(_) | Message::Ping(_) | Message::Pong(_))) => continue,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_text_message_in_three_fragments_is_one_chat_message() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    let json = json!({"type":"message","client_id":"frag","text":"Dónde está mi pedido?"})
        .to_string()
        .into_bytes();
    // Split inside the two-byte 'ó', with a ping between the fragments.
    let cut = json.iter().position(|&b| b == 0xc3).expect("ó") + 1;
    send_raw(&mut ws, text_frame(&json[..10], true, false)).await;
    send_raw(&mut ws, Message::Ping("mid".into())).await;
    send_raw(&mut ws, text_frame(&json[10..cut], false, false)).await;
    send_raw(&mut ws, text_frame(&json[cut..], false, true)).await;
    let mut ponged = false;
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    let ack = loop {
        match tokio::time::timeout_at(deadline, ws.next()).await {
            Ok(Some(Ok(Message::Pong(payload)))) => ponged |= payload.as_ref() == b"mid",
            Ok(Some(Ok(Message::Ping(_)))) => {}
            Ok(Some(Ok(Message::Text(text)))) => {
                break serde_json::from_str::<serde_json::Value>(&text).expect("json")
            }
            other => panic!("expected the acknowledgement, got {other:?}"),
        }
    };
    assert!(ponged, "the ping between fragments is answered first");
    assert_eq!(ack["type"], "message", "{ack}");
    assert_eq!(ack["client_id"], "frag");
    assert_eq!(ack["text"], "Dónde está mi pedido?");
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored[0].text, "Dónde está mi pedido?");
}

#[tokio::test]
async fn invalid_utf8_in_a_text_frame_closes_with_1007() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    send_raw(
        &mut ws,
        text_frame(b"{\"type\":\"\xff\"}".to_vec(), true, true),
    )
    .await;
    assert_eq!(close_code(&mut ws).await, Some(1007));

    // Also when the bad byte arrives in a later fragment of a message.
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    send_raw(&mut ws, text_frame("{\"type\":\"", true, false)).await;
    send_raw(
        &mut ws,
        text_frame(b"\xf4\x90\x80\x80".to_vec(), false, false),
    )
    .await;
    assert_eq!(close_code(&mut ws).await, Some(1007));
}

#[tokio::test]
async fn a_message_just_ahead_of_a_bad_frame_header_is_still_handled() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    let message = json!({"type":"message","client_id":"before","text":"kept"}).to_string();
    let Message::Frame(mut reserved) = text_frame("{}", true, true) else {
        unreachable!()
    };
    reserved.header_mut().rsv2 = true;
    // Both frames in one write, so the server reads them together.
    ws.feed(Message::text(message)).await.expect("feed");
    ws.feed(Message::Frame(reserved)).await.expect("feed");
    ws.flush().await.expect("flush");
    assert_eq!(close_code(&mut ws).await, Some(1002));
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.first().map(|m| m.text.as_str()), Some("kept"));
}

#[tokio::test]
async fn a_continuation_without_a_start_closes_with_1002() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    send_raw(&mut ws, text_frame("{}", false, true)).await;
    assert_eq!(close_code(&mut ws).await, Some(1002));
}

#[tokio::test]
async fn an_invalid_close_code_closes_with_1002_and_a_valid_one_is_echoed() {
    let app = spawn_app().await;
    for invalid in [1004, 1005, 1012, 2999] {
        let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
        send_raw(&mut ws, close_frame(invalid)).await;
        assert_eq!(
            close_code(&mut ws).await,
            Some(1002),
            "close code {invalid}"
        );
    }
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    send_raw(&mut ws, close_frame(4000)).await;
    assert_eq!(close_code(&mut ws).await, Some(4000));
}

#[tokio::test]
async fn a_fragmented_message_over_64_kib_closes_with_1009() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello"})).await;
    let chunk = "x".repeat(40 * 1024);
    send_raw(&mut ws, text_frame(chunk.clone(), true, false)).await;
    send_raw(&mut ws, text_frame(chunk, false, true)).await;
    assert_eq!(close_code(&mut ws).await, Some(1009));
}

#[tokio::test]
async fn the_conformance_echo_is_served_only_when_enabled() {
    let app = spawn_app().await;
    let url = format!("ws://127.0.0.1:{}/v1/conformance/echo", app.port);
    match tokio_tungstenite::connect_async(&url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 404)
        }
        other => panic!("expected 404, got {other:?}"),
    }
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.conformance_echo = true
    })
    .await;
    let url = format!("ws://127.0.0.1:{}/v1/conformance/echo", app.port);
    let (mut ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .expect("echo opens");
    send_raw(&mut ws, text_frame("hel", true, false)).await;
    send_raw(&mut ws, text_frame("lo", false, true)).await;
    let echoed = tokio::time::timeout(FRAME_TIMEOUT, ws.next()).await;
    assert!(
        matches!(&echoed, Ok(Some(Ok(Message::Text(t)))) if t.as_str() == "hello"),
        "{echoed:?}"
    );
}
