//! The customer socket's happy paths, with the scripted engine (fast,
//! deterministic). The real model is exercised in `real_model.rs`.

use std::sync::Arc;
use std::time::Duration;

use candor::domain::Locale;
use candor::engine::ScriptedEngine;
use candor::guard::Notices;
use serde_json::json;
use sqlx::Connection;

use crate::helpers::*;
use crate::postgres_db::ScratchDatabase;

#[tokio::test]
async fn every_connection_starts_with_the_ai_disclosure_in_the_visitors_language() {
    let app = spawn_app().await;
    let notices = Notices::builtin().expect("texts");
    for locale in Locale::ALL {
        let (_ws, welcome) = app
            .hello(json!({"type":"hello","locale":locale.code()}))
            .await;
        assert_eq!(welcome["ai"], true);
        assert_eq!(welcome["state"], "bot");
        assert_eq!(welcome["locale"], locale.code());
        assert_eq!(
            welcome["disclosure"],
            notices.get(locale).disclosure.as_str()
        );
        assert!(!welcome["conversation_id"].as_str().unwrap_or("").is_empty());
    }
    let (_ws, welcome) = app.hello(json!({"type":"hello","locale":"es-MX"})).await;
    assert_eq!(
        welcome["disclosure"],
        notices.get(Locale::Es).disclosure.as_str()
    );
    let (_ws, welcome) = app.hello(json!({"type":"hello"})).await;
    assert_eq!(
        welcome["disclosure"],
        notices.get(Locale::En).disclosure.as_str()
    );
}

#[tokio::test]
async fn a_message_is_acknowledged_after_it_is_stored_then_answered_by_the_ai() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(
        &mut ws,
        json!({"type":"message","client_id":"m1","text":"Hello there!"}),
    )
    .await;
    let ack = recv(&mut ws).await;
    assert_eq!(ack["type"], "message");
    assert_eq!(ack["sender"], "customer");
    assert_eq!(ack["seq"], 1);
    assert_eq!(ack["client_id"], "m1");
    assert_eq!(ack["text"], "Hello there!");
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.first().map(|m| m.id.as_str()), ack["id"].as_str());

    let frames = recv_until(&mut ws, |f| is_message_from(f, "ai")).await;
    let reply = frames.last().expect("reply");
    let deltas: String = frames
        .iter()
        .filter(|f| f["type"] == "delta")
        .inspect(|f| assert_eq!(f["id"], reply["id"], "deltas carry the reply's id"))
        .map(|f| f["text"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(reply["text"], "You said: Hello there!");
    assert_eq!(reply["text"].as_str(), Some(deltas.as_str()));
    assert_eq!(reply["seq"], 2);
    assert_eq!(stored_messages(&app, &conversation).await.len(), 2);
}

/// The order "store, then acknowledge", observed while it happens: a second
/// connection holds SQLite's write lock, so the message cannot be stored;
/// no acknowledgement may arrive until the lock is released.
#[tokio::test]
async fn no_acknowledgement_while_the_database_cannot_take_the_message() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    let mut blocker = sqlx::SqliteConnection::connect(&app.db_url)
        .await
        .expect("second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .expect("take the write lock");
    send(
        &mut ws,
        json!({"type":"message","client_id":"w1","text":"Where is my parcel?"}),
    )
    .await;
    assert_silent(&mut ws, Duration::from_millis(1500)).await;
    sqlx::query("COMMIT")
        .execute(&mut blocker)
        .await
        .expect("release");
    let ack = recv(&mut ws).await;
    assert_eq!(
        (&ack["type"], &ack["client_id"]),
        (&json!("message"), &json!("w1"))
    );
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.first().map(|m| m.id.as_str()), ack["id"].as_str());
}

/// The acknowledgement waits for the commit itself, not just the insert: on
/// PostgreSQL a deferred trigger makes every commit of a message take
/// `SLOW_COMMIT`, and at the moment the acknowledgement arrives a second
/// connection must already see the row.
#[tokio::test]
async fn the_acknowledgement_waits_for_the_commit_on_postgres() {
    const SLOW_COMMIT: Duration = Duration::from_millis(1500);
    let Some(db) = ScratchDatabase::create().await else {
        return;
    };
    let url = db.url.clone();
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), move |s| {
        s.database_url = url;
    })
    .await;
    let mut watcher = sqlx::PgConnection::connect(&db.url)
        .await
        .expect("second connection");
    sqlx::raw_sql(&format!(
        "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN PERFORM pg_sleep({}); RETURN NULL; END $$; \
         CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT ON messages \
         DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();",
        SLOW_COMMIT.as_secs_f64()
    ))
    .execute(&mut watcher)
    .await
    .expect("slow commits");
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let sent = std::time::Instant::now();
    send(
        &mut ws,
        json!({"type":"message","client_id":"p1","text":"Where is my parcel?"}),
    )
    .await;
    let ack = recv(&mut ws).await;
    let waited = sent.elapsed();
    let (visible,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM messages WHERE id = $1")
        .bind(ack["id"].as_str().expect("id"))
        .fetch_one(&mut watcher)
        .await
        .expect("count");
    assert_eq!(
        (ack["type"].as_str(), visible),
        (Some("message"), 1),
        "acknowledged after {waited:?}, before the commit: {ack}"
    );
    assert!(
        waited >= SLOW_COMMIT,
        "the slow commit was waited for: {waited:?}"
    );
    watcher.close().await.expect("close");
    app.stop().await;
    app.store.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn resending_the_same_client_id_stores_once_and_answers_once() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    let first = exchange(&mut ws, "same-id", "hello there").await;
    send(
        &mut ws,
        json!({"type":"message","client_id":"same-id","text":"hello there"}),
    )
    .await;
    let again = recv(&mut ws).await;
    assert_eq!(again["type"], "message");
    assert_eq!(
        again["id"], first[0]["id"],
        "the original message is acknowledged again"
    );
    assert_eq!(again["seq"], 1);
    assert_silent(&mut ws, Duration::from_millis(500)).await;
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(
        stored
            .iter()
            .filter(|m| m.client_id.as_deref() == Some("same-id"))
            .count(),
        1
    );
    assert_eq!(stored.len(), 2, "one customer message and one reply");
}

#[tokio::test]
async fn a_valid_signature_verifies_the_customer_and_a_bad_one_leaves_the_visitor_anonymous() {
    let app = spawn_app().await;
    let (_ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    assert_eq!(welcome["verified"], true);

    let forged = json!({"type":"hello","customer":{"id":"c_1","signature":app.signer.sign("c_2")}});
    let (mut ws, welcome) = app.hello(forged).await;
    assert_eq!(welcome["verified"], false);
    let error = recv(&mut ws).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["code"], "invalid_signature");
    let id =
        candor::domain::ConversationId::parse(welcome["conversation_id"].as_str().expect("id"))
            .expect("valid");
    let record = app
        .store
        .conversation(&id)
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(record.customer_id, None, "never continues as that customer");
}

#[tokio::test]
async fn an_overloaded_engine_gets_an_honest_notice_instead_of_silence() {
    let engine = ScriptedEngine::echo();
    engine.set_busy(true);
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"fr"})).await;
    let frames = exchange(&mut ws, "b1", "Bonjour").await;
    let notice = frames.last().expect("notice");
    assert_eq!(notice["sender"], "system");
    let texts = Notices::builtin().expect("texts");
    assert_eq!(notice["text"], texts.get(Locale::Fr).busy.as_str());
}

#[tokio::test]
async fn every_socket_on_a_conversation_sees_its_messages() {
    let app = spawn_app().await;
    let (mut first, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].clone();
    let (mut second, _) = app
        .hello(json!({"type":"hello","conversation_id":conversation,"last_seq":0}))
        .await;
    exchange(&mut first, "t1", "from tab one").await;
    let seen = recv_until(&mut second, |f| is_message_from(f, "ai")).await;
    assert!(seen.iter().any(|f| f["text"] == "from tab one"));
}

#[tokio::test]
async fn healthz_reports_the_database_and_model() {
    let app = spawn_app().await;
    let body: serde_json::Value = reqwest::get(app.url("/healthz"))
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], true);
    assert_eq!(body["model"], "scripted test engine");
}

#[tokio::test]
async fn the_first_delta_says_how_long_the_output_guard_held_the_reply_back() {
    let engine = ScriptedEngine::new(|_| {
        // No value in it, so the fact check keeps every sentence.
        "Our teas make lovely presents. A tin of green tea is a classic. Anything else?".into()
    });
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    let frames = exchange(&mut ws, "q1", "Can you recommend a gift?").await;
    let deltas: Vec<_> = frames.iter().filter(|f| f["type"] == "delta").collect();
    assert!(deltas.len() > 1, "{frames:?}");
    assert!(
        deltas[0]["held_ms"].is_u64(),
        "the first delta carries held_ms: {}",
        deltas[0]
    );
    assert!(
        deltas[1..].iter().all(|d| d.get("held_ms").is_none()),
        "only the first one does: {deltas:?}"
    );
}
