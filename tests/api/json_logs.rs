//! `CANDOR_LOG_FORMAT=json`: the real `candor` binary, with the real model,
//! writes every log line to stderr as one JSON object, and no line carries
//! what the visitor wrote. An unknown format stops the server at start.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::SinkExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// Longest wait for the server to load the model and listen.
const START_TIMEOUT: Duration = Duration::from_secs(300);
/// Text the visitor types; it must appear in no log line.
const VISITOR_TEXT: &str = "Zebraquartz here: can you recommend a gift?";

fn candor(dir: &Path, format: &str) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = dir.join("candor.toml");
    std::fs::write(&config, "[engine]\nmax_new_tokens = 8\n").expect("config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
    command
        .args(["serve", "--demo", "--config"])
        .arg(&config)
        .current_dir(root)
        .env("RUST_LOG", "debug")
        .env("CANDOR_LOG_FORMAT", format)
        .env("CANDOR_BIND", "127.0.0.1:0")
        .env(
            "CANDOR_DATABASE_URL",
            format!("sqlite://{}/candor.db", dir.display()),
        )
        .env("CANDOR_MODEL", model_path())
        .env("CANDOR_ADMIN_TOKEN", "json-logs-admin");
    command
}

#[tokio::test]
async fn json_logs_are_one_object_per_line_and_carry_no_message_text() {
    let dir = tempfile::tempdir().expect("dir");
    let (stdout, stderr) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = candor(dir.path(), "json")
        .stdout(Stdio::from(File::create(&stdout).expect("stdout")))
        .stderr(Stdio::from(File::create(&stderr).expect("stderr")))
        .spawn()
        .expect("candor starts");
    let started = Instant::now();
    let port: u16 = loop {
        let banner = std::fs::read_to_string(&stdout).unwrap_or_default();
        if let Some(port) = banner
            .lines()
            .find_map(|l| l.strip_prefix("Candor is listening on http://127.0.0.1:"))
            .and_then(|p| p.trim().parse().ok())
        {
            break port;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "candor exited ({status}):\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        assert!(started.elapsed() < START_TIMEOUT, "no banner");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/v1/chat/ws"))
        .await
        .expect("socket");
    send(&mut ws, json!({"type":"hello","locale":"en"})).await;
    recv_until(&mut ws, |f| f["type"] == "welcome").await;
    exchange(&mut ws, "q1", VISITOR_TEXT).await;
    let _ = ws.send(Message::Close(None)).await;
    let _ = child.kill();
    let _ = child.wait();

    let log = std::fs::read_to_string(&stderr).expect("stderr");
    let lines: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() > 3, "too few log lines:\n{log}");
    let mut messages = Vec::new();
    for line in &lines {
        let object: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(object["timestamp"].is_string(), "{line}");
        assert!(object["level"].is_string(), "{line}");
        assert!(object["fields"].is_object(), "{line}");
        messages.push(
            object["fields"]["message"]
                .as_str()
                .unwrap_or("")
                .to_owned(),
        );
    }
    assert!(
        messages.iter().any(|m| m == "conversation started"),
        "the conversation was logged: {messages:?}"
    );
    assert!(
        !log.to_lowercase().contains("zebraquartz"),
        "the visitor's text reached the log:\n{log}"
    );
}

#[tokio::test]
async fn an_unknown_log_format_stops_the_server_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("dir");
    let output = candor(dir.path(), "yaml").output().expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("CANDOR_LOG_FORMAT") && stderr.contains("yaml"),
        "{stderr}"
    );
}
