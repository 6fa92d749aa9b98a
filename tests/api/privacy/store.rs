//! The data-rights store methods as one story, run on a fresh SQLite file
//! always and on a fresh PostgreSQL database when `CANDOR_TEST_POSTGRES_URL`
//! is set (CI sets it): consent changes, export, erasure and retention.

use candor::domain::{ConversationId, CustomerId, Locale, OrderId, Purpose};
use candor::privacy::{self, Requester};
use candor::store::{
    now_ms, ErasureCounts, NewCustomer, NewMessage, NewOrder, OrderItem, Sender, Store, StoreError,
};
use sqlx::Connection;

use crate::postgres_db::ScratchDatabase;

const DAY_MS: i64 = 86_400_000;

async fn customer(store: &Store, id: &str, canary: &str) -> CustomerId {
    let id = CustomerId::parse(id).expect("id");
    let mut attributes = serde_json::Map::new();
    attributes.insert("note".into(), serde_json::json!(canary));
    let new = NewCustomer {
        id: id.clone(),
        name: format!("Ada {canary}"),
        email: Some(format!("{canary}@example.com")),
        locale: Locale::En,
        attributes,
        personalization: true,
        marketing: false,
    };
    store
        .upsert_customer(&new, "admin")
        .await
        .expect("customer");
    let order = NewOrder {
        id: OrderId::parse(&format!("O-{}", id.as_str())).expect("order id"),
        customer_id: id.clone(),
        status: "shipped".into(),
        tracking: Some(canary.into()),
        items: vec![OrderItem {
            name: "Mug".into(),
            qty: 1,
        }],
        total: "9.90".into(),
        placed_at: "2026-11-01T00:00:00Z".into(),
    };
    store.upsert_order(&order, "admin").await.expect("order");
    id
}

async fn message(store: &Store, conversation: &ConversationId, sender: Sender, text: &str) {
    let why = (sender == Sender::Ai).then(|| serde_json::json!({"purposes":["support"]}));
    store
        .append_message(NewMessage {
            id: uuid::Uuid::new_v4().to_string(),
            conversation_id: conversation,
            sender,
            text,
            client_id: None,
            why,
        })
        .await
        .expect("message");
}

async fn conversation(store: &Store, owner: Option<&CustomerId>, text: &str) -> ConversationId {
    let id = ConversationId::generate();
    store
        .create_conversation(&id, owner, Locale::En)
        .await
        .expect("conversation");
    message(store, &id, Sender::Customer, text).await;
    message(store, &id, Sender::Ai, "Your order shipped.").await;
    id
}

/// Audit rows (code, actor, detail) about `customer`, read around the store.
async fn audit_rows(url: &str, customer: &str) -> Vec<(String, String, String)> {
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("raw");
    sqlx::query_as(
        "SELECT code, actor, detail FROM audit_events WHERE customer_id = $1 ORDER BY id",
    )
    .bind(customer)
    .fetch_all(&mut conn)
    .await
    .expect("audit rows")
}

async fn story(store: Store, url: &str) {
    let canary = format!("Canary{}", uuid::Uuid::new_v4().simple());
    let ada = customer(&store, "c_ada", &canary).await;
    let other = customer(&store, "c_other", "someone else").await;

    // Consent: appended only on change, never for support, never for strangers.
    assert!(store
        .set_consent(&ada, Purpose::Marketing, true, "privacy_api")
        .await
        .expect("change"));
    assert!(!store
        .set_consent(&ada, Purpose::Marketing, true, "privacy_api")
        .await
        .expect("no change"));
    assert!(matches!(
        store
            .set_consent(&ada, Purpose::Support, false, "privacy_api")
            .await,
        Err(StoreError::Conflict(_))
    ));
    let stranger = CustomerId::parse("c_nobody").expect("id");
    assert!(matches!(
        store
            .set_consent(&stranger, Purpose::Marketing, true, "privacy_api")
            .await,
        Err(StoreError::NotFound(_))
    ));

    // Ten concurrent withdrawals record exactly one change.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let (store, ada) = (store.clone(), ada.clone());
        tasks.push(tokio::spawn(async move {
            store
                .set_consent(&ada, Purpose::Personalization, false, "widget")
                .await
                .expect("concurrent change")
        }));
    }
    let mut changed = 0;
    for task in tasks {
        changed += usize::from(task.await.expect("task"));
    }
    assert_eq!(changed, 1, "one append however many ask at once");

    let talk = conversation(&store, Some(&ada), &format!("I am {canary}")).await;
    store
        .create_agent("agent_pat", "Pat", "hash-of-pat")
        .await
        .expect("agent");
    assert!(store.enqueue(&talk, "button").await.expect("enqueue"));
    assert!(store.claim(&talk, "agent_pat").await.expect("claim"));
    assert!(store.release(&talk, "agent_pat").await.expect("release"));
    let others = conversation(&store, Some(&other), "not Ada").await;
    let anonymous = conversation(&store, None, "anonymous").await;

    // Export: everything, with its own audit entry, and nobody else's data.
    let data = store
        .customer_data(&ada, "admin")
        .await
        .expect("export")
        .expect("ada is stored");
    assert_eq!(
        data.customer.email.as_deref(),
        Some(format!("{canary}@example.com").as_str())
    );
    assert_eq!(data.customer.attributes["note"], canary.as_str());
    assert_eq!(data.orders.len(), 1);
    let consents: Vec<(&str, bool, &str)> = data
        .consents
        .iter()
        .map(|c| (c.purpose.as_str(), c.granted, c.source.as_str()))
        .collect();
    assert_eq!(
        consents,
        [
            ("personalization", true, "admin"),
            ("marketing", false, "admin"),
            ("marketing", true, "privacy_api"),
            ("personalization", false, "widget")
        ]
    );
    assert_eq!(data.conversations.len(), 1);
    let exported = &data.conversations[0];
    assert_eq!(exported.id, talk.as_str());
    assert_eq!(exported.messages.len(), 2);
    assert_eq!(
        exported.messages[1].why,
        Some(serde_json::json!({"purposes":["support"]}))
    );
    let events: Vec<&str> = exported
        .handoff_events
        .iter()
        .map(|e| e.event.as_str())
        .collect();
    assert_eq!(events, ["requested", "queued", "claimed", "released"]);
    let last = data.audit_events.last().expect("audit");
    assert_eq!(
        (last.code.as_str(), last.actor.as_str()),
        ("customer_exported", "admin")
    );
    assert_eq!(
        data.audit_events.len(),
        audit_rows(url, "c_ada").await.len()
    );
    assert!(store
        .customer_data(&stranger, "admin")
        .await
        .expect("query")
        .is_none());
    assert!(
        !audit_rows(url, "c_nobody")
            .await
            .iter()
            .any(|(code, ..)| code == "customer_exported"),
        "an export of nobody leaves no audit entry"
    );

    // Erasure: the customer and everything about them, audited with counts only.
    let counts = privacy::erase_customer(&store, &ada, Requester::Customer)
        .await
        .expect("erase");
    assert_eq!(
        counts,
        ErasureCounts {
            orders: 1,
            consents: 4,
            conversations: 1,
            messages: 2
        }
    );
    assert!(store.customer(&ada).await.expect("query").is_none());
    assert!(store.orders(&ada).await.expect("orders").is_empty());
    assert!(store.consents(&ada).await.expect("consents").is_empty());
    assert!(store.conversation(&talk).await.expect("query").is_none());
    assert!(store
        .messages_after(&talk, 0)
        .await
        .expect("messages")
        .is_empty());
    assert!(store
        .handoff_events(&talk)
        .await
        .expect("events")
        .is_empty());
    assert!(store
        .customer_data(&ada, "admin")
        .await
        .expect("query")
        .is_none());
    assert!(matches!(
        store.erase_customer(&ada, "admin").await,
        Err(StoreError::NotFound(_))
    ));
    let audit = audit_rows(url, "c_ada").await;
    let (code, actor, detail) = audit.last().expect("erasure audited");
    assert_eq!(
        (code.as_str(), actor.as_str()),
        ("customer_erased", "customer")
    );
    assert!(detail.contains("\"messages\":2"), "{detail}");
    assert!(
        audit.iter().all(|(_, _, detail)| !detail.contains(&canary)),
        "audit entries hold ids only"
    );
    assert!(store.customer(&other).await.expect("query").is_some());
    assert_eq!(
        store
            .messages_after(&others, 0)
            .await
            .expect("messages")
            .len(),
        2
    );

    // Retention: only conversations idle since before the cutoff go.
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("raw");
    sqlx::query("UPDATE conversations SET updated_at = $1 WHERE id = $2")
        .bind(now_ms() - 40 * DAY_MS)
        .bind(anonymous.as_str())
        .execute(&mut conn)
        .await
        .expect("age it");
    conn.close().await.expect("close");
    assert_eq!(privacy::purge_expired(&store, 0).await.expect("off"), 0);
    assert!(store
        .conversation(&anonymous)
        .await
        .expect("query")
        .is_some());
    assert_eq!(privacy::purge_expired(&store, 30).await.expect("purge"), 1);
    assert!(store
        .conversation(&anonymous)
        .await
        .expect("query")
        .is_none());
    assert!(store
        .messages_after(&anonymous, 0)
        .await
        .expect("messages")
        .is_empty());
    assert!(store.conversation(&others).await.expect("query").is_some());
    assert_eq!(
        store
            .purge_conversations_before(now_ms() - DAY_MS)
            .await
            .expect("none"),
        0
    );
    // A cutoff in the future takes every conversation there is.
    assert_eq!(
        store
            .purge_conversations_before(now_ms() + DAY_MS)
            .await
            .expect("all"),
        1
    );
    assert!(store.conversation(&others).await.expect("query").is_none());
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("raw");
    let purges: Vec<(String,)> = sqlx::query_as(
        "SELECT detail FROM audit_events WHERE code = 'retention_purged' ORDER BY id",
    )
    .fetch_all(&mut conn)
    .await
    .expect("purges");
    let counts: Vec<i64> = purges
        .iter()
        .map(|(d,)| {
            serde_json::from_str::<serde_json::Value>(d).expect("json")["conversations"]
                .as_i64()
                .expect("count")
        })
        .collect();
    assert_eq!(
        counts,
        [1, 1],
        "one audit entry per purge that deleted something"
    );
}

#[tokio::test]
async fn the_privacy_story_holds_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}/privacy.db", dir.path().display());
    let store = Store::connect(&url).await.expect("connect");
    story(store, &url).await;
}

#[tokio::test]
async fn the_privacy_story_holds_on_postgres() {
    let Some(db) = ScratchDatabase::create().await else {
        eprintln!("CANDOR_TEST_POSTGRES_URL is not set: the PostgreSQL privacy story did not run");
        return;
    };
    let store = Store::connect(&db.url).await.expect("connect");
    story(store.clone(), &db.url).await;
    store.close().await;
    db.drop_now().await;
}
