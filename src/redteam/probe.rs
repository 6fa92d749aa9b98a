//! Runs one malformed-frame case: send the bad frame, check the promised
//! answer, then check that the server still serves a fresh connection.

use std::time::Duration;

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use super::client::{connect, next, Incoming, Socket};
use super::frames::{Expectation, MalformedCase, Phase};

/// How long the server has to answer a bad frame.
const ANSWER_WAIT: Duration = Duration::from_secs(15);

/// Runs `case` against `url`; returns what went wrong (empty = passed).
pub async fn probe(url: &str, case: &MalformedCase) -> Vec<String> {
    let mut failures = Vec::new();
    match answer_to(url, case).await {
        Ok(()) => {}
        Err(problem) => failures.push(problem),
    }
    if let Err(problem) = fresh_connection_works(url).await {
        failures.push(format!("afterwards, a fresh connection failed: {problem}"));
    }
    failures
}

async fn answer_to(url: &str, case: &MalformedCase) -> Result<(), String> {
    let mut socket = connect(url, ANSWER_WAIT).await?;
    if case.phase == Phase::AfterHello {
        hello(&mut socket).await?;
    }
    for message in case.frame.messages() {
        // The server may close the socket while a huge frame is still being
        // written; its close frame is then read below.
        if socket.send(message).await.is_err() {
            break;
        }
    }
    let deadline = Instant::now() + ANSWER_WAIT;
    let result = loop {
        match next(&mut socket, deadline).await {
            Incoming::Text(raw) => {
                let frame: Value = serde_json::from_str(&raw)
                    .map_err(|_| format!("the server sent a frame that is not JSON: {raw}"))?;
                match (frame["type"].as_str(), &case.expect) {
                    (Some("welcome"), Expectation::Welcome) => break Ok(()),
                    (Some("error"), Expectation::Error(code)) if frame["code"] == code.as_str() => {
                        break Ok(())
                    }
                    (Some("error"), expect) => {
                        break Err(format!("got error {}, expected {expect}", frame["code"]))
                    }
                    _ => continue,
                }
            }
            Incoming::Closed(code) => {
                break match (&case.expect, code) {
                    (Expectation::Close(want), Some(got)) if *want == got => Ok(()),
                    (expect, got) => Err(format!("closed with {got:?}, expected {expect}")),
                }
            }
            Incoming::Broken(problem) => break Err(format!("{problem}, expected {}", case.expect)),
            Incoming::TimedOut => break Err(format!("no answer, expected {}", case.expect)),
        }
    };
    let _ = socket.close(None).await;
    result
}

async fn hello(socket: &mut Socket) -> Result<(), String> {
    socket
        .send(Message::text(json!({"type":"hello"}).to_string()))
        .await
        .map_err(|e| format!("hello could not be sent: {e}"))?;
    let deadline = Instant::now() + ANSWER_WAIT;
    match next(socket, deadline).await {
        Incoming::Text(raw) if raw.contains(r#""type":"welcome""#) => Ok(()),
        Incoming::Text(raw) => Err(format!("expected welcome, got {raw}")),
        _ => Err("no welcome".into()),
    }
}

async fn fresh_connection_works(url: &str) -> Result<(), String> {
    let mut socket = connect(url, ANSWER_WAIT).await?;
    let result = hello(&mut socket).await;
    let _ = socket.close(None).await;
    result
}
