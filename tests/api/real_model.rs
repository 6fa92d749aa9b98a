//! End to end with the real default model (SmolLM2-135M-Instruct Q4_1),
//! in process and as a real `candor` process restarted on the same database.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_real_model_streams_a_reply_that_is_stored_exactly_as_streamed() {
    model_path();
    let app = spawn_app_with(None, |s| {
        s.engine.max_new_tokens = std::num::NonZeroUsize::new(48).expect("non-zero");
    })
    .await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello","locale":"en"})).await;
    assert_eq!(welcome["ai"], true);
    assert!(welcome["disclosure"]
        .as_str()
        .is_some_and(|d| d.contains("AI")));
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();

    // A request for a suggestion: the model answers it (shop facts are
    // quoted from the knowledge base without the model).
    let frames = exchange(
        &mut ws,
        "q1",
        "Can you recommend a tea for a rainy afternoon?",
    )
    .await;
    assert_eq!(frames[0]["sender"], "customer");
    let reply = frames.last().expect("reply");
    assert_eq!(reply["sender"], "ai", "the model answered: {reply}");
    assert_eq!(reply["why"]["answer"], "model", "{reply}");
    let deltas: Vec<_> = frames.iter().filter(|f| f["type"] == "delta").collect();
    assert!(deltas.len() > 1, "the reply streamed in several deltas");
    let streamed: String = deltas
        .iter()
        .map(|f| f["text"].as_str().unwrap_or_default())
        .collect();
    let text = reply["text"].as_str().expect("text");
    assert!(!text.trim().is_empty());
    assert_eq!(text, streamed);
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.last().map(|m| m.text.as_str()), Some(text));
}

/// A `candor serve` child process.
struct ServerProcess {
    child: Child,
    port: u16,
}

impl ServerProcess {
    fn start(db_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_candor"))
            .arg("serve")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("CANDOR_BIND", "127.0.0.1:0")
            .env("CANDOR_DATABASE_URL", db_url)
            .env("CANDOR_MODEL", model_path())
            .env("CANDOR_ADMIN_TOKEN", "process-admin")
            .env("CANDOR_WIDGET_SECRET", "process-secret")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("candor starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut port = None;
        for line in lines.by_ref() {
            let line = line.expect("line");
            if let Some(rest) = line.strip_prefix("Candor is listening on http://127.0.0.1:") {
                port = rest.trim().parse().ok();
                break;
            }
        }
        // Keep draining stdout so the server never writes into a closed pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Self {
            child,
            port: port.expect("the server printed its port"),
        }
    }

    fn ws_url(&self) -> String {
        format!("ws://127.0.0.1:{}/v1/chat/ws", self.port)
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn connect(url: &str) -> Ws {
    tokio_tungstenite::connect_async(url)
        .await
        .expect("socket opens")
        .0
}

#[tokio::test]
async fn a_conversation_resumes_after_the_server_process_is_killed_and_restarted() {
    let dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}/restart.db", dir.path().display());

    let server = ServerProcess::start(&db_url);
    let mut ws = connect(&server.ws_url()).await;
    send(&mut ws, json!({"type":"hello","locale":"en"})).await;
    let welcome = recv(&mut ws).await;
    let conversation = welcome["conversation_id"].clone();
    let frames = exchange(&mut ws, "before-restart", "Do you ship to Canada?").await;
    let reply = frames.last().expect("reply").clone();
    drop(ws);
    server.kill();

    let server = ServerProcess::start(&db_url);
    let mut ws = connect(&server.ws_url()).await;
    send(
        &mut ws,
        json!({"type":"hello","conversation_id":conversation,"last_seq":1}),
    )
    .await;
    let welcome = recv(&mut ws).await;
    assert_eq!(welcome["conversation_id"], conversation);
    let replayed = recv(&mut ws).await;
    assert_eq!(replayed["seq"], 2);
    assert_eq!(replayed["id"], reply["id"]);
    assert_eq!(replayed["text"], reply["text"]);
    server.kill();
}
