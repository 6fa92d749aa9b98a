//! Shared test helpers: spawn an app, talk to it.

use std::sync::Arc;
use std::time::Duration;

use candor::config::Settings;
use candor::engine::{Generator, ScriptedEngine};
use candor::gateway::WidgetSigner;
use candor::startup::{Application, BuildOptions};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a test waits for one frame before failing.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(60);

/// A running application with its own database file.
pub struct TestApp {
    pub port: u16,
    pub admin_token: String,
    pub signer: WidgetSigner,
    pub db_url: String,
    pub store: candor::store::Store,
    pub handle: actix_web::dev::ServerHandle,
    /// Drains and stops the server, as SIGTERM does.
    pub shutdown: candor::startup::Shutdown,
    _dir: Arc<tempfile::TempDir>,
}

/// Settings for a test: port 0, a fresh SQLite file in `dir`.
pub fn test_settings(dir: &tempfile::TempDir) -> Settings {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: format!("sqlite://{}/candor.db", dir.path().display()),
        model: root.join("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
        prompts_dir: root.join("prompts"),
        admin_token: Some("test-admin-token".to_string().into()),
        widget_secret: Some("test-widget-secret".to_string().into()),
        allowed_origins: vec!["https://shop.example".into()],
        ..Settings::default()
    }
}

/// Starts an app with the scripted echo engine and the demo shop.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |_| {}).await
}

/// Starts an app with `engine` (`None` = the real model) and tweaked settings.
pub async fn spawn_app_with(
    engine: Option<Arc<dyn Generator>>,
    tweak: impl FnOnce(&mut Settings),
) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    let mut settings = test_settings(&dir);
    tweak(&mut settings);
    let db_url = settings.database_url.clone();
    let app = Application::build(
        settings,
        BuildOptions {
            engine,
            load_demo: true,
        },
    )
    .await
    .expect("app builds");
    let port = app.port();
    let admin_token = app.admin_token().to_owned();
    let signer = WidgetSigner::new(app.widget_secret().clone());
    let store = app.store().clone();
    let handle = app.handle();
    let shutdown = app.shutdown();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        port,
        admin_token,
        signer,
        db_url,
        store,
        handle,
        shutdown,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/chat/ws", self.port)
    }

    /// Opens a chat socket (no Origin header).
    pub async fn connect(&self) -> Ws {
        let (ws, _) = tokio_tungstenite::connect_async(self.ws_url())
            .await
            .expect("socket opens");
        ws
    }

    /// Opens a socket and says hello; returns the socket and the welcome frame.
    pub async fn hello(&self, hello: Value) -> (Ws, Value) {
        let mut ws = self.connect().await;
        send(&mut ws, hello).await;
        let welcome = recv(&mut ws).await;
        assert_eq!(
            welcome["type"], "welcome",
            "first frame must be welcome: {welcome}"
        );
        (ws, welcome)
    }

    /// A hello as a verified customer.
    pub fn customer_hello(&self, id: &str, locale: &str) -> Value {
        json!({"type":"hello","locale":locale,"customer":{"id":id,"signature":self.signer.sign(id)}})
    }

    pub async fn stop(&self) {
        self.handle.stop(true).await;
    }
}

pub async fn send(ws: &mut Ws, frame: Value) {
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("send");
}

pub async fn send_raw(ws: &mut Ws, message: Message) {
    ws.send(message).await.expect("send");
}

/// The next JSON text frame (pings and pongs skipped). The timeout holds
/// for the text frame, not for each frame: the server pings every 20 s,
/// so waiting per frame could wait forever.
pub async fn recv(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("a frame within the timeout")
            .expect("socket still open")
            .expect("valid frame");
        match next {
            Message::Text(text) => {
                return serde_json::from_str(&text).expect("server frames are JSON")
            }
            Message::Ping(_) | Message::Pong(_) => continue,
            other => panic!("unexpected frame: {other:?}"),
        }
    }
}

/// Frames until (and including) the first for which `done` holds.
pub async fn recv_until(ws: &mut Ws, done: impl Fn(&Value) -> bool) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = recv(ws).await;
        let stop = done(&frame);
        frames.push(frame);
        if stop {
            return frames;
        }
    }
}

/// Whether `frame` is a stored message from `sender`.
pub fn is_message_from(frame: &Value, sender: &str) -> bool {
    frame["type"] == "message" && frame["sender"] == sender
}

/// Sends a customer message and collects frames until the reply (ai or system) is stored.
pub async fn exchange(ws: &mut Ws, client_id: &str, text: &str) -> Vec<Value> {
    send(
        ws,
        json!({"type":"message","client_id":client_id,"text":text}),
    )
    .await;
    recv_until(ws, |f| {
        is_message_from(f, "ai") || is_message_from(f, "system")
    })
    .await
}

/// Asserts no text frame arrives within `wait`.
pub async fn assert_silent(ws: &mut Ws, wait: Duration) {
    match tokio::time::timeout(wait, ws.next()).await {
        Err(_) => {}
        Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
        Ok(other) => panic!("expected silence, got {other:?}"),
    }
}

/// Every stored message of a conversation, straight from the database.
pub async fn stored_messages(
    app: &TestApp,
    conversation_id: &str,
) -> Vec<candor::store::StoredMessage> {
    let id = candor::domain::ConversationId::parse(conversation_id).expect("id");
    app.store.messages_after(&id, 0).await.expect("messages")
}

/// The default model, fetched by `python3 models/fetch_model.py`.
pub fn model_path() -> std::path::PathBuf {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(
        path.exists(),
        "the default model is missing: run `python3 models/fetch_model.py` (make test does)"
    );
    path
}

/// Where Debian's chromium is (`CANDOR_TEST_CHROMIUM` overrides): a browser
/// test fails, never skips, without it.
pub fn chromium() -> std::path::PathBuf {
    let path = std::env::var_os("CANDOR_TEST_CHROMIUM")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "chromium is missing at {}: `apt-get install -y chromium` (.ci/run does this)",
        path.display()
    );
    path
}

/// Creates an agent through the admin API; returns (id, token).
pub async fn create_agent(app: &TestApp, name: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .post(app.url("/v1/admin/agents"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "name": name }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.expect("json");
    (
        body["id"].as_str().expect("id").into(),
        body["token"].as_str().expect("token").into(),
    )
}

/// Opens the agent socket on `port` with `token` in the Authorization header.
pub async fn agent_socket_at(port: u16, token: &str) -> Ws {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://127.0.0.1:{port}/v1/agent/ws")
        .into_client_request()
        .expect("request");
    request.headers_mut().insert(
        "Authorization",
        format!("Bearer {token}").parse().expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .expect("agent socket opens")
        .0
}

/// The system prompt of the real-model engine tests (shop policies the
/// replies can be checked against).
pub const SYSTEM: &str = "You are Candor, the customer-service assistant of Candor Demo Shop. \
You are an AI language model, not a human. Answer in English. Keep answers short, friendly \
and factual. Shop policies: orders ship within 2 business days; unused items can be \
returned within 30 days for a full refund; support hours are Monday to Friday, 9:00-17:00.";

/// Index of the largest value (the greedy token of a row of logits).
pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .expect("non-empty")
}

/// Largest absolute difference between two equally long rows.
pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max)
}
