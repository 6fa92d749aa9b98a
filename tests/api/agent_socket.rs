//! The agent socket: opened with a single-use ticket (never a token in the
//! URL), and each agent sees queue events for all conversations but customer
//! text and typing only for the conversations it holds, audited.

use std::time::Duration;

use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error as WsError;

use crate::helpers::*;

/// `POST` an agent endpoint with the token in the header.
pub async fn agent_post(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

fn agent_ws_url(app: &TestApp, query: &str) -> String {
    format!("ws://127.0.0.1:{}/v1/agent/ws{query}", app.port)
}

/// A ticket for `token`'s agent.
pub async fn ticket(app: &TestApp, token: &str) -> String {
    let (status, body) = agent_post(app, token, "/v1/agent/ws-ticket").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["expires_in"], 30);
    body["ticket"].as_str().expect("ticket").to_owned()
}

/// Opens the agent socket the way the console does: ticket in the URL.
pub async fn agent_socket(app: &TestApp, token: &str) -> Ws {
    let ticket = ticket(app, token).await;
    let url = agent_ws_url(app, &format!("?ticket={ticket}"));
    tokio_tungstenite::connect_async(url)
        .await
        .expect("agent socket opens")
        .0
}

/// The HTTP status an agent socket upgrade was refused with.
async fn refused_status(request: impl IntoClientRequest + Unpin) -> u16 {
    match tokio_tungstenite::connect_async(request).await {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Ok(_) => panic!("the agent socket opened"),
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// A queued conversation of verified customer `customer`; returns the
/// customer's socket and the conversation id.
pub async fn queued_conversation(app: &TestApp, customer: &str) -> (Ws, String) {
    let (mut ws, welcome) = app.hello(app.customer_hello(customer, "en")).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    (ws, id)
}

/// The next agent event (skipping `lagged` notes, which would fail the test
/// anyway by hiding events).
async fn next_event(ws: &mut Ws) -> Value {
    let event = recv(ws).await;
    assert_ne!(event["type"], "lagged", "{event}");
    event
}

async fn agent_views(app: &TestApp, agent_id: &str) -> Vec<(String, String)> {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.db_url)
        .await
        .expect("raw connection");
    sqlx::query_as(
        "SELECT conversation_id, detail FROM audit_events \
         WHERE code = 'agent_viewed_conversation' AND actor = $1 ORDER BY id",
    )
    .bind(format!("agent:{agent_id}"))
    .fetch_all(&mut conn)
    .await
    .expect("audit")
}

#[tokio::test]
async fn each_agent_receives_only_the_text_of_conversations_it_holds() {
    let app = spawn_app().await;
    let (ana_id, ana) = create_agent(&app, "Ana").await;
    let (ben_id, ben) = create_agent(&app, "Ben").await;
    let mut ana_ws = agent_socket(&app, &ana).await;
    let mut ben_ws = agent_socket(&app, &ben).await;

    // Queue events reach every agent, without any customer text.
    let (mut customer, id) = queued_conversation(&app, "c_1").await;
    for ws in [&mut ana_ws, &mut ben_ws] {
        let event = next_event(ws).await;
        assert_eq!(event["type"], "new_handoff");
        assert_eq!(event["conversation_id"], id.as_str());
        let mut keys: Vec<&String> = event.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "conversation_id",
                "out_of_hours",
                "position",
                "reason",
                "type"
            ]
        );
    }
    // While queued, nobody holds it: typing and text go to no agent socket.
    // (Frames of one socket are handled in order, so the acknowledgement of
    // the message also means the typing frame has been handled.)
    send(&mut customer, json!({"type":"typing"})).await;
    send(
        &mut customer,
        json!({"type":"message","client_id":"q","text":"queued secret"}),
    )
    .await;
    recv_until(&mut customer, |f| is_message_from(f, "customer")).await;

    let (status, _) = agent_post(&app, &ana, &format!("/v1/agent/conversations/{id}/claim")).await;
    assert_eq!(status, 200);
    for ws in [&mut ana_ws, &mut ben_ws] {
        let event = next_event(ws).await;
        assert_eq!(
            (event["type"].as_str(), event["agent_id"].as_str()),
            (Some("claimed"), Some(ana_id.as_str())),
            "the queued text and typing were not broadcast: {event}"
        );
    }

    // Held by Ana: her socket gets the text and typing, Ben's does not.
    for (n, text) in ["held secret one", "held secret two"].iter().enumerate() {
        send(
            &mut customer,
            json!({"type":"message","client_id":format!("h{n}"),"text":text}),
        )
        .await;
        let event = next_event(&mut ana_ws).await;
        assert_eq!(event["type"], "customer_message");
        assert_eq!(event["conversation_id"], id.as_str());
        assert_eq!(event["message"]["text"], *text);
    }
    send(&mut customer, json!({"type":"typing"})).await;
    assert_eq!(next_event(&mut ana_ws).await["type"], "customer_typing");

    let (status, _) =
        agent_post(&app, &ana, &format!("/v1/agent/conversations/{id}/release")).await;
    assert_eq!(status, 200);
    assert_eq!(next_event(&mut ana_ws).await["type"], "released");
    let event = next_event(&mut ben_ws).await;
    assert_eq!(
        event["type"], "released",
        "Ben's next event after the claim is the release: {event}"
    );
    assert_silent(&mut ben_ws, Duration::from_millis(200)).await;

    // One audit row for Ana's socket view of the conversation (not one per
    // message), none for Ben.
    let views = agent_views(&app, &ana_id).await;
    assert_eq!(views.len(), 1, "{views:?}");
    assert_eq!(views[0].0, id);
    let detail: Value = serde_json::from_str(&views[0].1).expect("detail");
    assert_eq!(detail, json!({"via":"agent_socket"}));
    assert!(agent_views(&app, &ben_id).await.is_empty());
}

#[tokio::test]
async fn a_conversation_claimed_before_the_socket_opened_is_still_delivered() {
    let app = spawn_app().await;
    let (_, ana) = create_agent(&app, "Ana").await;
    let (_, ben) = create_agent(&app, "Ben").await;
    let (mut customer, id) = queued_conversation(&app, "c_2").await;
    let (status, _) = agent_post(&app, &ana, &format!("/v1/agent/conversations/{id}/claim")).await;
    assert_eq!(status, 200);
    // Both sockets open after the claim: only the store knows the holder.
    let mut ben_ws = agent_socket(&app, &ben).await;
    let mut ana_ws = agent_socket(&app, &ana).await;
    send(
        &mut customer,
        json!({"type":"message","client_id":"late","text":"after reconnect"}),
    )
    .await;
    let event = next_event(&mut ana_ws).await;
    assert_eq!(event["message"]["text"], "after reconnect");
    assert_silent(&mut ben_ws, Duration::from_millis(300)).await;
}

#[tokio::test]
async fn the_agent_socket_opens_with_a_single_use_ticket_or_the_header_never_a_url_token() {
    let app = spawn_app().await;
    let (_, token) = create_agent(&app, "Ana").await;

    let ticket = ticket(&app, &token).await;
    let url = agent_ws_url(&app, &format!("?ticket={ticket}"));
    let (_open, _) = tokio_tungstenite::connect_async(url.clone())
        .await
        .expect("a fresh ticket opens the socket");
    assert_eq!(refused_status(url).await, 401, "a ticket opens one socket");
    assert_eq!(
        refused_status(agent_ws_url(&app, "?ticket=cwt_forged")).await,
        401
    );
    assert_eq!(
        refused_status(agent_ws_url(&app, &format!("?token={token}"))).await,
        401,
        "the token is not taken from the URL"
    );
    assert_eq!(refused_status(agent_ws_url(&app, "")).await, 401);

    // The header still works (clients that can set one).
    super::helpers::agent_socket_at(app.port, &token).await;

    // Tickets are for agents, with their own token in the header.
    let (status, _) = agent_post(&app, &app.admin_token, "/v1/agent/ws-ticket").await;
    assert_eq!(status, 403, "not with the admin token");
    let response = reqwest::Client::new()
        .post(app.url(&format!("/v1/agent/ws-ticket?token={token}")))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 401, "not with a token in the URL");
}
