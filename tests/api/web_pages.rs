//! What the widget and the agent console need from the server beyond the
//! socket and the agent API: the pages themselves, the demo page's signed
//! customers, the agent's typing indicator, and consent in the agent view.
//! (The pages in a real browser: `browser.rs`.)

use std::sync::Arc;

use candor::engine::ScriptedEngine;
use serde_json::{json, Value};

use crate::handoff::{agent_get, agent_post};
use crate::helpers::*;

#[tokio::test]
async fn the_pages_and_scripts_are_served_with_their_types() {
    let app = spawn_app().await;
    for (path, kind) in [
        ("/", "text/html"),
        ("/widget.js", "text/javascript"),
        ("/agent", "text/html"),
        ("/agent.js", "text/javascript"),
    ] {
        let response = reqwest::get(app.url(path)).await.expect("request");
        assert_eq!(response.status(), 200, "{path}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
    }
}

#[tokio::test]
async fn the_demo_page_gets_expiring_signatures_that_verify_as_the_demo_customers() {
    let app = spawn_app().await;
    let body: Value = reqwest::get(app.url("/v1/demo/customers"))
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    let customers = body["customers"].as_array().expect("customers");
    assert_eq!(customers.len(), 4, "{body}");
    let first = &customers[0];
    assert_eq!(first["id"], "c_1");
    assert_eq!(first["name"], "Emma Johnson");
    let hello = json!({"type":"hello","locale":"en","customer":{
        "id": first["id"], "expires": first["expires"], "signature": first["signature"]}});
    let (_ws, welcome) = app.hello(hello).await;
    assert_eq!(welcome["verified"], true, "{welcome}");
    // The privacy menu starts from the consent in force.
    assert!(
        welcome["consent"]["personalization"].is_boolean(),
        "{welcome}"
    );
    assert!(welcome["consent"]["marketing"].is_boolean(), "{welcome}");
    let (_ws, anonymous) = app.hello(json!({"type":"hello","locale":"en"})).await;
    assert!(anonymous.get("consent").is_none(), "{anonymous}");
}

#[test]
fn the_signing_example_in_docs_widget_md_is_what_candor_verifies() {
    let signer = candor::gateway::WidgetSigner::new("s3cret".to_string().into());
    let example = "f7b81bf7c79141ff7000b964ff148fd69590ca8fb1b97094a77b9a582e0da800";
    assert_eq!(signer.sign_expiring("c_1", 1_764_378_000), example);
    let docs = include_str!("../../docs/widget.md");
    assert!(docs.contains(example), "docs/widget.md shows the example");
}

#[tokio::test]
async fn without_demo_the_server_signs_nobody() {
    let dir = tempfile::tempdir().expect("dir");
    let app = candor::startup::Application::build(
        test_settings(&dir),
        candor::startup::BuildOptions {
            engine: Some(Arc::new(ScriptedEngine::echo())),
            load_demo: false,
        },
    )
    .await
    .expect("app builds");
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let response = reqwest::get(format!("http://127.0.0.1:{port}/v1/demo/customers"))
        .await
        .expect("request");
    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn the_customer_sees_the_agent_typing_and_the_agent_view_shows_consent() {
    let app = spawn_app().await;
    let (_, sam) = create_agent(&app, "Sam").await;
    let (_, other) = create_agent(&app, "Ana").await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let typing = format!("/v1/agent/conversations/{id}/typing");
    let (status, _) = agent_post(&app, &sam, &typing, None).await;
    assert_eq!(status, 409, "only the holder may show typing");
    let claim = format!("/v1/agent/conversations/{id}/claim");
    assert_eq!(agent_post(&app, &sam, &claim, None).await.0, 200);
    recv_until(&mut ws, |f| {
        f["type"] == "handoff" && f["state"] == "assigned"
    })
    .await;
    assert_eq!(agent_post(&app, &other, &typing, None).await.0, 409);
    assert_eq!(agent_post(&app, &sam, &typing, None).await.0, 204);
    let frame = recv(&mut ws).await;
    assert_eq!(
        frame,
        json!({"type":"typing","sender":"agent","agent":"Sam"})
    );

    let (status, body) =
        agent_get(&app, Some(&sam), &format!("/v1/agent/conversations/{id}")).await;
    assert_eq!(status, 200);
    let view: Value = serde_json::from_str(&body).expect("json");
    assert!(
        view["customer"]["consent"]["personalization"].is_boolean(),
        "{view}"
    );
    assert!(
        view["customer"]["consent"]["marketing"].is_boolean(),
        "{view}"
    );
}
