//! Several Candor instances on one PostgreSQL database: two real `candor
//! serve` processes, a customer on one and an agent on the other, a full
//! handoff live in both directions, then the customer's instance dies and
//! the customer resumes on the other with nothing lost or doubled.

use std::collections::HashSet;
use std::time::Duration;

use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use super::helpers::{recv, recv_until, send, Ws, FRAME_TIMEOUT};
use super::postgres_db::ScratchDatabase;
use super::server_process::{ServerProcess, ADMIN_TOKEN};

async fn post(
    server: &ServerProcess,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(server.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The agent socket of `token` on `server`.
async fn agent_socket(server: &ServerProcess, token: &str) -> Ws {
    super::helpers::agent_socket_at(server.port, token).await
}

/// The next agent-feed event (pings skipped).
async fn agent_event(ws: &mut Ws, done: impl Fn(&Value) -> bool) -> Value {
    // One deadline for the whole wait: keep-alive pings arrive meanwhile.
    let deadline = tokio::time::Instant::now() + FRAME_TIMEOUT;
    loop {
        let next = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("the agent event arrives within the timeout")
            .expect("agent socket open")
            .expect("valid frame");
        if let Message::Text(text) = next {
            let event: Value = serde_json::from_str(&text).expect("JSON");
            if done(&event) {
                return event;
            }
        }
    }
}

#[tokio::test]
async fn a_handoff_runs_live_across_two_instances_and_the_customer_resumes_on_the_survivor() {
    let Some(db) = ScratchDatabase::create().await else {
        return;
    };
    let mut a = ServerProcess::start(&db.url, &[]);
    let b = ServerProcess::start(&db.url, &[]);

    let (status, agent) = post(
        &b,
        ADMIN_TOKEN,
        "/v1/admin/agents",
        Some(json!({"name":"Sam"})),
    )
    .await;
    assert_eq!(status, 201, "{agent}");
    let token = agent["token"].as_str().expect("token").to_owned();
    let mut feed = agent_socket(&b, &token).await;

    // The customer is on A and asks for a person: the agent on B hears of it.
    let (mut customer, welcome) = a.hello(None).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(
        &mut customer,
        json!({"type":"message","client_id":"c1","text":"I want to talk to a human"}),
    )
    .await;
    let queued = recv_until(&mut customer, |f| f["type"] == "handoff").await;
    assert_eq!(queued.last().expect("frame")["state"], "queued");
    let new = agent_event(&mut feed, |e| e["type"] == "new_handoff").await;
    assert_eq!(
        new["conversation_id"],
        id.as_str(),
        "B's agent sees A's handoff"
    );

    // The agent claims on B: the customer on A sees it.
    let (status, _) = post(
        &b,
        &token,
        &format!("/v1/agent/conversations/{id}/claim"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let assigned = recv_until(&mut customer, |f| f["type"] == "handoff").await;
    assert_eq!(assigned.last().expect("frame")["state"], "assigned");
    assert_eq!(assigned.last().expect("frame")["agent"], "Sam");

    // Messages both ways, live.
    let (status, _) = post(
        &b,
        &token,
        &format!("/v1/agent/conversations/{id}/messages"),
        Some(json!({"text":"Hi, Sam here. What can I do?"})),
    )
    .await;
    assert_eq!(status, 201);
    let frames = recv_until(&mut customer, |f| f["sender"] == "agent").await;
    assert_eq!(
        frames.last().expect("frame")["text"],
        "Hi, Sam here. What can I do?"
    );
    let mut seen: Vec<i64> = queued
        .iter()
        .chain(&assigned)
        .chain(&frames)
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].as_i64().expect("seq"))
        .collect();

    send(
        &mut customer,
        json!({"type":"message","client_id":"c2","text":"My parcel arrived damaged"}),
    )
    .await;
    let echo = recv_until(&mut customer, |f| f["client_id"] == "c2").await;
    seen.extend(
        echo.iter()
            .filter(|f| f["type"] == "message")
            .map(|f| f["seq"].as_i64().expect("seq")),
    );
    let heard = agent_event(&mut feed, |e| e["type"] == "customer_message").await;
    assert_eq!(
        heard["message"]["text"], "My parcel arrived damaged",
        "B's agent reads A's customer live"
    );

    // A dies. The agent goes on writing on B meanwhile.
    a.kill();
    for text in ["Sorry to hear that.", "I've sent a replacement."] {
        let (status, _) = post(
            &b,
            &token,
            &format!("/v1/agent/conversations/{id}/messages"),
            Some(json!({"text": text})),
        )
        .await;
        assert_eq!(status, 201);
    }

    // The customer's widget reconnects (the balancer now sends it to B).
    let last_seq = *seen.iter().max().expect("some messages");
    let (mut customer, welcome) = b.hello(Some((&id, last_seq))).await;
    assert_eq!(
        welcome["conversation_id"],
        id.as_str(),
        "resumed, not restarted"
    );
    let replay = recv_until(&mut customer, |f| f["text"] == "I've sent a replacement.").await;
    let replayed: Vec<i64> = replay
        .iter()
        .filter(|f| f["type"] == "message")
        .map(|f| f["seq"].as_i64().expect("seq"))
        .collect();
    assert!(
        replayed.iter().all(|seq| *seq > last_seq),
        "nothing the widget had is sent again: {replayed:?} after {last_seq}"
    );
    let mut all: Vec<i64> = seen.iter().chain(&replayed).copied().collect();
    let unique: HashSet<i64> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "no message twice: {all:?}");
    all.sort_unstable();
    assert_eq!(
        all,
        (1..=*all.last().expect("messages")).collect::<Vec<_>>(),
        "no message missing"
    );

    // And the conversation goes on live on B.
    send(
        &mut customer,
        json!({"type":"message","client_id":"c3","text":"Thank you!"}),
    )
    .await;
    let frame = recv(&mut customer).await;
    assert_eq!(
        (frame["sender"].as_str(), frame["client_id"].as_str()),
        (Some("customer"), Some("c3"))
    );
    let heard = agent_event(&mut feed, |e| e["type"] == "customer_message").await;
    assert_eq!(heard["message"]["text"], "Thank you!");
    let _ = tokio::time::timeout(Duration::from_secs(1), customer.close(None)).await;
}
