//! `candor bench load`'s clients, end to end: the Candor client against the
//! real server (scripted engine), the llama-server client against a fake
//! OpenAI-style SSE server that records what it was sent.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use candor::bench::{
    anonymous_system_prompt, run_load, LoadPlan, LoadTarget, TokenCounter, TokenSource,
    CUSTOMER_SCRIPTS,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::spawn_app;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn plan(target: LoadTarget, counter: Option<TokenCounter>) -> LoadPlan {
    LoadPlan {
        target,
        conversations: 2,
        turns: 3,
        max_new_tokens: 64,
        ignore_eos: false,
        turn_timeout: Duration::from_secs(30),
        time_cap: None,
        counter,
        run_id: 7,
    }
}

#[tokio::test]
async fn two_candor_conversations_complete_six_turns() {
    let app = spawn_app().await;
    let counter = TokenCounter::from_gguf(&root().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"))
        .expect("tokenizer from the default model");
    let target = LoadTarget::Candor {
        url: app.ws_url(),
        origin: Some("https://shop.example".into()),
    };

    let report = run_load(&plan(target, Some(counter))).await;
    let summary = report.summary(None);

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert_eq!(summary.completed_turns, 6);
    assert_eq!(summary.cut_turns, 0);
    assert_eq!(summary.ttft_first_ms.n, 2);
    assert_eq!(summary.ttft_followup_ms.n, 4);
    for turn in &report.turns {
        assert!(turn.ttft.is_some_and(|t| !t.is_zero()), "{turn:?}");
        assert!(turn.reply >= turn.ttft.unwrap_or_default());
        assert!(turn.tokens > 0);
        assert_eq!(turn.token_source, TokenSource::Tokenizer);
        let scripted = candor::bench::script_for(turn.conversation).turns[turn.turn];
        assert!(turn.customer.ends_with(scripted), "{turn:?}");
        assert_eq!(turn.text, format!("You said: {}", turn.customer));
    }
    assert!(summary.tokens_per_sec > 0.0 && summary.turns_per_sec > 0.0);
    app.stop().await;
}

#[tokio::test]
async fn an_origin_the_server_does_not_allow_is_an_error_not_a_hang() {
    let app = spawn_app().await;
    let target = LoadTarget::Candor {
        url: app.ws_url(),
        origin: Some("https://elsewhere.example".into()),
    };
    let report = run_load(&plan(target, None)).await;
    assert_eq!(report.turns.len(), 0);
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    app.stop().await;
}

const REPLY: &str = "Orders ship within 2 business days.";

/// Serves every request with the same streamed reply, like llama-server
/// (empty first delta, content pieces, `timings`, a `usage` chunk, `[DONE]`),
/// and keeps each request body.
async fn fake_llama_server(bodies: Arc<Mutex<Vec<Value>>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve_one(stream, Arc::clone(&bodies)));
        }
    });
    url
}

async fn serve_one(mut stream: TcpStream, bodies: Arc<Mutex<Vec<Value>>>) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    let body_start = loop {
        let n = stream.read(&mut buf).await.expect("read");
        assert!(n > 0, "request ended early");
        request.extend_from_slice(&buf[..n]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&request[..body_start]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("content-length");
    while request.len() < body_start + length {
        let n = stream.read(&mut buf).await.expect("read body");
        request.extend_from_slice(&buf[..n]);
    }
    let body: Value = serde_json::from_slice(&request[body_start..]).expect("JSON body");
    bodies.lock().expect("lock").push(body);

    let head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";
    stream.write_all(head.as_bytes()).await.expect("write");
    let (first, rest) = REPLY.split_at(6);
    let chunks = [
        r#"{"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}"#.to_owned(),
        format!(r#"{{"choices":[{{"index":0,"delta":{{"content":"{first}"}}}}]}}"#),
        format!(r#"{{"choices":[{{"index":0,"delta":{{"content":"{rest}"}}}}]}}"#),
        r#"{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"timings":{"predicted_n":7}}"#.to_owned(),
        r#"{"choices":[],"usage":{"prompt_tokens":250,"completion_tokens":7}}"#.to_owned(),
        "[DONE]".to_owned(),
    ];
    for chunk in chunks {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let event = format!("data: {chunk}\n\n");
        stream.write_all(event.as_bytes()).await.expect("write");
    }
    let _ = stream.shutdown().await;
}

#[tokio::test]
async fn the_llama_client_streams_and_sends_candors_prompt_and_history() {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let url = fake_llama_server(Arc::clone(&bodies)).await;
    let system_prompt =
        anonymous_system_prompt(&root().join("prompts"), "Candor Demo Shop").expect("prompt");
    let target = LoadTarget::Llama {
        url,
        system_prompt: system_prompt.clone(),
    };

    let report = run_load(&plan(target, None)).await;
    let summary = report.summary(Some("fake"));

    assert!(report.errors.is_empty(), "errors: {:?}", report.errors);
    assert_eq!(summary.completed_turns, 6);
    assert_eq!(summary.generated_tokens, 42);
    assert_eq!(summary.token_source, "server");
    assert!(report
        .turns
        .iter()
        .all(|t| t.ttft.is_some_and(|ttft| ttft >= Duration::from_millis(5))));
    assert!(report.turns.iter().all(|t| t.text == REPLY));

    let bodies = bodies.lock().expect("lock").clone();
    assert_eq!(bodies.len(), 6);
    let third_turn = bodies
        .iter()
        .find(|b| b["messages"].as_array().is_some_and(|m| m.len() == 6))
        .expect("a third turn with the whole history");
    assert_eq!(third_turn["stream"], true);
    assert_eq!(third_turn["max_tokens"], 64);
    assert_eq!(third_turn["temperature"], 0.0);
    let messages = third_turn["messages"].as_array().expect("messages");
    let roles: Vec<&str> = messages.iter().filter_map(|m| m["role"].as_str()).collect();
    assert_eq!(
        roles,
        ["system", "user", "assistant", "user", "assistant", "user"]
    );
    assert_eq!(messages[0]["content"], system_prompt.as_str());
    assert_eq!(messages[2]["content"], REPLY);
    let script = CUSTOMER_SCRIPTS
        .iter()
        .find(|s| {
            messages[1]["content"]
                .as_str()
                .is_some_and(|first| first.ends_with(s.turns[0]))
        })
        .expect("the first turn comes from a script");
    assert_eq!(messages[5]["content"], script.turns[2]);
}
