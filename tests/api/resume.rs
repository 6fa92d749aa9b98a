//! Nothing is lost across a dropped connection or a server restart.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn reconnecting_with_last_seq_replays_exactly_the_missed_messages() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
    let conversation = welcome["conversation_id"].clone();
    exchange(&mut ws, "r1", "one").await; // seq 1, 2
    let seen_up_to = 2;
    exchange(&mut ws, "r2", "two").await; // seq 3, 4 (the widget "missed" these)
    drop(ws);

    let (mut ws, welcome) = app
        .hello(json!({"type":"hello","conversation_id":conversation,"last_seq":seen_up_to}))
        .await;
    assert_eq!(welcome["conversation_id"], conversation);
    assert_eq!(welcome["last_seq"], 4);
    let replay = [recv(&mut ws).await, recv(&mut ws).await];
    let seqs: Vec<_> = replay.iter().map(|f| f["seq"].as_i64()).collect();
    assert_eq!(seqs, [Some(3), Some(4)]);
    assert_eq!(replay[0]["text"], "two");
    assert_eq!(replay[1]["sender"], "ai");
    assert_silent(&mut ws, std::time::Duration::from_millis(300)).await;

    // Up to date: nothing replayed, and the next message continues the sequence.
    let (mut ws, _) = app
        .hello(json!({"type":"hello","conversation_id":conversation,"last_seq":4}))
        .await;
    let frames = exchange(&mut ws, "r3", "three").await;
    assert_eq!(frames[0]["seq"], 5);
}

#[tokio::test]
async fn a_verified_customers_conversation_cannot_be_resumed_by_someone_else() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    exchange(&mut ws, "p1", "my private question").await;
    let conversation = welcome["conversation_id"].clone();

    for hello in [
        json!({"type":"hello","conversation_id":conversation,"last_seq":0}),
        json!({"type":"hello","conversation_id":conversation,"last_seq":0,
               "customer":{"id":"c_2","signature":app.signer.sign("c_2")}}),
    ] {
        let (mut other, welcome) = app.hello(hello).await;
        assert_ne!(welcome["conversation_id"], conversation);
        let error = recv(&mut other).await;
        assert_eq!(error["code"], "conversation_not_yours");
        assert_silent(&mut other, std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_conversation_survives_a_server_restart_on_the_same_database() {
    let first = spawn_app().await;
    let (mut ws, welcome) = first.hello(json!({"type":"hello","locale":"de"})).await;
    let conversation = welcome["conversation_id"].clone();
    exchange(&mut ws, "s1", "vor dem Neustart").await;
    drop(ws);
    first.stop().await;
    first.store.close().await;

    let db_url = first.db_url.clone();
    let second = spawn_app_with(
        Some(std::sync::Arc::new(candor::engine::ScriptedEngine::echo())),
        |s| {
            s.database_url = db_url;
        },
    )
    .await;
    let (mut ws, welcome) = second
        .hello(json!({"type":"hello","locale":"de","conversation_id":conversation,"last_seq":0}))
        .await;
    assert_eq!(welcome["conversation_id"], conversation);
    let replay = [recv(&mut ws).await, recv(&mut ws).await];
    assert_eq!(replay[0]["text"], "vor dem Neustart");
    assert_eq!(replay[1]["seq"], 2);
    let frames = exchange(&mut ws, "s2", "nach dem Neustart").await;
    assert_eq!(frames[0]["seq"], 3);
}

#[tokio::test]
async fn a_signed_hello_for_a_customer_the_store_does_not_know_still_gets_a_conversation() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app
        .hello(app.customer_hello("c_not_pushed_yet", "en"))
        .await;
    assert_eq!(welcome["verified"], true);
    let frames = exchange(&mut ws, "u1", "hello").await;
    assert_eq!(frames.last().expect("reply")["sender"], "ai");
    assert_eq!(frames.last().expect("reply")["why"]["purposes"], json!([]));
}
