//! Operations: `/metrics` counts what happened on this instance, in the
//! Prometheus text format; `/readyz` tells a load balancer whether to send
//! traffic; `CANDOR_LOG_FORMAT=json` writes one JSON object per line, with
//! no message text in it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use candor::engine::{
    EngineError, EngineLoad, EventStream, GenerationRequest, Generator, ScriptedEngine,
};
use candor::metrics::Readiness;
use candor::startup::{Application, BuildOptions};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::*;

/// One reply sentence claims to be human (the guard replaces it with the
/// disclosure); the others carry no value, so the fact check keeps them.
const REPLY: &str =
    "I am a real person. Our teas make lovely presents. A tin of green tea is a classic.";

/// A scrape of `/metrics`: every sample by name and sorted labels.
struct Scrape(HashMap<String, f64>);

impl Scrape {
    async fn of(app: &TestApp) -> Self {
        let response = reqwest::get(app.url("/metrics")).await.expect("scrape");
        assert_eq!(response.status(), 200);
        let content_type = response.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            content_type.starts_with("text/plain; version=0.0.4"),
            "{content_type}"
        );
        let text = response.text().await.expect("body");
        let lines = text.lines().map(|l| Ok(l.to_owned()));
        let parsed = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
        let mut samples = HashMap::new();
        for sample in parsed.samples {
            let mut labels: Vec<String> = sample
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            labels.sort();
            let value = match sample.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                prometheus_parse::Value::Histogram(buckets) => {
                    buckets.last().map_or(0.0, |b| b.count)
                }
                prometheus_parse::Value::Summary(_) => continue,
            };
            samples.insert(format!("{}{{{}}}", sample.metric, labels.join(",")), value);
        }
        // Every line is a comment or `name{labels} value`.
        for line in text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let (series, value) = line.rsplit_once(' ').expect("series and value");
            assert!(series.starts_with("candor_"), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        Scrape(samples)
    }

    /// The value of `name` with `labels` (`k=v` pairs, any order).
    fn get(&self, name: &str, labels: &[&str]) -> f64 {
        let mut labels: Vec<&str> = labels.to_vec();
        labels.sort();
        let key = format!("{name}{{{}}}", labels.join(","));
        *self
            .0
            .get(&key)
            .unwrap_or_else(|| panic!("no sample {key}"))
    }

    /// How many observations a histogram holds.
    fn count(&self, name: &str, labels: &[&str]) -> f64 {
        self.get(&format!("{name}_count"), labels)
    }
}

/// Waits (bounded) until a scrape satisfies `done`; returns that scrape.
async fn scrape_until(app: &TestApp, done: impl Fn(&Scrape) -> bool) -> Scrape {
    for _ in 0..200 {
        let scrape = Scrape::of(app).await;
        if done(&scrape) {
            return scrape;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the metrics never reached the expected state");
}

async fn agent_socket(app: &TestApp, token: &str) -> Ws {
    super::helpers::agent_socket_at(app.port, token).await
}

#[tokio::test]
async fn metrics_count_what_happened_on_this_instance_and_nothing_else() {
    let engine = ScriptedEngine::new(|_| REPLY.into());
    let app = spawn_app_with(Some(Arc::new(engine)), |_| {}).await;
    // A fresh app starts from zero, whatever other apps in this process did.
    let before = Scrape::of(&app).await;
    assert_eq!(before.get("candor_disclosures_sent_total", &[]), 0.0);
    assert_eq!(before.get("candor_sockets_active", &["kind=customer"]), 0.0);

    // A verified visitor: one welcome (with the disclosure), one socket,
    // one watched conversation.
    let (mut ws, _) = app.hello(app.customer_hello("c_1", "en")).await;
    // A model turn: the claim to be human is replaced by the disclosure.
    let frames = exchange(&mut ws, "q1", "Can you recommend a gift?").await;
    let reply = frames.last().expect("reply");
    assert!(
        reply["text"]
            .as_str()
            .expect("text")
            .contains("lovely presents"),
        "{reply}"
    );
    // An identity question, answered by the guard, not the model.
    exchange(&mut ws, "q2", "Am I talking to a bot?").await;
    // Consent: marketing granted in the chat, personalization withdrawn
    // through the privacy API.
    send(&mut ws, json!({"type":"consent","marketing":true})).await;
    recv_until(&mut ws, |f| f["type"] == "consent").await;
    let api = reqwest::Client::new()
        .put(app.url("/v1/privacy/customers/c_1/consent"))
        .bearer_auth(&app.admin_token)
        .json(&json!({"personalization": false}))
        .send()
        .await
        .expect("consent");
    assert_eq!(api.status(), 200);
    // Errors: a binary frame on the socket, a missing token over HTTP.
    send_raw(&mut ws, Message::binary(vec![1, 2, 3])).await;
    let error = recv_until(&mut ws, |f| f["type"] == "error").await;
    assert_eq!(error.last().expect("error")["code"], "binary_not_supported");
    let unauthorized = reqwest::get(app.url("/v1/admin/kb")).await.expect("get");
    assert_eq!(unauthorized.status(), 401);
    // A handoff by the button, claimed by an agent on their socket.
    let (_, agent_token) = create_agent(&app, "Sam").await;
    let _agent_ws = agent_socket(&app, &agent_token).await;
    send(&mut ws, json!({"type":"handoff_request"})).await;
    let handoff = recv_until(&mut ws, |f| f["type"] == "handoff").await;
    let conversation = handoff
        .iter()
        .chain(frames.iter())
        .find_map(|f| f["conversation_id"].as_str())
        .map(str::to_owned);
    let conversation = match conversation {
        Some(id) => id,
        None => {
            let queue: Value = reqwest::Client::new()
                .get(app.url("/v1/agent/queue"))
                .bearer_auth(&agent_token)
                .send()
                .await
                .expect("queue")
                .json()
                .await
                .expect("json");
            queue["queue"][0]["conversation_id"]
                .as_str()
                .expect("queued")
                .to_owned()
        }
    };
    let claim = reqwest::Client::new()
        .post(app.url(&format!("/v1/agent/conversations/{conversation}/claim")))
        .bearer_auth(&agent_token)
        .send()
        .await
        .expect("claim");
    assert_eq!(claim.status(), 200);

    let after = scrape_until(&app, |s| {
        s.get("candor_sockets_active", &["kind=agent"]) == 1.0
    })
    .await;
    assert_eq!(after.get("candor_disclosures_sent_total", &[]), 1.0);
    assert_eq!(after.get("candor_sockets_active", &["kind=customer"]), 1.0);
    assert_eq!(after.get("candor_conversations_active", &[]), 1.0);
    assert_eq!(
        after.count("candor_reply_latency_seconds", &["answer=model"]),
        1.0
    );
    assert_eq!(after.count("candor_time_to_first_token_seconds", &[]), 1.0);
    let words = REPLY.split_inclusive(' ').count() as f64;
    assert_eq!(
        after.get("candor_engine_generated_tokens_total", &[]),
        words
    );
    for (kind, times) in [
        ("human_claim", 1.0),
        ("identity_question", 1.0),
        ("urgency", 0.0),
        ("identifier", 0.0),
        ("promotion", 0.0),
    ] {
        let label = format!("kind={kind}");
        assert_eq!(
            after.get("candor_guard_interventions_total", &[&label]),
            times,
            "{kind}"
        );
    }
    assert_eq!(after.get("candor_fact_check_removals_total", &[]), 0.0);
    assert_eq!(
        after.get(
            "candor_consent_changes_total",
            &["purpose=marketing", "direction=granted"]
        ),
        1.0
    );
    assert_eq!(
        after.get(
            "candor_consent_changes_total",
            &["purpose=personalization", "direction=withdrawn"]
        ),
        1.0
    );
    assert_eq!(
        after.get(
            "candor_consent_changes_total",
            &["purpose=marketing", "direction=withdrawn"]
        ),
        0.0
    );
    assert_eq!(
        after.get(
            "candor_errors_total",
            &["code=binary_not_supported", "channel=socket"]
        ),
        1.0
    );
    assert_eq!(
        after.get(
            "candor_errors_total",
            &["code=unauthorized", "channel=http"]
        ),
        1.0
    );
    assert_eq!(after.get("candor_handoffs_total", &["trigger=button"]), 1.0);
    assert_eq!(
        after.get("candor_handoffs_total", &["trigger=customer_asked"]),
        0.0
    );
    assert_eq!(after.count("candor_handoff_wait_seconds", &[]), 1.0);
    // Claimed: nobody waits in the queue any more.
    assert_eq!(after.get("candor_handoff_queue_length", &[]), 0.0);
    // The scripted engine has no queue of its own.
    assert_eq!(after.get("candor_engine_queue_depth", &[]), 0.0);

    // Closing the socket releases its place in the gauges.
    ws.close(None).await.expect("close");
    let closed = scrape_until(&app, |s| {
        s.get("candor_sockets_active", &["kind=customer"]) == 0.0
    })
    .await;
    assert_eq!(closed.get("candor_disclosures_sent_total", &[]), 1.0);
}

#[tokio::test]
async fn metrics_can_require_the_admin_token() {
    let app = spawn_app_with(Some(Arc::new(ScriptedEngine::echo())), |s| {
        s.metrics.require_admin_token = true;
    })
    .await;
    let anonymous = reqwest::get(app.url("/metrics")).await.expect("get");
    assert_eq!(anonymous.status(), 401);
    let admin = reqwest::Client::new()
        .get(app.url("/metrics"))
        .bearer_auth(&app.admin_token)
        .send()
        .await
        .expect("get");
    assert_eq!(admin.status(), 200);
    let text = admin.text().await.expect("body");
    // The refused scrape was counted, and no label carries a token.
    assert!(
        text.contains(r#"candor_errors_total{channel="http",code="unauthorized"} 1"#),
        "{text}"
    );
    assert!(!text.contains(&app.admin_token));
}

/// An engine whose server does not answer (a remote engine that is down).
struct Unreachable;

impl Generator for Unreachable {
    fn submit(&self, _: GenerationRequest) -> Result<EventStream, EngineError> {
        Err(EngineError::Shutdown)
    }

    fn describe(&self) -> String {
        "unreachable test engine".into()
    }

    fn is_ready(&self) -> bool {
        false
    }

    fn load(&self) -> EngineLoad {
        EngineLoad::default()
    }
}

async fn readyz(app: &TestApp) -> (u16, Value) {
    let response = reqwest::get(app.url("/readyz")).await.expect("readyz");
    let status = response.status().as_u16();
    (status, response.json().await.expect("json"))
}

#[tokio::test]
async fn readyz_is_ready_with_a_migrated_store_and_a_ready_engine() {
    let app = spawn_app().await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["checks"],
        json!({"store": true, "engine": true, "serving": true})
    );
}

#[tokio::test]
async fn readyz_fails_while_the_engine_does_not_answer() {
    let app = spawn_app_with(Some(Arc::new(Unreachable)), |_| {}).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["failed"], json!(["engine"]));
    // Liveness is another question: the process and database are fine.
    let health = reqwest::get(app.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn readyz_fails_when_the_store_is_gone() {
    let app = spawn_app().await;
    app.store.close().await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["failed"], json!(["store"]));
}

#[tokio::test]
async fn readyz_fails_once_the_instance_drains() {
    let dir = tempfile::tempdir().expect("dir");
    let app = Application::build(
        test_settings(&dir),
        BuildOptions {
            engine: Some(Arc::new(ScriptedEngine::echo())),
            load_demo: false,
        },
    )
    .await
    .expect("app builds");
    let port = app.port();
    let readiness: Readiness = app.readiness();
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    let url = format!("http://127.0.0.1:{port}/readyz");
    assert_eq!(reqwest::get(&url).await.expect("get").status(), 200);
    readiness.start_draining();
    let response = reqwest::get(&url).await.expect("get");
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["failed"], json!(["serving"]));
    handle.stop(true).await;
}

#[tokio::test]
async fn the_engine_load_of_the_real_model_reaches_metrics() {
    let app = spawn_app_with(None, |s| {
        s.engine.max_new_tokens = std::num::NonZeroUsize::new(8).expect("8")
    })
    .await;
    let (mut ws, _) = app.hello(json!({"type":"hello","locale":"en"})).await;
    exchange(&mut ws, "q1", "Can you recommend a gift?").await;
    let scrape = Scrape::of(&app).await;
    // The real scheduler ran forward passes of one conversation each.
    let steps = scrape.get("candor_engine_steps_total", &[]);
    assert!(steps >= 1.0, "steps {steps}");
    assert_eq!(scrape.get("candor_engine_step_sequences_total", &[]), steps);
    assert_eq!(scrape.get("candor_engine_queue_depth", &[]), 0.0);
    assert_eq!(scrape.count("candor_engine_tokens_per_second", &[]), 1.0);
    assert!(scrape.get("candor_engine_generated_tokens_total", &[]) >= 1.0);
    let _ = ws.send(Message::Close(None)).await;
    let _ = ws.next().await;
}
