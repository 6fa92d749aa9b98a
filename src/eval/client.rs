//! One case as a widget would run it: a fresh conversation over a real
//! WebSocket, each turn sent after the previous reply is complete.

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The complete reply to the last turn.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reply {
    /// `ai` or `system`.
    pub sender: String,
    /// The stored text.
    pub text: String,
    /// `why.answer` of an AI reply: how the server says it was made
    /// (`account`, `knowledge`, `model`, `dont_know`, ...), when it says.
    pub answer: Option<String>,
    /// From sending the last turn to receiving this reply's `message` frame.
    pub latency: Duration,
}

/// What running one case produced.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The reply to the last turn (`None` when it never came).
    pub reply: Option<Reply>,
    /// Transport trouble: refused hello, timeouts, error frames, a human
    /// taking over.
    pub problems: Vec<String>,
}

/// Runs `turns` after `hello` on a new socket to `url`, waiting up to
/// `wait` for each reply.
pub async fn run(url: &str, hello: Value, turns: &[String], wait: Duration) -> Session {
    let mut session = Session::default();
    let mut socket = match connect(url, hello, wait).await {
        Ok(socket) => socket,
        Err(problem) => {
            session.problems.push(problem);
            return session;
        }
    };
    let mut human = false;
    for (i, text) in turns.iter().enumerate() {
        let client_id = format!("eval-{i}");
        let frame = json!({"type":"message","client_id":client_id,"text":text});
        let sent = Instant::now();
        if let Err(e) = socket.send(Message::text(frame.to_string())).await {
            session
                .problems
                .push(format!("turn {}: send failed: {e}", i + 1));
            break;
        }
        match reply_to(&mut socket, &client_id, wait, &mut human).await {
            Ok(reply) if i + 1 == turns.len() => {
                session.reply = Some(Reply {
                    latency: sent.elapsed(),
                    ..reply
                })
            }
            Ok(_) => {}
            Err(problem) => {
                session.problems.push(format!("turn {}: {problem}", i + 1));
                break;
            }
        }
    }
    let _ = socket.close(None).await;
    session
}

async fn connect(url: &str, hello: Value, wait: Duration) -> Result<Socket, String> {
    let (mut socket, _) = tokio::time::timeout(wait, tokio_tungstenite::connect_async(url))
        .await
        .map_err(|_| "connecting timed out".to_owned())?
        .map_err(|e| format!("cannot connect: {e}"))?;
    socket
        .send(Message::text(hello.to_string()))
        .await
        .map_err(|e| format!("hello could not be sent: {e}"))?;
    let deadline = Instant::now() + wait;
    loop {
        let frame = next_json(&mut socket, deadline).await?;
        match frame["type"].as_str() {
            Some("welcome") if hello.get("customer").is_some() && frame["verified"] != true => {
                return Err("the customer signature was refused (wrong widget secret?)".into())
            }
            Some("welcome") => return Ok(socket),
            Some("error") => return Err(format!("hello refused: {}", frame["code"])),
            _ => {}
        }
    }
}

/// Frames up to the stored AI or system message that answers `client_id`.
async fn reply_to(
    socket: &mut Socket,
    client_id: &str,
    wait: Duration,
    human: &mut bool,
) -> Result<Reply, String> {
    let deadline = Instant::now() + wait;
    let mut acked: Option<i64> = None;
    loop {
        let frame = next_json(socket, deadline).await?;
        match frame["type"].as_str() {
            Some("handoff") => {
                *human = matches!(frame["state"].as_str(), Some("queued" | "assigned"))
            }
            Some("error") => return Err(format!("error frame {}", frame["code"])),
            Some("message") => {
                let seq = frame["seq"].as_i64().unwrap_or_default();
                let sender = frame["sender"].as_str().unwrap_or_default();
                if sender == "customer" && frame["client_id"] == client_id {
                    if *human {
                        return Err("a human has the conversation: no AI reply".into());
                    }
                    acked = Some(seq);
                } else if matches!(sender, "ai" | "system") && acked.is_some_and(|a| seq > a) {
                    return Ok(Reply {
                        sender: sender.to_owned(),
                        text: frame["text"].as_str().unwrap_or_default().to_owned(),
                        answer: frame["why"]["answer"].as_str().map(Into::into),
                        latency: Duration::ZERO,
                    });
                }
            }
            _ => {}
        }
    }
}

/// The next JSON text frame (pings skipped).
async fn next_json(socket: &mut Socket, deadline: Instant) -> Result<Value, String> {
    loop {
        let read = tokio::time::timeout_at(deadline.into(), socket.next()).await;
        let text = match read {
            Err(_) => return Err("no reply before the timeout".into()),
            Ok(None) => return Err("the socket ended".into()),
            Ok(Some(Err(e))) => return Err(format!("read error: {e}")),
            Ok(Some(Ok(Message::Text(text)))) => text,
            Ok(Some(Ok(Message::Close(frame)))) => {
                return Err(format!("the server closed the socket ({frame:?})"))
            }
            Ok(Some(Ok(_))) => continue,
        };
        return serde_json::from_str(text.as_str())
            .map_err(|_| "the server sent a frame that is not JSON".into());
    }
}
