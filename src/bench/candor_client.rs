//! One anonymous English visitor on Candor's chat socket (docs/protocol.md).
//!
//! TTFT is message sent → first `delta` frame of the AI reply; the reply is
//! complete with the AI's stored `message` frame. A `system` message in
//! place of a reply (busy, engine failure, a router's notice) fails the turn.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::header::{HeaderValue, ORIGIN};
use tokio_tungstenite::tungstenite::Message;

use super::turn::{Deadlines, TurnClock, TurnOutcome};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// An open chat socket after `welcome`.
pub(crate) struct CandorSession {
    socket: Socket,
    /// Prefix of this conversation's message `client_id`s.
    name: String,
}

/// What the next read produced.
enum Read {
    Frame(Value),
    OutOfTime,
    Broken(String),
}

impl CandorSession {
    /// Connects (with `origin` as the `Origin` header, if given) and says hello.
    pub async fn open(
        url: &str,
        origin: Option<&str>,
        name: String,
        deadline: Instant,
    ) -> Result<Self, String> {
        let mut request = url
            .into_client_request()
            .map_err(|e| format!("bad socket URL {url}: {e}"))?;
        if let Some(origin) = origin {
            let value = HeaderValue::from_str(origin)
                .map_err(|_| format!("bad Origin header value {origin:?}"))?;
            request.headers_mut().insert(ORIGIN, value);
        }
        let (socket, _) = match tokio::time::timeout_at(
            deadline,
            tokio_tungstenite::connect_async(request),
        )
        .await
        {
            Ok(Ok(connected)) => connected,
            Ok(Err(e)) => return Err(format!("cannot connect: {e}")),
            Err(_) => return Err("connecting timed out".into()),
        };
        let mut session = Self { socket, name };
        session
            .send(json!({"type": "hello", "locale": "en"}))
            .await?;
        loop {
            match session.read(deadline).await {
                Read::Frame(frame) if frame["type"] == "welcome" => return Ok(session),
                Read::Frame(frame) if frame["type"] == "error" => {
                    return Err(format!("hello refused: {}", frame["code"]))
                }
                Read::Frame(_) => {}
                Read::OutOfTime => return Err("no welcome frame in time".into()),
                Read::Broken(problem) => return Err(problem),
            }
        }
    }

    /// Sends turn `index`'s message and waits for the AI's complete reply.
    pub async fn turn(&mut self, index: usize, text: &str, deadlines: Deadlines) -> TurnOutcome {
        let client_id = format!("{}-{index}", self.name);
        let frame = json!({"type": "message", "client_id": client_id, "text": text});
        let mut clock = TurnClock::start();
        if let Err(problem) = self.send(frame).await {
            return TurnOutcome::Failed(problem);
        }
        loop {
            let frame = match self.read(deadlines.next()).await {
                Read::Frame(frame) => frame,
                Read::OutOfTime => return clock.out_of_time(&deadlines),
                Read::Broken(problem) => return TurnOutcome::Failed(problem),
            };
            match (frame["type"].as_str(), frame["sender"].as_str()) {
                (Some("delta"), _) => {
                    if let Some(held) = frame["held_ms"].as_u64() {
                        clock.on_held(Duration::from_millis(held));
                    }
                    clock.on_text(frame["text"].as_str().unwrap_or_default());
                }
                (Some("message"), Some("ai")) => {
                    let text = frame["text"].as_str().map(str::to_owned);
                    return clock.finish(text, None);
                }
                (Some("message"), Some("system")) => {
                    let notice: String = frame["text"]
                        .as_str()
                        .unwrap_or_default()
                        .chars()
                        .take(80)
                        .collect();
                    return TurnOutcome::Failed(format!("a notice instead of a reply: {notice}"));
                }
                (Some("error"), _) => {
                    return TurnOutcome::Failed(format!("error frame {}", frame["code"]))
                }
                (Some("handoff"), _) => {
                    return TurnOutcome::Failed("the conversation was handed to a human".into())
                }
                _ => {}
            }
        }
    }

    /// Closes the socket politely.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }

    async fn send(&mut self, frame: Value) -> Result<(), String> {
        self.socket
            .send(Message::text(frame.to_string()))
            .await
            .map_err(|e| format!("send failed: {e}"))
    }

    async fn read(&mut self, deadline: Instant) -> Read {
        loop {
            return match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => Read::OutOfTime,
                Ok(None) => Read::Broken("the socket ended".into()),
                Ok(Some(Err(e))) => Read::Broken(format!("read error: {e}")),
                Ok(Some(Ok(Message::Text(text)))) => match serde_json::from_str(&text) {
                    Ok(frame) => Read::Frame(frame),
                    Err(_) => Read::Broken("the server sent a frame that is not JSON".into()),
                },
                Ok(Some(Ok(Message::Close(frame)))) => Read::Broken(format!(
                    "the server closed the socket ({:?})",
                    frame.map(|f| u16::from(f.code))
                )),
                Ok(Some(Ok(_))) => continue,
            };
        }
    }
}
