//! The customer's data rights over HTTP: who may ask, the export, consent
//! changes, the erasure (down to the bytes of the database files) and the
//! retention task. The store-level story on both backends is in `store`.

mod store;

use candor::domain::ConversationId;
use candor::store::{NewMessage, Sender};
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

async fn create_agent(app: &TestApp) -> String {
    let (status, body) = call(
        app,
        Method::POST,
        "/v1/admin/agents",
        Auth::Admin,
        Some(json!({"name":"Sam"})),
    )
    .await;
    assert_eq!(status, 201);
    body["token"].as_str().expect("token").to_owned()
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
    let agent = create_agent(app).await;
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

#[tokio::test]
async fn an_export_holds_everything_stored_about_the_customer_and_nothing_else() {
    let app = spawn_app().await;
    let conversation = a_conversation_with_a_handoff(&app, "c_1").await;
    let id = ConversationId::parse(&conversation).expect("id");
    let why = json!({"purposes":["support"],"records":["order:A1001"]});
    app.store
        .append_message(NewMessage {
            id: uuid::Uuid::new_v4().to_string(),
            conversation_id: &id,
            sender: Sender::Ai,
            text: "Order A1001 shipped.",
            client_id: None,
            why: Some(why.clone()),
        })
        .await
        .expect("an AI message with its why record");
    let (status, _) = call(
        &app,
        Method::PUT,
        &consent_path("c_1"),
        Auth::SignedAs("c_1"),
        Some(json!({"marketing":true})),
    )
    .await;
    assert_eq!(status, 200);
    // Someone else's conversation, signed and anonymous, must not show up.
    let (mut other, _) = app.hello(app.customer_hello("c_2", "es")).await;
    exchange(&mut other, "o1", "¿Dónde está mi pedido B2001?").await;
    let (mut anonymous, _) = app.hello(json!({"type":"hello"})).await;
    exchange(&mut anonymous, "a1", "hello").await;

    let (status, export) = call(
        &app,
        Method::GET,
        &export_path("c_1"),
        Auth::SignedAs("c_1"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["format"], "candor.customer_export.v1");
    let profile = &export["customer"];
    assert_eq!(profile["id"], "c_1");
    assert_eq!(profile["name"], "Emma Johnson");
    assert_eq!(profile["email"], "emma.johnson@example.com");
    assert_eq!(profile["attributes"]["phone"], "+1 555 0101");
    assert_eq!(
        profile["attributes"]["date_of_birth"], "1988-04-12",
        "the customer sees every attribute held, protected ones too"
    );
    let orders: Vec<&str> = export["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["id"].as_str().expect("order id"))
        .collect();
    assert_eq!(orders, ["A1002", "A1001"]);

    let consents = export["consents"].as_array().expect("consents");
    let stored = count(
        &app,
        "SELECT COUNT(*) FROM consents WHERE customer_id = $1",
        "c_1",
    )
    .await;
    assert_eq!(consents.len() as i64, stored, "every row of the history");
    let last = consents.last().expect("a consent row");
    assert_eq!(
        (&last["purpose"], &last["granted"], &last["source"]),
        (&json!("marketing"), &json!(true), &json!("privacy_api"))
    );

    let conversations = export["conversations"].as_array().expect("conversations");
    assert_eq!(conversations.len(), 1, "only c_1's own conversation");
    let exported = &conversations[0];
    assert_eq!(exported["id"], conversation.as_str());
    let messages = exported["messages"].as_array().expect("messages");
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(messages.len(), stored.len());
    for (m, s) in messages.iter().zip(&stored) {
        assert_eq!(
            (&m["id"], &m["seq"], &m["text"]),
            (&json!(s.id), &json!(s.seq), &json!(s.text))
        );
    }
    assert!(messages.iter().any(|m| m["sender"] == "agent"));
    assert_eq!(messages.last().expect("last")["why"], why);
    let events: Vec<&str> = exported["handoff_events"]
        .as_array()
        .expect("handoff events")
        .iter()
        .map(|e| e["event"].as_str().expect("event"))
        .collect();
    assert_eq!(events, ["requested", "queued", "claimed", "released"]);

    let audit = export["audit_events"].as_array().expect("audit");
    let stored = count(
        &app,
        "SELECT COUNT(*) FROM audit_events WHERE customer_id = $1",
        "c_1",
    )
    .await;
    assert_eq!(audit.len() as i64, stored, "every audit entry about c_1");
    for code in [
        "customer_upserted",
        "order_upserted",
        "consent_changed",
        "conversation_started",
        "agent_viewed_conversation",
        "customer_exported",
    ] {
        assert!(
            audit.iter().any(|a| a["code"] == code),
            "{code} in {audit:?}"
        );
    }

    let text = export.to_string();
    for foreign in [
        "Lucía",
        "lucia.garcia",
        "B2001",
        "Dónde",
        "Jean Dupont",
        "anna.schmidt",
    ] {
        assert!(
            !text.contains(foreign),
            "{foreign} leaked into c_1's export"
        );
    }
    let (status, _) = call(&app, Method::GET, &export_path("c_1"), Auth::Admin, None).await;
    assert_eq!(status, 200);
    assert_eq!(
        audit_actors(&app, "customer_exported", "c_1").await,
        ["customer", "admin"]
    );
}

#[tokio::test]
async fn only_the_admin_or_the_customer_themselves_may_exercise_the_rights() {
    let app = spawn_app().await;
    let agent = create_agent(&app).await;
    let consents_before = count(
        &app,
        "SELECT COUNT(*) FROM consents WHERE customer_id = $1",
        "c_1",
    )
    .await;
    let endpoints = [
        (Method::GET, export_path("c_1"), None),
        (
            Method::PUT,
            consent_path("c_1"),
            Some(json!({"marketing":true})),
        ),
        (Method::DELETE, customer_path("c_1"), None),
    ];
    let refusals = [
        (Auth::Nobody, 401, "unauthorized"),
        (Auth::Bearer("not-the-admin-token"), 401, "unauthorized"),
        (Auth::Bearer(&agent), 401, "unauthorized"),
        (Auth::SignedAs("c_2"), 403, "forbidden"),
        (Auth::RawSignature("zz"), 403, "forbidden"),
        (Auth::RawSignature(""), 403, "forbidden"),
    ];
    for (method, path, body) in &endpoints {
        for (auth, status, code) in refusals {
            let (got, reply) = call(&app, method.clone(), path, auth, body.clone()).await;
            assert_eq!(
                (got, &reply["code"]),
                (status, &json!(code)),
                "{method} {path} {auth:?}"
            );
            let keys: Vec<&String> = reply.as_object().expect("JSON error").keys().collect();
            assert_eq!(keys, ["code", "message"], "no data in a refusal: {reply}");
        }
    }
    let c_1 = candor::domain::CustomerId::parse("c_1").expect("id");
    assert!(
        app.store.customer(&c_1).await.expect("query").is_some(),
        "not erased"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM consents WHERE customer_id = $1",
            "c_1"
        )
        .await,
        consents_before,
        "no consent recorded"
    );
    assert!(audit_actors(&app, "customer_exported", "c_1")
        .await
        .is_empty());

    // The customer's own signature (either hex case) and the admin token work.
    let upper = app.signer.sign("c_1").to_uppercase();
    for auth in [
        Auth::SignedAs("c_1"),
        Auth::RawSignature(&upper),
        Auth::Admin,
    ] {
        let (status, _) = call(&app, Method::GET, &export_path("c_1"), auth, None).await;
        assert_eq!(status, 200, "{auth:?}");
    }
    // Unknown customers are 404 for whoever may ask about them.
    for auth in [Auth::Admin, Auth::SignedAs("c_99")] {
        for (method, path, body) in [
            (Method::GET, export_path("c_99"), None),
            (
                Method::PUT,
                consent_path("c_99"),
                Some(json!({"marketing":true})),
            ),
            (Method::DELETE, customer_path("c_99"), None),
        ] {
            let (status, reply) = call(&app, method.clone(), &path, auth, body).await;
            assert_eq!(
                (status, &reply["code"]),
                (404, &json!("not_found")),
                "{method} {path}"
            );
        }
    }
    let (status, reply) = call(
        &app,
        Method::GET,
        &export_path("bad%20id"),
        Auth::Admin,
        None,
    )
    .await;
    assert_eq!(
        (status, &reply["code"]),
        (400, &json!("invalid_customer_id"))
    );
}

#[tokio::test]
async fn consent_changes_are_appended_only_when_they_change_something() {
    let app = spawn_app().await;
    let history = || {
        count(
            &app,
            "SELECT COUNT(*) FROM consents WHERE customer_id = $1",
            "c_1",
        )
    };
    let audited = || {
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE code = 'consent_changed' AND customer_id = $1",
            "c_1",
        )
    };
    let (rows, audits) = (history().await, audited().await);
    let path = consent_path("c_1");
    let put = |auth, body| call(&app, Method::PUT, &path, auth, Some(body));

    let (status, reply) = put(Auth::SignedAs("c_1"), json!({"marketing":true})).await;
    assert_eq!(status, 200);
    assert_eq!(
        reply["consent"],
        json!({"personalization":true,"marketing":true})
    );
    assert_eq!(reply["changed"], json!(["marketing"]));
    assert_eq!((history().await, audited().await), (rows + 1, audits + 1));

    // The same again, and an empty body: nothing new is recorded.
    for body in [json!({"marketing":true,"personalization":true}), json!({})] {
        let (status, reply) = put(Auth::SignedAs("c_1"), body).await;
        assert_eq!((status, &reply["changed"]), (200, &json!([])));
    }
    assert_eq!((history().await, audited().await), (rows + 1, audits + 1));

    let (status, reply) = put(
        Auth::Admin,
        json!({"personalization":false,"marketing":false}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(reply["changed"], json!(["personalization", "marketing"]));
    assert_eq!((history().await, audited().await), (rows + 3, audits + 3));
    let c_1 = candor::domain::CustomerId::parse("c_1").expect("id");
    let now = app.store.consents(&c_1).await.expect("consents");
    assert_eq!(
        now.get(&candor::domain::Purpose::Personalization),
        Some(&false)
    );
    let mut conn = raw(&app).await;
    let sources: Vec<(String,)> = sqlx::query_as(
        "SELECT source FROM consents WHERE customer_id = 'c_1' ORDER BY id DESC LIMIT 3",
    )
    .fetch_all(&mut conn)
    .await
    .expect("sources");
    assert!(sources.iter().all(|(s,)| s == "privacy_api"), "{sources:?}");

    let (status, reply) = put(Auth::Admin, json!({"marketing":"yes"})).await;
    assert_eq!((status, &reply["code"]), (400, &json!("invalid_body")));
    let (status, _) = put(Auth::Admin, json!({"newsletter":true})).await;
    assert_eq!(status, 400);
}

/// Every byte of the SQLite database files.
fn database_files(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let path = app.db_url.trim_start_matches("sqlite://").to_owned();
    ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| format!("{path}{suffix}"))
        .filter_map(|file| std::fs::read(&file).ok().map(|bytes| (file, bytes)))
        .collect()
}

fn files_holding(app: &TestApp, needle: &str) -> Vec<String> {
    database_files(app)
        .into_iter()
        .filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
        .map(|(file, _)| file)
        .collect()
}

#[tokio::test]
async fn an_erasure_leaves_no_trace_of_the_customer_in_the_database_files() {
    let app = spawn_app().await;
    let canary = format!("Canary{}", uuid::Uuid::new_v4().simple());
    let customer = "c_canary";
    let (status, _) = call(
        &app,
        Method::PUT,
        "/v1/admin/customers/c_canary",
        Auth::Admin,
        Some(
            json!({"name": format!("Ada {canary}"), "email": format!("{canary}@example.com"),
                    "attributes": {"note": canary}, "consent": {"personalization": true}}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = call(
        &app,
        Method::PUT,
        "/v1/admin/customers/c_canary/orders/Z9",
        Auth::Admin,
        Some(
            json!({"status":"shipped","tracking":canary,"items":[{"name":"Mug","qty":1}],
                    "total":"5.00","placed_at":"2026-11-01T00:00:00Z"}),
        ),
    )
    .await;
    assert_eq!(status, 201);
    let conversation = a_conversation_with_a_handoff(&app, customer).await;
    let (mut ws, _) = app
        .hello(
            json!({"type":"hello","customer":{"id":customer,"signature":app.signer.sign(customer)},
                      "conversation_id": conversation}),
        )
        .await;
    exchange(&mut ws, "c1", &format!("My code word is {canary}")).await;
    ws.close(None).await.expect("close");

    // Before: the canary is on disk, and no audit entry holds it.
    app.store.checkpoint().await.expect("checkpoint");
    assert!(
        !files_holding(&app, &canary).is_empty(),
        "the scan can see stored data"
    );
    let mut conn = raw(&app).await;
    let details: Vec<(String,)> = sqlx::query_as("SELECT detail FROM audit_events")
        .fetch_all(&mut conn)
        .await
        .expect("details");
    conn.close().await.expect("close");
    assert!(
        details.iter().all(|(d,)| !d.contains(&canary)),
        "audit details hold ids only"
    );

    let (status, reply) = call(
        &app,
        Method::DELETE,
        &customer_path(customer),
        Auth::SignedAs(customer),
        None,
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["erased"], true);
    assert_eq!(reply["deleted"]["orders"], 1);
    assert_eq!(reply["deleted"]["conversations"], 1);

    let leftovers = files_holding(&app, &canary);
    assert!(leftovers.is_empty(), "the canary survived in {leftovers:?}");
    for (table, column) in [
        ("customers", "id"),
        ("orders", "customer_id"),
        ("consents", "customer_id"),
        ("conversations", "customer_id"),
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE {column} = $1");
        assert_eq!(count(&app, &sql, customer).await, 0, "{table}");
    }
    for table in ["messages", "handoff_events"] {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE conversation_id = $1");
        assert_eq!(count(&app, &sql, &conversation).await, 0, "{table}");
    }
    // Accountability stays, without the erased data: the id, who, counts.
    assert_eq!(
        audit_actors(&app, "customer_erased", customer).await,
        ["customer"]
    );
    let (status, _) = call(
        &app,
        Method::DELETE,
        &customer_path(customer),
        Auth::Admin,
        None,
    )
    .await;
    assert_eq!(status, 404, "already erased");
    let (status, _) = call(&app, Method::GET, &export_path(customer), Auth::Admin, None).await;
    assert_eq!(status, 404);
    let c_1 = candor::domain::CustomerId::parse("c_1").expect("id");
    assert!(
        app.store.customer(&c_1).await.expect("query").is_some(),
        "others untouched"
    );
}

#[tokio::test]
async fn the_retention_task_purges_idle_conversations_at_start_unless_retention_is_off() {
    let now = candor::store::now_ms();
    let mut kept = Vec::new();
    for (retention_days, purged) in [(30, true), (0, false), (365, false)] {
        let dir = tempfile::tempdir().expect("dir");
        let url = format!("sqlite://{}/retention.db", dir.path().display());
        let store = candor::store::Store::connect(&url).await.expect("connect");
        let id = ConversationId::generate();
        store
            .create_conversation(&id, None, candor::domain::Locale::En)
            .await
            .expect("conversation");
        store.close().await;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("raw");
        sqlx::query("UPDATE conversations SET updated_at = $1")
            .bind(now - 40 * 86_400_000)
            .execute(&mut conn)
            .await
            .expect("age it");
        conn.close().await.expect("close");

        let app = spawn_app_with(
            Some(std::sync::Arc::new(candor::engine::ScriptedEngine::echo())),
            |s| {
                s.database_url = url.clone();
                s.privacy.retention_days = retention_days;
            },
        )
        .await;
        // The task runs at start: wait for the purge, or give it time not to happen.
        let mut gone = false;
        for _ in 0..if purged { 50 } else { 5 } {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            gone = app.store.conversation(&id).await.expect("query").is_none();
            if gone {
                break;
            }
        }
        assert_eq!(gone, purged, "retention_days = {retention_days}");
        let audited = count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE code = $1",
            "retention_purged",
        )
        .await;
        assert_eq!(audited, i64::from(purged));
        app.stop().await;
        kept.push(dir);
    }
}
