//! Crash safety: several sockets send a burst of messages, the server is
//! killed with SIGKILL mid-burst, and after a restart every message the
//! server acknowledged is stored exactly once and the SQLite file passes
//! `PRAGMA integrity_check`. Repeated over several kill points, on one
//! database file that keeps growing. The widgets then send again what was
//! never acknowledged (same `client_id`), and every message is stored
//! exactly once.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use sqlx::{Connection, SqliteConnection};
use tokio_tungstenite::tungstenite::Message;

use super::server_process::ServerProcess;

const SOCKETS: usize = 4;
const MESSAGES_PER_SOCKET: usize = 40;
/// Milliseconds after the burst starts when the server is killed, per round.
const KILL_AFTER_MS: [u64; 3] = [150, 600, 1500];

/// Limits high enough that the burst is never refused.
const CONFIG: &str = "[limits]\nmessages_per_minute = 100000\nip_messages_per_minute = 100000\nframes_per_minute = 100000\nip_frames_per_minute = 100000\n";

/// One socket's burst: sends its messages (never waiting for answers) and
/// returns the client ids the server acknowledged (echoed as stored)
/// before the connection died.
async fn burst(
    port: u16,
    conversation: Option<String>,
    round: usize,
    socket: usize,
) -> (String, HashSet<String>) {
    let url = format!("ws://127.0.0.1:{port}/v1/chat/ws");
    let (ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("socket opens");
    let (mut sink, mut stream) = ws.split();
    let mut hello = json!({"type":"hello","locale":"en"});
    if let Some(id) = &conversation {
        hello["conversation_id"] = json!(id);
        hello["last_seq"] = json!(i64::MAX);
    }
    sink.send(Message::text(hello.to_string()))
        .await
        .expect("hello");
    let mut conversation_id = None;
    let mut acked = HashSet::new();
    let writer = tokio::spawn(async move {
        for i in 0..MESSAGES_PER_SOCKET {
            let frame = json!({
                "type": "message",
                "client_id": format!("r{round}-s{socket}-{i}"),
                "text": format!("Question {i}: what is your return policy?"),
            });
            if sink.send(Message::text(frame.to_string())).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    });
    while let Ok(Some(Ok(message))) =
        tokio::time::timeout(Duration::from_secs(30), stream.next()).await
    {
        let Message::Text(text) = message else {
            continue;
        };
        let frame: Value = serde_json::from_str(&text).expect("JSON frames");
        match frame["type"].as_str() {
            Some("welcome") => {
                conversation_id = frame["conversation_id"].as_str().map(str::to_owned)
            }
            Some("message") if frame["sender"] == "customer" => {
                if let Some(client_id) = frame["client_id"].as_str() {
                    acked.insert(client_id.to_owned());
                }
            }
            _ => {}
        }
    }
    writer.abort();
    (conversation_id.expect("a welcome before the crash"), acked)
}

/// client_id -> how many stored rows carry it, for one conversation.
async fn stored_client_ids(db: &std::path::Path, conversation: &str) -> HashMap<String, i64> {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the database");
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT client_id, COUNT(*) FROM messages WHERE conversation_id = $1 AND client_id IS NOT NULL GROUP BY client_id",
    )
    .bind(conversation)
    .fetch_all(&mut conn)
    .await
    .expect("query");
    rows.into_iter().collect()
}

async fn integrity(db: &std::path::Path) -> String {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the database");
    let (verdict,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity check runs");
    verdict
}

#[tokio::test]
async fn every_acknowledged_message_survives_sigkill_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("candor.db");
    let config = dir.path().join("candor.toml");
    std::fs::write(&config, CONFIG).expect("config written");
    let url = format!("sqlite://{}", db.display());
    let config_arg = config.display().to_string();
    let mut conversations: Vec<Option<String>> = vec![None; SOCKETS];
    let mut acked_by_conversation: HashMap<String, HashSet<String>> = HashMap::new();
    for (round, kill_after) in KILL_AFTER_MS.iter().enumerate() {
        let mut server = ServerProcess::start_with_args(&url, &["--config", &config_arg], &[]);
        let bursts: Vec<_> = conversations
            .iter()
            .enumerate()
            .map(|(socket, conversation)| {
                tokio::spawn(burst(server.port, conversation.clone(), round, socket))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(*kill_after)).await;
        server.kill();
        let mut acked_this_round = 0;
        for (socket, handle) in bursts.into_iter().enumerate() {
            let (conversation, acked) = handle.await.expect("burst task");
            acked_this_round += acked.len();
            conversations[socket] = Some(conversation.clone());
            acked_by_conversation
                .entry(conversation)
                .or_default()
                .extend(acked);
        }
        assert!(
            acked_this_round > 0,
            "round {round}: the server acknowledged messages before the kill"
        );

        // Nothing runs on the file now: check it as the crash left it.
        assert_eq!(
            integrity(&db).await,
            "ok",
            "round {round}: the database is intact"
        );
        for (conversation, acked) in &acked_by_conversation {
            let stored = stored_client_ids(&db, conversation).await;
            for client_id in acked {
                assert_eq!(
                    stored.get(client_id),
                    Some(&1),
                    "round {round}: acknowledged {client_id} is stored exactly once"
                );
            }
            assert!(
                stored.values().all(|n| *n == 1),
                "round {round}: nothing stored twice"
            );
        }
    }

    // The widgets send everything again (same client ids), as they do for
    // what was never acknowledged: each message ends up stored once.
    let server = ServerProcess::start_with_args(&url, &["--config", &config_arg], &[]);
    for (socket, conversation) in conversations.iter().enumerate() {
        let (ws, _) = tokio_tungstenite::connect_async(server.ws_url())
            .await
            .expect("socket");
        let (mut sink, mut stream) = ws.split();
        let hello = json!({"type":"hello","locale":"en","conversation_id": conversation, "last_seq": i64::MAX});
        sink.send(Message::text(hello.to_string()))
            .await
            .expect("hello");
        let mut expected = HashSet::new();
        for round in 0..KILL_AFTER_MS.len() {
            for i in 0..MESSAGES_PER_SOCKET {
                let client_id = format!("r{round}-s{socket}-{i}");
                let frame = json!({"type":"message","client_id": client_id, "text": format!("Question {i}: what is your return policy?")});
                sink.send(Message::text(frame.to_string()))
                    .await
                    .expect("send");
                expected.insert(client_id);
            }
        }
        let mut echoed = HashSet::new();
        // One deadline for all acknowledgements: the server's pings are
        // frames too, so a timeout per frame would wait forever for an
        // acknowledgement that never comes.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        while echoed.len() < expected.len() {
            let message = tokio::time::timeout_at(deadline, stream.next())
                .await
                .unwrap_or_else(|_| {
                    let missing: Vec<_> = expected.difference(&echoed).take(5).collect();
                    panic!(
                        "socket {socket}: {} of {} messages never acknowledged, e.g. {missing:?}",
                        expected.len() - echoed.len(),
                        expected.len()
                    )
                })
                .expect("open")
                .expect("frame");
            let Message::Text(text) = message else {
                continue;
            };
            let frame: Value = serde_json::from_str(&text).expect("JSON");
            if frame["type"] == "message" && frame["sender"] == "customer" {
                echoed.insert(frame["client_id"].as_str().expect("client id").to_owned());
            }
            assert_ne!(frame["type"], "error", "{frame}");
        }
        assert_eq!(echoed, expected);
    }
    drop(server);
    assert_eq!(integrity(&db).await, "ok");
    for conversation in conversations.iter().flatten() {
        let stored = stored_client_ids(&db, conversation).await;
        assert_eq!(
            stored.len(),
            KILL_AFTER_MS.len() * MESSAGES_PER_SOCKET,
            "every message stored"
        );
        assert!(stored.values().all(|n| *n == 1), "each exactly once");
    }
}
