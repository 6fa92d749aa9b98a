//! A stand-in OpenAI-compatible server on a raw TCP listener: each request
//! to `/v1/chat/completions` is recorded and answered the way the test
//! scripts it (streamed text, a stall, an error status, a stream cut off
//! mid-reply, garbage, a reply held until released, or a pass-through to a
//! real server). `GET /v1/models` always answers, for readiness probes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

/// How the stub answers one chat-completion request.
#[derive(Clone)]
pub enum Script {
    /// Streams these pieces, then `finish_reason: stop`, usage and `[DONE]`.
    Reply(Vec<String>),
    /// Sends the response headers, then nothing at all.
    StallAfterHeaders,
    /// Answers with this status and a JSON error body.
    Status(u16),
    /// Streams these pieces, then closes the connection without finishing.
    CloseAfter(Vec<String>),
    /// Streams an event that is not JSON.
    Garbage,
    /// Waits for a permit of the semaphore, then streams the pieces.
    Held(Arc<Semaphore>, Vec<String>),
    /// Forwards the request to this base URL (`http://host:port`) and
    /// passes the answer back byte for byte.
    Proxy(String),
}

/// One recorded request.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub authorization: Option<String>,
    pub body: Value,
}

/// A running stub.
pub struct Stub {
    /// The API base to configure in `[engine] url`.
    pub url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    listener: tokio::task::JoinHandle<()>,
}

impl Stub {
    /// Starts a stub that answers request number `n` (from 0) with `script(n)`.
    pub async fn start(script: impl Fn(usize) -> Script + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let log = Arc::clone(&recorded);
        let listener = tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let script = Arc::clone(&script);
                let log = Arc::clone(&log);
                tokio::spawn(async move { serve(socket, script.as_ref(), &log).await });
            }
        });
        Self {
            url: format!("http://127.0.0.1:{port}/v1"),
            recorded,
            listener,
        }
    }

    /// Stops listening: new connections are refused from now on.
    pub fn stop(&self) {
        self.listener.abort();
    }

    /// Every chat-completion request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().expect("lock").clone()
    }

    /// Waits until at least `n` requests arrived.
    pub async fn wait_for_requests(&self, n: usize) {
        for _ in 0..600 {
            if self.requests().len() >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the stub never received {n} requests");
    }
}

async fn serve(
    mut socket: TcpStream,
    script: &(dyn Fn(usize) -> Script + Send + Sync),
    log: &Mutex<Vec<Recorded>>,
) {
    let Some((head, body)) = read_request(&mut socket).await else {
        return;
    };
    let request_line = head.lines().next().unwrap_or_default().to_owned();
    if request_line.starts_with("GET ") {
        let body = json!({"object":"list","data":[{"id":"stub","object":"model"}]}).to_string();
        let _ = socket
            .write_all(response(200, "application/json", &body).as_bytes())
            .await;
        return;
    }
    let authorization = head
        .lines()
        .find_map(|l| {
            l.strip_prefix("authorization: ")
                .or_else(|| l.strip_prefix("Authorization: "))
        })
        .map(str::to_owned);
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let n = {
        let mut log = log.lock().expect("lock");
        log.push(Recorded {
            authorization,
            body: value,
        });
        log.len() - 1
    };
    match script(n) {
        Script::Reply(pieces) => stream(&mut socket, &pieces, true).await,
        Script::StallAfterHeaders => {
            let _ = socket.write_all(sse_head().as_bytes()).await;
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Script::Status(code) => {
            let body = json!({"error":{"code":code,"message":"stub error","type":"server_error"}});
            let mut answer = response(code, "application/json", &body.to_string());
            if code == 429 {
                answer = answer.replacen("\r\n", "\r\nRetry-After: 30\r\n", 1);
            }
            let _ = socket.write_all(answer.as_bytes()).await;
        }
        Script::CloseAfter(pieces) => stream(&mut socket, &pieces, false).await,
        Script::Garbage => {
            let text = format!("{}data: this is not json\n\n", sse_head());
            let _ = socket.write_all(text.as_bytes()).await;
        }
        Script::Held(gate, pieces) => {
            let _permit = gate.acquire().await.expect("gate");
            stream(&mut socket, &pieces, true).await;
        }
        Script::Proxy(upstream) => proxy(&mut socket, &upstream, &request_line, &body).await,
    }
}

/// Reads one request: the head (lower-cased names kept as sent) and body.
async fn read_request(socket: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buffer[head_end..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, body))
}

fn response(code: u16, content_type: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {code} Stub\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn sse_head() -> &'static str {
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n"
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let event = json!({
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {event}\n\n")
}

/// Streams `pieces` as chat-completion chunks; a finished stream ends with
/// `finish_reason`, usage and `[DONE]`, an unfinished one just stops.
async fn stream(socket: &mut TcpStream, pieces: &[String], finish: bool) {
    let mut out = sse_head().to_owned();
    out.push_str(&chunk(json!({"role": "assistant", "content": ""}), None));
    if socket.write_all(out.as_bytes()).await.is_err() {
        return;
    }
    for piece in pieces {
        let text = chunk(json!({"content": piece}), None);
        if socket.write_all(text.as_bytes()).await.is_err() {
            return;
        }
        let _ = socket.flush().await;
    }
    if finish {
        let usage = json!({"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": pieces.len(), "total_tokens": 42 + pieces.len()}});
        let tail = format!(
            "{}data: {usage}\n\ndata: [DONE]\n\n",
            chunk(json!({}), Some("stop"))
        );
        let _ = socket.write_all(tail.as_bytes()).await;
    }
    let _ = socket.shutdown().await;
}

/// Forwards a chat completion to `upstream` and copies the answer back.
async fn proxy(socket: &mut TcpStream, upstream: &str, request_line: &str, body: &[u8]) {
    let path = request_line
        .split(' ')
        .nth(1)
        .unwrap_or("/v1/chat/completions");
    let mut answer = reqwest::Client::new()
        .post(format!("{upstream}{path}"))
        .header("content-type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("the upstream server answers");
    let head = format!(
        "HTTP/1.1 {} Proxy\r\nContent-Type: {}\r\nConnection: close\r\n\r\n",
        answer.status().as_u16(),
        answer
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("text/event-stream")
    );
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    while let Ok(Some(bytes)) = answer.chunk().await {
        if socket.write_all(&bytes).await.is_err() {
            return;
        }
    }
    let _ = socket.shutdown().await;
}
