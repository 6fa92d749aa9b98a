//! Graceful shutdown: replies being written finish within `drain_secs`, the
//! rest are cut short (what was sent is stored, marked, and the customer
//! told), new messages and sockets are refused meanwhile, every socket
//! closes with 1001, and `candor serve` exits 0 on SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use candor::engine::{
    EngineError, EngineEvent, EventStream, GenerationRequest, GenerationStats, Generator,
};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message;

use super::helpers::{recv, recv_until, send, spawn_app_with, stored_messages, Ws, FRAME_TIMEOUT};
use super::server_process::ServerProcess;

const FIRST: &str = "Happy to help with that. ";
const REST: &str = "A warm scarf is a lovely gift.";

/// Writes its first sentence at once and the rest only when released.
struct StallingEngine {
    release: Arc<Notify>,
}

impl Generator for StallingEngine {
    fn submit(&self, _request: GenerationRequest) -> Result<EventStream, EngineError> {
        let (events, stream) = mpsc::unbounded_channel();
        let _ = events.send(EngineEvent::Delta(FIRST.into()));
        let release = Arc::clone(&self.release);
        tokio::spawn(async move {
            release.notified().await;
            let _ = events.send(EngineEvent::Delta(REST.into()));
            let _ = events.send(EngineEvent::Done(GenerationStats::default()));
        });
        Ok(stream)
    }

    fn describe(&self) -> String {
        "stalling test engine".into()
    }
}

/// Frames until the server closes the socket; returns them and the close code.
async fn until_closed(ws: &mut Ws) -> (Vec<Value>, Option<CloseCode>) {
    let mut frames = Vec::new();
    // One deadline for the close, not per frame (the server pings).
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the server closes the socket in time");
        match next {
            Some(Ok(Message::Text(text))) => {
                frames.push(serde_json::from_str(&text).expect("JSON"))
            }
            Some(Ok(Message::Close(close))) => return (frames, close.map(|c| c.code)),
            Some(Ok(_)) => {}
            None | Some(Err(_)) => return (frames, None),
        }
    }
}

async fn ask_for_a_gift(ws: &mut Ws) {
    send(
        ws,
        json!({"type":"message","client_id":"gift","text":"Can you recommend a gift for my sister?"}),
    )
    .await;
    let frames = recv_until(ws, |f| f["type"] == "delta").await;
    let delta = frames.last().expect("delta")["text"]
        .as_str()
        .map(str::trim_end);
    assert_eq!(delta, Some(FIRST.trim_end()));
}

#[tokio::test]
async fn a_reply_outliving_the_drain_is_cut_stored_as_sent_and_the_socket_closes_with_1001() {
    let release = Arc::new(Notify::new());
    let engine = Arc::new(StallingEngine {
        release: Arc::clone(&release),
    });
    let app = spawn_app_with(Some(engine), |s| s.drain_secs = 1).await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    ask_for_a_gift(&mut ws).await;

    let shutdown = tokio::spawn({
        let shutdown = app.shutdown.clone();
        async move { shutdown.run().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Draining: a new message is refused (not stored), a new socket too.
    send(
        &mut ws,
        json!({"type":"message","client_id":"late","text":"Are you still there?"}),
    )
    .await;
    let refused = recv_until(&mut ws, |f| f["type"] == "error").await;
    assert_eq!(refused.last().expect("error")["code"], "shutting_down");
    match tokio_tungstenite::connect_async(app.ws_url()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 503)
        }
        other => panic!("a new socket must be refused while draining: {other:?}"),
    }

    let (frames, close) = until_closed(&mut ws).await;
    assert_eq!(close, Some(CloseCode::Away), "closed with 1001: {frames:?}");
    let cut = frames
        .iter()
        .find(|f| f["type"] == "message" && f["sender"] == "ai")
        .expect("the partial reply is sent as a message");
    assert_eq!(
        cut["text"].as_str().map(str::trim_end),
        Some(FIRST.trim_end()),
        "exactly what the customer saw"
    );
    assert_eq!(cut["why"]["cut_short"], true, "marked as cut short");
    let notice = frames
        .iter()
        .find(|f| f["type"] == "message" && f["sender"] == "system")
        .expect("the customer is told");
    assert!(
        notice["text"].as_str().expect("text").contains("cut short"),
        "{notice}"
    );
    assert_eq!(shutdown.await.expect("joined"), 1, "one reply was cut");

    let stored = stored_messages(&app, &conversation).await;
    let texts: Vec<(&str, &str)> = stored
        .iter()
        .map(|m| (m.sender.as_str(), m.text.trim_end()))
        .collect();
    assert!(
        texts.contains(&("ai", FIRST.trim_end())),
        "the cut reply is stored as sent: {texts:?}"
    );
    assert!(
        !texts.iter().any(|(_, text)| text.contains("still there")),
        "the refused message was not stored: {texts:?}"
    );
    release.notify_one();
}

#[tokio::test]
async fn a_reply_that_finishes_within_the_drain_is_sent_whole_before_the_socket_closes() {
    let release = Arc::new(Notify::new());
    let engine = Arc::new(StallingEngine {
        release: Arc::clone(&release),
    });
    let app = spawn_app_with(Some(engine), |s| s.drain_secs = 30).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    ask_for_a_gift(&mut ws).await;

    let shutdown = tokio::spawn({
        let shutdown = app.shutdown.clone();
        async move { shutdown.run().await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    release.notify_one();

    let (frames, close) = until_closed(&mut ws).await;
    let reply = frames
        .iter()
        .find(|f| f["type"] == "message" && f["sender"] == "ai")
        .unwrap_or_else(|| panic!("the whole reply before the close: {frames:?}"));
    assert_eq!(reply["text"], format!("{FIRST}{REST}"));
    assert!(reply["why"].get("cut_short").is_none(), "{reply}");
    assert_eq!(close, Some(CloseCode::Away));
    assert_eq!(shutdown.await.expect("joined"), 0, "nothing was cut");
}

#[tokio::test]
async fn sigterm_closes_sockets_with_1001_and_the_process_exits_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/candor.db", dir.path().display());
    let mut server = ServerProcess::start(&url, &[("CANDOR_DRAIN_SECS", "5")]);
    let (mut ws, _) = server.hello(None).await;
    send(
        &mut ws,
        json!({"type":"message","client_id":"q","text":"What is your return policy?"}),
    )
    .await;
    assert_eq!(recv(&mut ws).await["client_id"], "q");

    server.terminate();
    let (_, close) = until_closed(&mut ws).await;
    assert_eq!(close, Some(CloseCode::Away));
    let status = server.wait_exit(Duration::from_secs(30));
    assert!(status.success(), "exit status {status:?}");
}
