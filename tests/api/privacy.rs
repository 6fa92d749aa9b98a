//! The customer's data rights: who may ask, the export and consent changes
//! (`access`), the erasure down to the bytes of the database files and the
//! retention task (`erasure`), and the store-level story on both backends
//! (`store`). Shared helpers live here.

mod access;
mod erasure;
mod signatures;
mod store;

use reqwest::Method;
use serde_json::{json, Value};
use sqlx::Connection;

use crate::helpers::*;

/// How a request proves who it is.
#[derive(Clone, Copy, Debug)]
enum Auth<'a> {
    Nobody,
    Admin,
    Bearer(&'a str),
    /// The widget signature of this customer id.
    SignedAs(&'a str),
    RawSignature(&'a str),
    /// The expiring widget signature of this customer id, until these Unix seconds.
    SignedUntil(&'a str, i64),
    /// Raw `X-Candor-Signature` and `X-Candor-Expires` headers.
    RawExpiring(&'a str, &'a str),
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Auth<'_>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    request = match auth {
        Auth::Nobody => request,
        Auth::Admin => request.bearer_auth(&app.admin_token),
        Auth::Bearer(token) => request.bearer_auth(token),
        Auth::SignedAs(id) => request.header("X-Candor-Signature", app.signer.sign(id)),
        Auth::RawSignature(raw) => request.header("X-Candor-Signature", raw),
        Auth::SignedUntil(id, expires) => request
            .header("X-Candor-Signature", app.signer.sign_expiring(id, expires))
            .header("X-Candor-Expires", expires.to_string()),
        Auth::RawExpiring(signature, expires) => request
            .header("X-Candor-Signature", signature)
            .header("X-Candor-Expires", expires),
    };
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// A raw read-only connection to the app's SQLite file.
async fn raw(app: &TestApp) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&app.db_url)
        .await
        .expect("raw connection")
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    let mut conn = raw(app).await;
    let (n,): (i64,) = sqlx::query_as(sql)
        .bind(bind)
        .fetch_one(&mut conn)
        .await
        .expect("count");
    n
}

async fn audit_actors(app: &TestApp, code: &str, customer: &str) -> Vec<String> {
    let mut conn = raw(app).await;
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT actor FROM audit_events WHERE code = $1 AND customer_id = $2 ORDER BY id",
    )
    .bind(code)
    .bind(customer)
    .fetch_all(&mut conn)
    .await
    .expect("audit");
    rows.into_iter().map(|(a,)| a).collect()
}

fn export_path(id: &str) -> String {
    format!("/v1/privacy/customers/{id}/export")
}

fn consent_path(id: &str) -> String {
    format!("/v1/privacy/customers/{id}/consent")
}

fn customer_path(id: &str) -> String {
    format!("/v1/privacy/customers/{id}")
}

/// c_1 talks to the AI, asks for a human, an agent claims, views, writes
/// and releases. Returns the conversation id.
async fn a_conversation_with_a_handoff(app: &TestApp, customer: &str) -> String {
    let (mut ws, welcome) = app.hello(app.customer_hello(customer, "en")).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    exchange(&mut ws, "m1", "Where is my order A1001?").await;
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let (_, agent) = create_agent(app, "Sam").await;
    let base = format!("/v1/agent/conversations/{conversation}");
    let steps = [
        (Method::POST, format!("{base}/claim"), None, 200),
        (Method::GET, base.clone(), None, 200),
        (
            Method::POST,
            format!("{base}/messages"),
            Some(json!({"text":"Your parcel left our warehouse."})),
            201,
        ),
        (Method::POST, format!("{base}/release"), None, 200),
    ];
    for (method, path, body, expected) in steps {
        let (status, reply) = call(app, method, &path, Auth::Bearer(&agent), body).await;
        assert_eq!(status, expected, "{path}: {reply}");
    }
    recv_until(&mut ws, |f| {
        f["type"] == "handoff" && f["state"] == "returned"
    })
    .await;
    conversation
}
