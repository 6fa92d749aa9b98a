//! Human handoff end to end over the real WebSocket and the agent HTTP API.

use std::sync::Arc;
use std::time::Duration;

use candor::domain::Locale;
use candor::engine::ScriptedEngine;
use candor::guard::{LocaleTexts, Notices};
use serde_json::{json, Value};

use crate::helpers::*;

pub(crate) async fn agent_post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.json().await.unwrap_or(Value::Null),
    )
}

pub(crate) async fn agent_get(app: &TestApp, token: Option<&str>, path: &str) -> (u16, String) {
    let mut request = reqwest::Client::new().get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("request");
    (
        response.status().as_u16(),
        response.text().await.unwrap_or_default(),
    )
}

fn texts(locale: Locale) -> LocaleTexts {
    Notices::builtin().expect("texts").get(locale).clone()
}

/// Asks for a human with `ask` (a message or the button) and checks the customer is queued.
async fn ask_for_human(ws: &mut Ws, locale: Locale, ask: Option<&str>) -> Vec<Value> {
    match ask {
        Some(text) => send(ws, json!({"type":"message","client_id":"ask","text":text})).await,
        None => send(ws, json!({"type":"handoff_request"})).await,
    }
    let frames = recv_until(ws, |f| f["type"] == "handoff").await;
    let queued = frames.last().expect("handoff frame");
    assert_eq!(queued["state"], "queued", "{frames:?}");
    assert_eq!(queued["position"], 1);
    let notice = frames
        .iter()
        .find(|f| is_message_from(f, "system"))
        .expect("a stored notice");
    assert_eq!(
        notice["text"],
        LocaleTexts::fill(&texts(locale).handoff_queued, "position", "1")
    );
    assert!(
        !frames
            .iter()
            .any(|f| is_message_from(f, "ai") || f["type"] == "delta"),
        "the AI stays silent"
    );
    frames
}

#[tokio::test]
async fn every_trigger_in_several_languages_reaches_an_agent_and_back_to_the_ai() {
    let app = spawn_app().await;
    let (_, token) = create_agent(&app, "Sam").await;
    let triggers = [
        (Locale::En, Some("I want to talk to a human")),
        (Locale::En, Some("agent please")),
        (Locale::Es, Some("quiero hablar con una persona")),
        (Locale::Fr, Some("je veux parler à un conseiller")),
        (
            Locale::De,
            Some("Ich möchte mit einem Mitarbeiter sprechen"),
        ),
        (Locale::Pt, Some("quero falar com um atendente")),
        (Locale::It, Some("voglio parlare con un operatore")),
        (Locale::Nl, Some("ik wil een medewerker spreken")),
        (Locale::De, None),
    ];
    for (locale, ask) in triggers {
        let (mut ws, welcome) = app
            .hello(json!({"type":"hello","locale":locale.code()}))
            .await;
        let id = welcome["conversation_id"].as_str().expect("id").to_owned();
        ask_for_human(&mut ws, locale, ask).await;

        // While queued, customer messages are stored but the AI does not answer.
        send(
            &mut ws,
            json!({"type":"message","client_id":"wait","text":"hello?"}),
        )
        .await;
        assert_eq!(recv(&mut ws).await["sender"], "customer");
        assert_silent(&mut ws, Duration::from_millis(300)).await;

        let (status, _) = agent_post(
            &app,
            &token,
            &format!("/v1/agent/conversations/{id}/claim"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let frames = recv_until(&mut ws, |f| f["type"] == "handoff").await;
        assert_eq!(frames.last().expect("frame")["state"], "assigned");
        assert_eq!(frames.last().expect("frame")["agent"], "Sam");
        assert!(frames.iter().any(
            |f| f["text"] == LocaleTexts::fill(&texts(locale).handoff_assigned, "agent", "Sam")
        ));

        let (status, _) = agent_post(
            &app,
            &token,
            &format!("/v1/agent/conversations/{id}/messages"),
            Some(json!({"text":"Hi, I'm Sam. How can I help?"})),
        )
        .await;
        assert_eq!(status, 201);
        let message = recv(&mut ws).await;
        assert_eq!(
            (message["type"].as_str(), message["sender"].as_str()),
            (Some("message"), Some("agent"))
        );
        assert_eq!(message["text"], "Hi, I'm Sam. How can I help?");

        let (status, _) = agent_post(
            &app,
            &token,
            &format!("/v1/agent/conversations/{id}/release"),
            None,
        )
        .await;
        assert_eq!(status, 200);
        let frames = recv_until(&mut ws, |f| f["type"] == "handoff").await;
        assert_eq!(frames.last().expect("frame")["state"], "returned");
        let reply = exchange(&mut ws, "after", "back to you").await;
        assert_eq!(
            reply.last().expect("reply")["sender"],
            "ai",
            "the AI answers again after release"
        );

        let events = app
            .store
            .handoff_events(&candor::domain::ConversationId::parse(&id).expect("id"))
            .await
            .expect("events");
        let names: Vec<_> = events.iter().map(|e| e.event.as_str()).collect();
        assert_eq!(names, ["requested", "queued", "claimed", "released"]);
        assert!(events.iter().all(|e| e.at > 0));
    }
}

#[tokio::test]
async fn two_agents_claiming_at_once_never_both_win() {
    // 50 conversations from one address in a few seconds: lift its budget.
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.limits.ip_actions_per_minute = 100_000
    })
    .await;
    let (_, first) = create_agent(&app, "A").await;
    let (_, second) = create_agent(&app, "B").await;
    for round in 0..50 {
        let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
        let id = welcome["conversation_id"].as_str().expect("id").to_owned();
        send(&mut ws, json!({"type":"handoff_request"})).await;
        recv_until(&mut ws, |f| f["type"] == "handoff").await;
        let path = format!("/v1/agent/conversations/{id}/claim");
        let (a, b) = tokio::join!(
            agent_post(&app, &first, &path, None),
            agent_post(&app, &second, &path, None)
        );
        let mut statuses = [a.0, b.0];
        statuses.sort();
        assert_eq!(
            statuses,
            [200, 409],
            "round {round}: exactly one claim wins"
        );
        let loser = if a.0 == 409 { a.1 } else { b.1 };
        assert_eq!(loser["code"], "conflict");
    }
}

#[tokio::test]
async fn agent_endpoints_refuse_missing_bad_and_admin_tokens_without_leaking_data() {
    let app = spawn_app().await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let admin = app.admin_token.clone();
    for (token, status) in [
        (None, 401),
        (Some("cat_not-a-real-token"), 401),
        (Some(admin.as_str()), 403),
    ] {
        for path in [
            "/v1/agent/queue".to_string(),
            format!("/v1/agent/conversations/{id}"),
        ] {
            let (got, body) = agent_get(&app, token, &path).await;
            assert_eq!(got, status, "{path}");
            let json: Value = serde_json::from_str(&body).expect("a JSON error body");
            assert!(json["code"] == "unauthorized" || json["code"] == "forbidden");
            assert!(
                !body.contains(&id) && !body.contains("Emma") && !body.contains("emma.johnson"),
                "no data in {body}"
            );
        }
        let request =
            reqwest::Client::new().post(app.url(&format!("/v1/agent/conversations/{id}/claim")));
        let request = match token {
            Some(t) => request.bearer_auth(t),
            None => request,
        };
        assert_eq!(
            request.send().await.expect("post").status().as_u16(),
            status
        );
    }
    let queue = app.store.queue().await.expect("queue");
    assert_eq!(queue.len(), 1, "nothing was claimed");
}

#[tokio::test]
async fn the_agent_view_shows_transcript_context_reason_and_summary_but_no_protected_fields() {
    let app = spawn_app().await;
    let (_, token) = create_agent(&app, "Ana").await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    exchange(&mut ws, "q", "Where is order A1001?").await;
    ask_for_human(&mut ws, Locale::En, Some("can I speak to a real person")).await;
    let (status, body) =
        agent_get(&app, Some(&token), &format!("/v1/agent/conversations/{id}")).await;
    assert_eq!(status, 200);
    let view: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(view["handoff_reason"], "customer_asked");
    assert_eq!(view["customer"]["name"], "Emma Johnson");
    assert!(view["customer"]["orders"]
        .as_array()
        .is_some_and(|o| o.len() == 2));
    assert!(view["customer"]["attributes"]
        .get("date_of_birth")
        .is_none());
    assert!(view["customer"]["attributes"].get("gender").is_none());
    assert!(view["summary"]
        .as_str()
        .expect("summary")
        .contains("Where is order A1001?"));
    assert!(view["transcript"].as_array().is_some_and(|t| t.len() >= 4));
}

#[tokio::test]
async fn outside_business_hours_the_customer_is_told_honestly_and_stays_queued() {
    let tomorrow = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .tomorrow()
        .expect("date");
    let day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [usize::from(tomorrow.weekday().to_monday_zero_offset().unsigned_abs())];
    let window = format!("{day} 10:00-11:00");
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.handoff.timezone = "UTC".into();
        s.handoff.hours = vec![window.clone()];
    })
    .await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"es"})).await;
    send(
        &mut ws,
        json!({"type":"message","client_id":"h","text":"quiero hablar con una persona"}),
    )
    .await;
    let frames = recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let notice = frames
        .iter()
        .find(|f| is_message_from(f, "system"))
        .expect("notice");
    let expected = LocaleTexts::fill(
        &texts(Locale::Es).out_of_hours,
        "hours",
        &format!("{window} (UTC)"),
    );
    assert_eq!(notice["text"], expected.as_str());
    assert!(
        !notice["text"].as_str().unwrap_or("").contains("en breve"),
        "no fake promise"
    );
    // The customer can leave a message and a contact address; it waits for the next shift.
    exchange_stored(&mut ws, "contact", "Mi correo es cliente@example.com").await;
    assert_eq!(app.store.queue().await.expect("queue").len(), 1);
}

async fn exchange_stored(ws: &mut Ws, client_id: &str, text: &str) {
    send(
        ws,
        json!({"type":"message","client_id":client_id,"text":text}),
    )
    .await;
    let ack = recv(ws).await;
    assert_eq!(ack["sender"], "customer");
}

#[tokio::test]
async fn a_customer_nobody_claims_is_told_so_honestly() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.handoff.unattended_after_secs = 1
    })
    .await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"it"})).await;
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let notice = recv_until(&mut ws, |f| is_message_from(f, "system")).await;
    assert_eq!(
        notice.last().expect("notice")["text"],
        texts(Locale::It).unattended.as_str()
    );
    assert_silent(&mut ws, Duration::from_secs(6)).await;
}

#[tokio::test]
async fn asking_the_same_question_again_or_saying_it_did_not_help_offers_a_person() {
    let app = spawn_app().await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    exchange(&mut ws, "1", "How do I reset my password?").await;
    let frames = exchange(&mut ws, "2", "how do I reset my password??").await;
    assert_eq!(
        frames.last().expect("offer")["text"],
        texts(Locale::En).offer_human.as_str()
    );
    let frames = exchange(&mut ws, "3", "that didn't help").await;
    assert_eq!(
        frames.last().expect("offer")["text"],
        texts(Locale::En).offer_human.as_str()
    );
}

#[tokio::test]
async fn queue_positions_move_up_when_someone_ahead_is_claimed() {
    let app = spawn_app().await;
    let (_, token) = create_agent(&app, "Lee").await;
    let (mut first, welcome) = app.hello(json!({"type":"hello"})).await;
    let first_id = welcome["conversation_id"].as_str().expect("id").to_owned();
    send(&mut first, json!({"type":"handoff_request"})).await;
    recv_until(&mut first, |f| f["type"] == "handoff").await;
    let (mut second, _) = app.hello(json!({"type":"hello"})).await;
    send(&mut second, json!({"type":"handoff_request"})).await;
    let frames = recv_until(&mut second, |f| f["type"] == "handoff").await;
    assert_eq!(frames.last().expect("frame")["position"], 2);
    agent_post(
        &app,
        &token,
        &format!("/v1/agent/conversations/{first_id}/claim"),
        None,
    )
    .await;
    let update = recv_until(&mut second, |f| f["type"] == "handoff").await;
    assert_eq!(update.last().expect("frame")["position"], 1);
}

#[tokio::test]
async fn auto_assignment_goes_round_robin_to_available_agents() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.handoff.auto_assign = true
    })
    .await;
    let (a, a_token) = create_agent(&app, "A").await;
    let (b, b_token) = create_agent(&app, "B").await;
    for token in [&a_token, &b_token] {
        let (status, _) = agent_post(
            &app,
            token,
            "/v1/agent/presence",
            Some(json!({"available":true,"capacity":5})),
        )
        .await;
        assert_eq!(status, 200);
    }
    let mut assigned = Vec::new();
    for _ in 0..4 {
        let (mut ws, welcome) = app.hello(json!({"type":"hello"})).await;
        send(&mut ws, json!({"type":"handoff_request"})).await;
        recv_until(&mut ws, |f| f["state"] == "assigned").await;
        let id =
            candor::domain::ConversationId::parse(welcome["conversation_id"].as_str().expect("id"))
                .expect("id");
        assigned.push(
            app.store
                .conversation(&id)
                .await
                .expect("q")
                .expect("c")
                .agent_id
                .expect("assigned"),
        );
    }
    assert_eq!(assigned.iter().filter(|x| **x == a).count(), 2);
    assert_eq!(assigned.iter().filter(|x| **x == b).count(), 2);
}

#[tokio::test]
async fn shop_configured_protected_fields_never_reach_the_agent_view() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.personalization.extra_protected_fields = vec!["Political_View".into()];
    })
    .await;
    let response = reqwest::Client::new()
        .put(app.url("/v1/admin/customers/c_9"))
        .bearer_auth(&app.admin_token)
        .json(
            &json!({"name":"Noor Test","email":"noor@example.com","locale":"en",
            "attributes":{"political_view":"kept private","shoe_size":42,"gender":"x"},
            "consent":{"personalization":false,"marketing":false}}),
        )
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    let (_, token) = create_agent(&app, "Ana").await;
    let (mut ws, welcome) = app.hello(app.customer_hello("c_9", "en")).await;
    let id = welcome["conversation_id"].as_str().expect("id").to_owned();
    ask_for_human(&mut ws, Locale::En, None).await;
    let (status, body) =
        agent_get(&app, Some(&token), &format!("/v1/agent/conversations/{id}")).await;
    assert_eq!(status, 200);
    let view: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(
        view["customer"]["attributes"],
        json!({"shoe_size":42}),
        "the shop's own protected field and the default ones are removed"
    );
    assert!(!body.contains("kept private"), "{body}");
}
