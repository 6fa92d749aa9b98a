//! The admin API: bearer auth, validation, create-or-replace semantics.

use serde_json::{json, Value};

use crate::helpers::*;

async fn put(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let mut request = reqwest::Client::new().put(app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn customer() -> Value {
    json!({"name":"Zoë Test","email":"zoe@example.com","locale":"nl",
           "attributes":{"loyalty_tier":"gold"},"consent":{"personalization":true,"marketing":false}})
}

#[tokio::test]
async fn admin_endpoints_refuse_missing_and_wrong_tokens_with_a_json_error() {
    let app = spawn_app().await;
    for token in [None, Some("wrong-token"), Some("")] {
        let (status, body) = put(&app, "/v1/admin/customers/c_9", token, customer()).await;
        assert_eq!(status, 401);
        assert_eq!(body["code"], "unauthorized");
        let id = candor::domain::CustomerId::parse("c_9").expect("id");
        assert!(
            app.store.customer(&id).await.expect("query").is_none(),
            "nothing written"
        );
    }
}

#[tokio::test]
async fn customers_are_created_then_replaced_and_consent_changes_are_recorded() {
    let app = spawn_app().await;
    let token = Some(app.admin_token.as_str());
    let (status, body) = put(&app, "/v1/admin/customers/c_9", token, customer()).await;
    assert_eq!((status, body["created"].clone()), (201, json!(true)));
    let mut changed = customer();
    changed["consent"]["personalization"] = json!(false);
    let (status, _) = put(&app, "/v1/admin/customers/c_9", token, changed).await;
    assert_eq!(status, 200);
    let id = candor::domain::CustomerId::parse("c_9").expect("id");
    let consents = app.store.consents(&id).await.expect("consents");
    assert_eq!(
        consents.get(&candor::domain::Purpose::Personalization),
        Some(&false)
    );
    let stored = app
        .store
        .customer(&id)
        .await
        .expect("query")
        .expect("stored");
    assert_eq!(stored.locale, "nl");
}

#[tokio::test]
async fn bad_customer_bodies_get_400_with_a_code() {
    let app = spawn_app().await;
    let token = Some(app.admin_token.as_str());
    let cases = [
        (
            "/v1/admin/customers/c_9",
            json!({"email":"a@b.c"}),
            "invalid_body",
        ),
        (
            "/v1/admin/customers/c_9",
            json!({"name":""}),
            "invalid_name",
        ),
        (
            "/v1/admin/customers/c_9",
            json!({"name":"A","email":"not-an-email"}),
            "invalid_email",
        ),
        (
            "/v1/admin/customers/c_9",
            json!({"name":"A","attributes":[1]}),
            "invalid_body",
        ),
        (
            "/v1/admin/customers/c_9",
            json!({"name":"A","surprise":1}),
            "invalid_body",
        ),
        (
            "/v1/admin/customers/bad%20id",
            customer(),
            "invalid_customer_id",
        ),
    ];
    for (path, body, code) in cases {
        let (status, response) = put(&app, path, token, body).await;
        assert_eq!(
            (status, response["code"].as_str()),
            (400, Some(code)),
            "{path}"
        );
    }
    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/customers/c_9"))
        .bearer_auth(&app.admin_token)
        .header("content-type", "application/json")
        .body("{nope")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["code"], "invalid_json");
}

#[tokio::test]
async fn orders_are_validated_and_never_moved_between_customers() {
    let app = spawn_app().await;
    let token = Some(app.admin_token.as_str());
    let order = json!({"status":"shipped","tracking":"TRK1","items":[{"name":"Mug","qty":2}],
                       "total":19.5,"placed_at":"2026-11-01T10:00:00Z"});
    let (status, _) = put(
        &app,
        "/v1/admin/customers/c_1/orders/N1",
        token,
        order.clone(),
    )
    .await;
    assert_eq!(status, 201);
    let (status, _) = put(
        &app,
        "/v1/admin/customers/c_1/orders/N1",
        token,
        order.clone(),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = put(
        &app,
        "/v1/admin/customers/c_2/orders/N1",
        token,
        order.clone(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (409, Some("conflict")));
    let (status, body) = put(
        &app,
        "/v1/admin/customers/nobody/orders/N2",
        token,
        order.clone(),
    )
    .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let mut bad = order.clone();
    bad["placed_at"] = json!("yesterday");
    let (status, body) = put(&app, "/v1/admin/customers/c_1/orders/N3", token, bad).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_placed_at"))
    );
    let mut bad = order;
    bad["total"] = json!("-3");
    let (status, body) = put(&app, "/v1/admin/customers/c_1/orders/N3", token, bad).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_total"))
    );
    let id = candor::domain::CustomerId::parse("c_1").expect("id");
    let orders = app.store.orders(&id).await.expect("orders");
    assert!(orders.iter().any(|o| o.id == "N1"));
    assert!(!orders.iter().any(|o| o.id == "N3"));
}
