//! Who may exercise the rights, what an export holds, and consent changes.

use candor::domain::ConversationId;
use candor::store::{NewMessage, Sender};
use reqwest::Method;
use serde_json::json;

use super::*;
use crate::helpers::*;

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
    let response = reqwest::Client::new()
        .get(app.url(&export_path("c_1")))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.as_bytes()),
        Some(&b"no-store"[..]),
        "an export is never cached"
    );
    assert_eq!(
        audit_actors(&app, "customer_exported", "c_1").await,
        ["customer", "admin"]
    );
}

#[tokio::test]
async fn only_the_admin_or_the_customer_themselves_may_exercise_the_rights() {
    let app = spawn_app().await;
    let (_, agent) = create_agent(&app, "Sam").await;
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
    // Credentials are checked before the body is read.
    let (status, _) = call(
        &app,
        Method::PUT,
        &consent_path("c_1"),
        Auth::Nobody,
        Some(json!({"bogus":1})),
    )
    .await;
    assert_eq!(status, 401);
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
