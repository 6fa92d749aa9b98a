//! Expiring widget signatures on the privacy endpoints: accepted until their
//! second, refused after with `signature_expired`, and with `[security]
//! require_signature_expiry` the plain form is refused for data rights.

use std::sync::Arc;

use candor::engine::ScriptedEngine;
use reqwest::Method;
use serde_json::json;

use super::*;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
        .try_into()
        .expect("seconds")
}

#[tokio::test]
async fn an_expiring_signature_opens_the_privacy_endpoints_until_it_expires() {
    let app = spawn_app().await;
    let later = now() + 300;
    let (status, export) = call(
        &app,
        Method::GET,
        &export_path("c_1"),
        Auth::SignedUntil("c_1", later),
        None,
    )
    .await;
    assert_eq!(status, 200, "{export}");
    assert_eq!(export["customer"]["id"], "c_1");

    let valid = app.signer.sign_expiring("c_1", later);
    let stretched = (later + 1).to_string();
    let other = app.signer.sign_expiring("c_2", later);
    let refusals = [
        (
            Auth::SignedUntil("c_1", now() - 1),
            403,
            "signature_expired",
        ),
        (
            Auth::RawExpiring(&valid, &stretched),
            403,
            "forbidden", // a later expiry is not what was signed
        ),
        (
            Auth::RawExpiring(&other, &later.to_string()),
            403,
            "forbidden",
        ),
        (Auth::RawSignature(&valid), 403, "forbidden"),
        (
            Auth::RawExpiring(&valid, "tomorrow"),
            400,
            "invalid_expires",
        ),
    ];
    let endpoints = [
        (Method::GET, export_path("c_1"), None),
        (
            Method::PUT,
            consent_path("c_1"),
            Some(json!({"marketing":true})),
        ),
        (Method::DELETE, customer_path("c_1"), None),
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
    assert!(app.store.customer(&c_1).await.expect("query").is_some());
    assert_eq!(
        audit_actors(&app, "customer_exported", "c_1").await,
        ["customer"],
        "only the valid request exported"
    );
    // The plain form keeps working by default.
    let (status, _) = call(
        &app,
        Method::GET,
        &export_path("c_1"),
        Auth::SignedAs("c_1"),
        None,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn requiring_expiry_refuses_the_plain_form_for_data_rights_only() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.security.require_signature_expiry = true
    })
    .await;
    let later = now() + 300;
    for (method, path, body) in [
        (Method::GET, export_path("c_1"), None),
        (
            Method::PUT,
            consent_path("c_1"),
            Some(json!({"marketing":true})),
        ),
        (Method::DELETE, customer_path("c_1"), None),
    ] {
        let (status, reply) = call(&app, method.clone(), &path, Auth::SignedAs("c_1"), body).await;
        assert_eq!(
            (status, &reply["code"]),
            (403, &json!("signature_expiry_required")),
            "{method} {path}"
        );
    }
    for auth in [Auth::SignedUntil("c_1", later), Auth::Admin] {
        let (status, _) = call(&app, Method::GET, &export_path("c_1"), auth, None).await;
        assert_eq!(status, 200, "{auth:?}");
    }

    // The widget: a plain hello still chats as the customer, but its privacy
    // frames are refused; an expiring hello may use them.
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    assert_eq!(welcome["verified"], true);
    for frame in [
        json!({"type":"privacy_export"}),
        json!({"type":"consent","marketing":true}),
        json!({"type":"privacy_erase"}),
    ] {
        send(&mut ws, frame.clone()).await;
        let error = recv(&mut ws).await;
        assert_eq!(error["code"], "signature_expiry_required", "{frame}");
    }
    let hello = json!({"type":"hello","locale":"en","customer":{
        "id":"c_1","signature":app.signer.sign_expiring("c_1", later),"expires":later}});
    let (mut ws, welcome) = app.hello(hello).await;
    assert_eq!(welcome["verified"], true);
    send(&mut ws, json!({"type":"privacy_export"})).await;
    let export = recv_until(&mut ws, |f| {
        f["type"] == "privacy_export" || f["type"] == "error"
    })
    .await;
    let last = export.last().expect("frame");
    assert_eq!(last["type"], "privacy_export", "{last}");
    assert_eq!(last["data"]["customer"]["id"], "c_1");
}
