//! Erasure down to the bytes of the SQLite files, and the retention task.

use candor::domain::ConversationId;
use reqwest::Method;
use serde_json::json;
use sqlx::Connection;

use super::*;
use crate::helpers::*;

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
