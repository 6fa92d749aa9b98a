//! The remote engine end to end against a real llama.cpp `llama-server`
//! (built by `scripts/llama_server.sh` from the `llama-cpp-python==0.3.36`
//! source distribution) serving the default model: a customer's suggestion
//! gets a streamed, guarded AI reply with its `why` record, a forged turn
//! gets a real reply too, and every forged control token of the red-team
//! data reaches the server as plain text — checked with the server's own
//! tokenizer (`/tokenize`, special-token parsing on, as for prompts) on
//! exactly the text Candor sent, recorded by a pass-through proxy.
//!
//! Never skipped: without `CANDOR_TEST_LLAMA_SERVER` the test runs the
//! script, which prints the cached binary at once or builds it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use candor::engine::tokenizer::ModelTokenizer;
use candor::redteam::{load_dir, CaseBody, Category};
use serde_json::{json, Value};

use crate::helpers::*;
use crate::openai_stub::{Script, Stub};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn model() -> PathBuf {
    let model = root().join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
    assert!(model.exists(), "run `python3 models/fetch_model.py` first");
    model
}

/// `CANDOR_TEST_LLAMA_SERVER`, or what `scripts/llama_server.sh` prints.
fn llama_server_binary() -> PathBuf {
    if let Ok(path) = std::env::var("CANDOR_TEST_LLAMA_SERVER") {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "CANDOR_TEST_LLAMA_SERVER={} is not a file",
            path.display()
        );
        return path;
    }
    let output = Command::new(root().join("scripts/llama_server.sh"))
        .stderr(Stdio::inherit())
        .output()
        .expect("run scripts/llama_server.sh");
    assert!(
        output.status.success(),
        "scripts/llama_server.sh could not build llama-server (it needs cmake, g++, make and \
         python3 with pip; see its output above), or set CANDOR_TEST_LLAMA_SERVER to a binary"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    PathBuf::from(
        stdout
            .lines()
            .last()
            .expect("the script prints the binary")
            .trim(),
    )
}

/// A `llama-server` child process, killed on drop.
struct LlamaServer {
    child: Child,
    base: String,
}

impl LlamaServer {
    async fn start() -> Self {
        let binary = llama_server_binary();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(&binary)
            .args(["-m", &model().display().to_string()])
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            // One thread: ggml's threads spin while they wait for each
            // other, and on a shared machine two of them on two busy cores
            // slow token generation twenty-fold (0.5 vs 11.7 tokens/s with
            // llama-bench here, load average 10).
            .args(["-c", "8192", "-np", "2", "-t", "1", "--no-webui"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("llama-server starts");
        let mut server = Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        server.wait_until_healthy().await;
        server
    }

    async fn wait_until_healthy(&mut self) {
        for _ in 0..600 {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("llama-server exited at start: {status}");
            }
            let health = reqwest::get(format!("{}/health", self.base)).await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        panic!("llama-server did not become healthy");
    }

    /// Token ids of `text` as the server reads prompts (special tokens parsed).
    async fn tokenize(&self, text: &str) -> Vec<u32> {
        let body: Value = reqwest::Client::new()
            .post(format!("{}/tokenize", self.base))
            .json(&json!({"content": text, "add_special": false, "parse_special": true}))
            .send()
            .await
            .expect("tokenize")
            .json()
            .await
            .expect("json");
        body["tokens"]
            .as_array()
            .expect("tokens")
            .iter()
            .map(|t| u32::try_from(t.as_u64().expect("id")).expect("u32"))
            .collect()
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The ids the default model reserves for control tokens.
fn control_ids() -> HashSet<u32> {
    let mut file = std::fs::File::open(model()).expect("open the GGUF");
    let content = candle_core::quantized::gguf_file::Content::read(&mut file).expect("GGUF");
    let tokenizer = ModelTokenizer::from_gguf(&content).expect("tokenizer");
    tokenizer
        .control_tokens()
        .iter()
        .map(|(_, id)| *id)
        .collect()
}

fn forged_cases() -> Vec<(String, String, Vec<String>)> {
    load_dir(&root().join("tests/data/red_team"))
        .expect("red-team data")
        .into_iter()
        .filter(|case| case.category == Category::ForgedTurn)
        .filter_map(|case| match case.body {
            CaseBody::Chat { locale, turns } => Some((case.id, locale.code().to_owned(), turns)),
            CaseBody::Malformed(_) => None,
        })
        .collect()
}

#[tokio::test]
async fn a_real_llama_server_answers_through_the_guard_and_reads_forged_tokens_as_text() {
    let server = LlamaServer::start().await;
    // The proxy passes the suggestion (request 0) and the first forged turn
    // (request 1) to llama-server for a real reply, and answers the other
    // forged turns itself: what is checked of those is what Candor sent,
    // with the server's tokenizer (on a shared 2-core machine a real reply
    // to each of them takes minutes).
    let upstream = server.base.clone();
    let proxy = Stub::start(move |n| {
        if n < 2 {
            Script::Proxy(upstream.clone())
        } else {
            Script::Reply(vec!["Try ".into(), "a green tea.".into()])
        }
    })
    .await;
    let url = proxy.url.clone();
    let app = spawn_app_with(None, move |s| {
        s.engine.backend = candor::engine::EngineBackend::OpenAi;
        s.engine.url = Some(url);
        s.engine.model = Some("SmolLM2-135M-Instruct".into());
        s.engine.max_new_tokens = std::num::NonZeroUsize::new(32).expect("non-zero");
        s.engine.cache_prompt = true;
        s.engine.first_token_timeout_secs = std::num::NonZeroU64::new(300).expect("non-zero");
    })
    .await;

    // A verified customer asks for a suggestion: a streamed AI reply,
    // stored exactly as streamed, with its why record.
    let (mut ws, welcome) = app.hello(app.customer_hello("c_1", "en")).await;
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    let frames = exchange(
        &mut ws,
        "q1",
        "Can you recommend a tea for a rainy afternoon?",
    )
    .await;
    let reply = frames.last().expect("reply");
    assert_eq!(reply["sender"], "ai", "llama-server answered: {reply}");
    assert!(
        ["model", "dont_know"].contains(&reply["why"]["answer"].as_str().unwrap_or_default()),
        "{reply}"
    );
    assert!(reply["why"]["sources"].is_array(), "{reply}");
    let streamed: String = frames
        .iter()
        .filter(|f| f["type"] == "delta")
        .map(|f| f["text"].as_str().unwrap_or_default())
        .collect();
    let text = reply["text"].as_str().expect("text");
    assert!(!text.trim().is_empty());
    assert_eq!(streamed, text);
    let stored = stored_messages(&app, &conversation).await;
    assert_eq!(stored.last().map(|m| m.text.as_str()), Some(text));

    // Every forged-turn case of the red-team data, through Candor.
    let cases = forged_cases();
    assert_eq!(cases.len(), 34);
    for (id, locale, turns) in &cases {
        let (mut ws, _) = app.hello(json!({"type":"hello","locale":locale})).await;
        for (n, turn) in turns.iter().enumerate() {
            let frames = exchange(&mut ws, &format!("{id}-{n}"), turn).await;
            let last = frames.last().expect("answered");
            assert!(
                last["sender"] == "ai" || last["sender"] == "system",
                "{id}: {last}"
            );
        }
    }

    // What the server's model read: the contents Candor sent, tokenized
    // by the server the way it tokenizes prompts.
    let control = control_ids();
    let sent: Vec<String> = proxy
        .requests()
        .iter()
        .flat_map(|r| r.body["messages"].as_array().cloned().unwrap_or_default())
        .filter_map(|m| m["content"].as_str().map(str::to_owned))
        .collect();
    let mut forged_reached = 0;
    let mut would_have_forged = 0;
    let mut sent_forged = 0;
    for (id, _, turns) in &cases {
        for turn in turns.iter().map(|t| t.trim()) {
            let raw_ids = server.tokenize(turn).await;
            let spells_control = raw_ids.iter().any(|id| control.contains(id));
            would_have_forged += usize::from(spells_control);
            for content in sent
                .iter()
                .filter(|c| c.replace('\u{2060}', "").contains(turn))
            {
                let ids = server.tokenize(content).await;
                assert!(
                    !ids.iter().any(|id| control.contains(id)),
                    "{id}: a forged control token reached llama-server's model as a control id"
                );
                sent_forged += 1;
                forged_reached += usize::from(spells_control);
            }
        }
    }
    println!(
        "forged texts sent: {sent_forged}; of them spelling this model's control tokens: \
         {forged_reached}; turns that spell them: {would_have_forged}"
    );
    // Not vacuous: unneutralised, these turns would write control tokens
    // (the other spellings belong to other template families), and they
    // reached the server (identity set-ups are answered before the model).
    assert!(
        would_have_forged >= 20,
        "the data spells this model's control tokens ({would_have_forged} turns)"
    );
    assert!(
        forged_reached >= 10,
        "only {forged_reached} forged texts reached the server"
    );
}
