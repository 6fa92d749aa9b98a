//! A chat session over a real WebSocket, recorded frame by frame so the
//! judges can look at exactly what a widget would have received.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// A client socket.
pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// One text frame as received.
#[derive(Debug, Clone)]
pub struct RecordedFrame {
    /// The frame's text, exactly as sent by the server.
    pub raw: String,
    /// The parsed frame (`None` when the server sent invalid JSON).
    pub json: Option<Value>,
}

/// The reply to one visitor turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// `ai` or `system`.
    pub sender: String,
    /// The stored text.
    pub text: String,
}

/// Everything a chat case saw.
#[derive(Debug, Clone, Default)]
pub struct Transcript {
    /// The conversation the server opened.
    pub conversation_id: Option<String>,
    /// Every text frame, in order.
    pub frames: Vec<RecordedFrame>,
    /// The reply to each turn (`None`: no reply, e.g. queued for a human).
    pub replies: Vec<Option<Reply>>,
    /// Transport trouble: timeouts, unexpected closes, error frames.
    pub problems: Vec<String>,
}

impl Transcript {
    /// Texts of stored messages from `sender`.
    pub fn messages_from<'a>(&'a self, sender: &'a str) -> impl Iterator<Item = &'a str> {
        self.frames.iter().filter_map(move |f| {
            let json = f.json.as_ref()?;
            (json["type"] == "message" && json["sender"] == sender)
                .then(|| json["text"].as_str())
                .flatten()
        })
    }

    /// Every text the server produced itself: AI and system messages and
    /// the deltas streamed before them.
    pub fn server_texts(&self) -> Vec<&str> {
        let deltas = self.frames.iter().filter_map(|f| {
            let json = f.json.as_ref()?;
            (json["type"] == "delta")
                .then(|| json["text"].as_str())
                .flatten()
        });
        self.messages_from("ai")
            .chain(self.messages_from("system"))
            .chain(deltas)
            .collect()
    }
}

/// Opens a socket to `url` (no `Origin`, like a server-side integration).
pub async fn connect(url: &str, wait: Duration) -> Result<Socket, String> {
    match tokio::time::timeout(wait, tokio_tungstenite::connect_async(url)).await {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(e)) => Err(format!("cannot connect: {e}")),
        Err(_) => Err("connecting timed out".into()),
    }
}

/// What the next read produced.
pub enum Incoming {
    /// A text frame.
    Text(String),
    /// A close frame (with its code, if any).
    Closed(Option<u16>),
    /// Anything else that ends the exchange (binary frame, error, end of stream).
    Broken(String),
    /// Nothing arrived before the deadline.
    TimedOut,
}

/// Reads the next frame that matters (pings and pongs are skipped).
pub async fn next(socket: &mut Socket, deadline: Instant) -> Incoming {
    loop {
        let read = tokio::time::timeout_at(deadline, socket.next()).await;
        return match read {
            Err(_) => Incoming::TimedOut,
            Ok(None) => Incoming::Broken("the socket ended without a close frame".into()),
            Ok(Some(Err(e))) => Incoming::Broken(format!("read error: {e}")),
            Ok(Some(Ok(Message::Text(text)))) => Incoming::Text(text.as_str().to_owned()),
            Ok(Some(Ok(Message::Close(frame)))) => {
                Incoming::Closed(frame.map(|f| u16::from(f.code)))
            }
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => continue,
            Ok(Some(Ok(other))) => Incoming::Broken(format!("unexpected frame {other:?}")),
        };
    }
}

/// Runs a chat: `hello`, then each turn, waiting up to `wait` for each reply.
pub async fn chat(url: &str, hello: Value, turns: &[String], wait: Duration) -> Transcript {
    let mut transcript = Transcript::default();
    let mut socket = match connect(url, wait).await {
        Ok(socket) => socket,
        Err(problem) => {
            transcript.problems.push(problem);
            return transcript;
        }
    };
    if let Err(problem) = say_hello(&mut socket, hello, wait, &mut transcript).await {
        transcript.problems.push(problem);
        return transcript;
    }
    let mut human_on_it = false;
    for (i, text) in turns.iter().enumerate() {
        let client_id = format!("rt-{i}");
        let frame = json!({"type":"message","client_id":client_id,"text":text});
        if let Err(e) = socket.send(Message::text(frame.to_string())).await {
            transcript
                .problems
                .push(format!("turn {}: send failed: {e}", i + 1));
            break;
        }
        let turn = Turn {
            client_id: &client_id,
            deadline: Instant::now() + wait,
        };
        match turn
            .collect(&mut socket, &mut transcript, &mut human_on_it)
            .await
        {
            Ok(reply) => transcript.replies.push(reply),
            Err(problem) => {
                transcript
                    .problems
                    .push(format!("turn {}: {problem}", i + 1));
                break;
            }
        }
    }
    let _ = socket.close(None).await;
    transcript
}

async fn say_hello(
    socket: &mut Socket,
    hello: Value,
    wait: Duration,
    transcript: &mut Transcript,
) -> Result<(), String> {
    socket
        .send(Message::text(hello.to_string()))
        .await
        .map_err(|e| format!("hello could not be sent: {e}"))?;
    let deadline = Instant::now() + wait;
    loop {
        let frame = read_text(socket, deadline, transcript).await?;
        match frame["type"].as_str() {
            Some("welcome") => {
                transcript.conversation_id = frame["conversation_id"].as_str().map(Into::into);
                return Ok(());
            }
            Some("error") => return Err(format!("hello refused: {}", frame["code"])),
            _ => {}
        }
    }
}

/// Reads one text frame, records it, and returns it parsed.
async fn read_text(
    socket: &mut Socket,
    deadline: Instant,
    transcript: &mut Transcript,
) -> Result<Value, String> {
    match next(socket, deadline).await {
        Incoming::Text(raw) => {
            let json = serde_json::from_str::<Value>(&raw).ok();
            transcript.frames.push(RecordedFrame {
                raw,
                json: json.clone(),
            });
            json.ok_or_else(|| "the server sent a frame that is not JSON".into())
        }
        Incoming::Closed(code) => Err(format!("the server closed the socket ({code:?})")),
        Incoming::Broken(problem) => Err(problem),
        Incoming::TimedOut => Err("no reply before the timeout".into()),
    }
}

/// One visitor message and the frames up to its reply.
struct Turn<'a> {
    client_id: &'a str,
    deadline: Instant,
}

impl Turn<'_> {
    async fn collect(
        &self,
        socket: &mut Socket,
        transcript: &mut Transcript,
        human_on_it: &mut bool,
    ) -> Result<Option<Reply>, String> {
        let mut acked_seq: Option<i64> = None;
        loop {
            let frame = read_text(socket, self.deadline, transcript).await?;
            match frame["type"].as_str() {
                Some("handoff") => {
                    *human_on_it = matches!(frame["state"].as_str(), Some("queued" | "assigned"))
                }
                Some("error") => return Err(format!("error frame {}", frame["code"])),
                Some("message") => {
                    let seq = frame["seq"].as_i64().unwrap_or_default();
                    let sender = frame["sender"].as_str().unwrap_or_default();
                    if sender == "customer" && frame["client_id"] == self.client_id {
                        acked_seq = Some(seq);
                        if *human_on_it {
                            return Ok(None);
                        }
                    } else if matches!(sender, "ai" | "system")
                        && acked_seq.is_some_and(|ack| seq > ack)
                    {
                        let text = frame["text"].as_str().unwrap_or_default().to_owned();
                        return Ok(Some(Reply {
                            sender: sender.to_owned(),
                            text,
                        }));
                    }
                }
                _ => {}
            }
        }
    }
}
