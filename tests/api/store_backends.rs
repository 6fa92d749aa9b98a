//! One store story, run on a fresh SQLite file and on a fresh PostgreSQL
//! database (see `postgres_db.rs`: the PostgreSQL run fails when no server
//! answers, and is skipped only out loud).

use std::collections::HashSet;

use candor::domain::{ClientId, ConversationId, CustomerId, Locale, OrderId, Purpose};
use candor::store::{
    AppendOutcome, NewCustomer, NewMessage, NewOrder, OrderItem, Sender, Store, StoreError,
};
use sqlx::Connection;

use crate::postgres_db::ScratchDatabase;

async fn story(store: Store) {
    let customer = CustomerId::parse("c_story").expect("id");
    let mut new_customer = NewCustomer {
        id: customer.clone(),
        name: "Story Person".into(),
        email: Some("story@example.com".into()),
        locale: Locale::It,
        attributes: serde_json::Map::new(),
        personalization: true,
        marketing: false,
    };
    assert!(store
        .upsert_customer(&new_customer, "test")
        .await
        .expect("create"));
    new_customer.marketing = true;
    assert!(!store
        .upsert_customer(&new_customer, "test")
        .await
        .expect("replace"));
    let consents = store.consents(&customer).await.expect("consents");
    assert_eq!(consents.get(&Purpose::Personalization), Some(&true));
    assert_eq!(consents.get(&Purpose::Marketing), Some(&true));

    let order = NewOrder {
        id: OrderId::parse("O-1").expect("id"),
        customer_id: customer.clone(),
        status: "shipped".into(),
        tracking: Some("T-1".into()),
        items: vec![OrderItem {
            name: "Mug".into(),
            qty: 1,
        }],
        total: "9.90".into(),
        placed_at: "2026-11-01T00:00:00Z".into(),
    };
    assert!(store.upsert_order(&order, "test").await.expect("order"));
    let mut stolen = order.clone();
    stolen.customer_id = CustomerId::parse("c_other").expect("id");
    assert!(matches!(
        store.upsert_order(&stolen, "test").await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        store.orders(&customer).await.expect("orders")[0].items,
        order.items
    );

    let conversation = ConversationId::generate();
    store
        .create_conversation(&conversation, Some(&customer), Locale::It)
        .await
        .expect("conversation");

    // Twenty concurrent appends get twenty distinct, gapless seqs.
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (store, conversation) = (store.clone(), conversation.clone());
        tasks.push(tokio::spawn(async move {
            let client_id = ClientId::parse(&format!("k{i}")).expect("id");
            let outcome = store
                .append_message(NewMessage {
                    id: uuid::Uuid::new_v4().to_string(),
                    conversation_id: &conversation,
                    sender: Sender::Customer,
                    text: "concurrent",
                    client_id: Some(&client_id),
                    why: None,
                })
                .await
                .expect("append");
            outcome.message().seq
        }));
    }
    let mut seqs = HashSet::new();
    for task in tasks {
        seqs.insert(task.await.expect("task"));
    }
    assert_eq!(seqs, (1..=20).collect::<HashSet<i64>>());

    // Ten concurrent resends of one client_id store exactly once.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, conversation) = (store.clone(), conversation.clone());
        tasks.push(tokio::spawn(async move {
            let client_id = ClientId::parse("same").expect("id");
            let outcome = store
                .append_message(NewMessage {
                    id: uuid::Uuid::new_v4().to_string(),
                    conversation_id: &conversation,
                    sender: Sender::Customer,
                    text: "once",
                    client_id: Some(&client_id),
                    why: None,
                })
                .await
                .expect("append");
            matches!(outcome, AppendOutcome::Stored(_))
        }));
    }
    let mut stored = 0;
    for task in tasks {
        stored += usize::from(task.await.expect("task"));
    }
    assert_eq!(stored, 1);
    let all = store
        .messages_after(&conversation, 0)
        .await
        .expect("messages");
    assert_eq!(all.len(), 21);
    assert_eq!(
        all.iter().map(|m| m.seq).collect::<Vec<_>>(),
        (1..=21).collect::<Vec<_>>()
    );
    assert_eq!(
        store
            .messages_after(&conversation, 19)
            .await
            .expect("after")
            .len(),
        2
    );
    let recent = store
        .recent_messages(&conversation, 3)
        .await
        .expect("recent");
    assert_eq!(
        recent.iter().map(|m| m.seq).collect::<Vec<_>>(),
        [19, 20, 21]
    );
}

#[tokio::test]
async fn the_store_story_holds_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(&format!(
        "sqlite://{}/nested/store.db",
        dir.path().display()
    ))
    .await
    .expect("connect");
    story(store).await;
}

#[tokio::test]
async fn the_store_story_holds_on_postgres() {
    let Some(db) = ScratchDatabase::create().await else {
        return;
    };
    let store = Store::connect(&db.url).await.expect("connect");
    story(store.clone()).await;
    store.close().await;
    db.drop_now().await;
}

#[tokio::test]
async fn audit_events_are_append_only_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/audit.db", dir.path().display());
    let store = Store::connect(&url).await.expect("connect");
    candor::store::demo::load(&store).await.expect("demo");
    store.close().await;
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("raw connection");
    let count: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_events")
        .fetch_one(&mut conn)
        .await
        .expect("count");
    assert!(count.0 > 0, "the demo load is audited");
    let update = sqlx::query("UPDATE audit_events SET actor = 'someone'")
        .execute(&mut conn)
        .await;
    assert!(update.is_err(), "audit rows cannot be rewritten");
}
