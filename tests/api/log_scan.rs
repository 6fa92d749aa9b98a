//! No personal data in the logs. The real `candor` binary with the real
//! model serves the demo shop at `RUST_LOG=debug` while demo customer c_1
//! goes through a whole session (signed hello, questions about their order
//! that quote their own name, email and phone, a handoff, an agent who
//! claims, views, writes and releases, a consent change, an export) and c_2
//! is erased. Then every line of stdout and stderr is scanned for the demo
//! customers' names, emails and phone numbers, and for every credential of
//! the session: the admin token, the widget secret, the customer's
//! signature, the agent's token and socket ticket. A second server, started
//! without `--demo` and without `CANDOR_ADMIN_TOKEN`, must put its generated
//! admin token in an owner-only file, never in its output.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use candor::domain::CustomerId;
use candor::gateway::WidgetSigner;
use candor::store::{demo, Store};
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const ADMIN_TOKEN: &str = "log-scan-admin";
const WIDGET_SECRET: &str = "log-scan-secret";
/// Longest wait for the server to load the model and listen.
const START_TIMEOUT: Duration = Duration::from_secs(300);

/// A `candor serve` child whose stdout and stderr go to one file.
struct LoggedServer {
    child: Child,
    port: u16,
    log: PathBuf,
}

/// How the server is started.
struct Launch {
    /// `--demo` (which also prints a generated admin token).
    demo: bool,
    /// `CANDOR_ADMIN_TOKEN`; `None` lets the server generate one.
    admin_token: Option<&'static str>,
}

impl LoggedServer {
    fn start(dir: &Path, db_url: &str, launch: Launch) -> Self {
        let model =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("models/SmolLM2-135M-Instruct.Q4_1.gguf");
        assert!(model.exists(), "run `python3 models/fetch_model.py` first");
        let config = dir.join("candor.toml");
        std::fs::write(
            &config,
            "[engine]\nmax_new_tokens = 32\nmax_generation_secs = 3600\n",
        )
        .expect("config");
        let log = dir.join("candor.log");
        let file = File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_candor"));
        command.arg("serve");
        if launch.demo {
            command.arg("--demo");
        }
        command
            .arg("--config")
            .arg(&config)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("RUST_LOG", "debug")
            .env("CANDOR_BIND", "127.0.0.1:0")
            .env("CANDOR_DATABASE_URL", db_url)
            .env("CANDOR_MODEL", &model)
            .env("CANDOR_WIDGET_SECRET", WIDGET_SECRET)
            .env_remove("CANDOR_ADMIN_TOKEN")
            .stdout(Stdio::from(file.try_clone().expect("log file")))
            .stderr(Stdio::from(file));
        if let Some(token) = launch.admin_token {
            command.env("CANDOR_ADMIN_TOKEN", token);
        }
        let child = command.spawn().expect("candor starts");
        let mut server = Self {
            child,
            port: 0,
            log,
        };
        let started = Instant::now();
        while server.port == 0 {
            let text = std::fs::read_to_string(&server.log).unwrap_or_default();
            server.port = text
                .lines()
                .find_map(|l| l.strip_prefix("Candor is listening on http://127.0.0.1:"))
                .and_then(|port| port.trim().parse().ok())
                .unwrap_or(0);
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("candor exited ({status}) before listening:\n{text}");
            }
            assert!(started.elapsed() < START_TIMEOUT, "no banner:\n{text}");
            std::thread::sleep(Duration::from_millis(200));
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Stops the server as Ctrl-C would (SIGINT), and returns its whole log.
    fn stop(mut self) -> String {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::fs::read_to_string(&self.log).expect("log")
    }
}

impl Drop for LoggedServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn http(
    server: &LoggedServer,
    method: Method,
    path: &str,
    auth: (&str, &str),
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, server.url(path))
        .header(auth.0, auth.1);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Every demo customer's email, phone, full name and each part of the name.
async fn demo_personal_strings(db_url: &str) -> Vec<String> {
    let store = Store::connect(db_url).await.expect("store");
    demo::load(&store).await.expect("demo");
    let mut needles: Vec<String> = demo::personal_strings()
        .into_iter()
        .map(String::from)
        .collect();
    for id in ["c_1", "c_2", "c_3", "c_4"] {
        let id = CustomerId::parse(id).expect("id");
        let customer = store.customer(&id).await.expect("query").expect("demo");
        needles.extend(customer.name.split_whitespace().map(String::from));
        needles.push(customer.name);
    }
    store.close().await;
    assert!(needles.len() >= 16, "{needles:?}");
    needles
}

/// c_1's whole session, and c_2's erasure; returns the credentials it used
/// (besides the admin token and widget secret).
async fn session(server: &LoggedServer, signer: &WidgetSigner) -> Vec<String> {
    let admin = format!("Bearer {ADMIN_TOKEN}");
    let admin = ("Authorization", admin.as_str());
    let c_1 = signer.sign("c_1");
    let customer = ("X-Candor-Signature", c_1.as_str());
    let ws_url = format!("ws://127.0.0.1:{}/v1/chat/ws", server.port);
    let (mut ws, _) = tokio_tungstenite::connect_async(ws_url)
        .await
        .expect("socket");
    send(
        &mut ws,
        json!({"type":"hello","locale":"en","customer":{"id":"c_1","signature":c_1}}),
    )
    .await;
    let welcome = recv(&mut ws).await;
    assert_eq!(welcome["verified"], true, "{welcome}");
    let conversation = welcome["conversation_id"].as_str().expect("id").to_owned();
    // The model answers the first question (slow in a dev build: one reply
    // is minutes of prefill), the answer plan the second from the store; the
    // third is asked while queued, so it goes to the agents instead.
    let ask = "Hi, this is Emma Johnson, emma.johnson@example.com, phone +1 555 0101. \
               Can you recommend a tea for me?";
    let frames = exchange(&mut ws, "q1", ask).await;
    let reply = frames.last().expect("reply");
    assert_eq!(reply["sender"], "ai", "the model answered: {reply}");
    assert_eq!(reply["why"]["answer"], "model", "{reply}");
    let ask = "Emma Johnson again (+1 555 0101). Where is my order A1001?";
    let frames = exchange(&mut ws, "q1b", ask).await;
    let reply = frames.last().expect("reply");
    assert_eq!(reply["why"]["answer"], "account", "{reply}");
    send(&mut ws, json!({"type":"handoff_request"})).await;
    recv_until(&mut ws, |f| f["type"] == "handoff").await;
    send(&mut ws, json!({"type":"typing"})).await;
    let ask = "Also, Emma Johnson here again: when will my Earl Grey (A1002) ship?";
    send(
        &mut ws,
        json!({"type":"message","client_id":"q2","text":ask}),
    )
    .await;
    recv_until(&mut ws, |f| is_message_from(f, "customer")).await;

    let (status, agent) = http(
        server,
        Method::POST,
        "/v1/admin/agents",
        admin,
        Some(json!({"name":"Sam"})),
    )
    .await;
    assert_eq!(status, 201);
    let agent_token = agent["token"].as_str().expect("token").to_owned();
    let agent = format!("Bearer {agent_token}");
    let agent = ("Authorization", agent.as_str());
    let (status, ticket) = http(server, Method::POST, "/v1/agent/ws-ticket", agent, None).await;
    assert_eq!(status, 200);
    let ticket = ticket["ticket"].as_str().expect("ticket").to_owned();
    let agent_ws = format!("ws://127.0.0.1:{}/v1/agent/ws?ticket={ticket}", server.port);
    let (mut agent_ws, _) = tokio_tungstenite::connect_async(agent_ws)
        .await
        .expect("agent socket");
    let base = format!("/v1/agent/conversations/{conversation}");
    let text = "Hello Emma Johnson, order A1001 for emma.johnson@example.com is on its way.";
    for (method, path, body, expected) in [
        (Method::POST, format!("{base}/claim"), None, 200),
        (Method::GET, base.clone(), None, 200),
        (
            Method::POST,
            format!("{base}/messages"),
            Some(json!({"text":text})),
            201,
        ),
        (Method::POST, format!("{base}/release"), None, 200),
    ] {
        let (status, body) = http(server, method, &path, agent, body).await;
        assert_eq!(status, expected, "{path}: {body}");
    }
    recv_until(&mut ws, |f| {
        f["type"] == "handoff" && f["state"] == "returned"
    })
    .await;
    recv_until(&mut agent_ws, |e| e["type"] == "released").await;
    ws.close(None).await.expect("close");

    let privacy = "/v1/privacy/customers";
    let (status, _) = http(
        server,
        Method::PUT,
        &format!("{privacy}/c_1/consent"),
        customer,
        Some(json!({"marketing":true})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, export) = http(
        server,
        Method::GET,
        &format!("{privacy}/c_1/export"),
        customer,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(export["customer"]["email"], "emma.johnson@example.com");
    let (status, _) = http(
        server,
        Method::DELETE,
        &format!("{privacy}/c_2"),
        admin,
        None,
    )
    .await;
    assert_eq!(status, 200);
    vec![agent_token, ticket, c_1]
}

/// Every line of `log` holding one of `needles`.
fn hits(log: &str, needles: &[String]) -> Vec<String> {
    log.lines()
        .flat_map(|line| {
            needles
                .iter()
                .filter(|needle| line.contains(needle.as_str()))
                .map(move |needle| format!("{needle:?} in: {line}"))
        })
        .collect()
}

#[tokio::test]
async fn a_full_session_at_debug_level_logs_no_personal_data() {
    let dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}/scan.db", dir.path().display());
    let needles = demo_personal_strings(&db_url).await;
    let server = LoggedServer::start(
        dir.path(),
        &db_url,
        Launch {
            demo: true,
            admin_token: Some(ADMIN_TOKEN),
        },
    );
    let credentials = session(
        &server,
        &WidgetSigner::new(WIDGET_SECRET.to_string().into()),
    )
    .await;
    let log = server.stop();

    // The log really is a debug log of this session, so the scan means something.
    for expected in [
        "DEBUG",
        "generation finished",
        "conversation started",
        "/v1/agent/conversations/",
        "/v1/privacy/customers/c_1/export",
        "customer erased",
    ] {
        assert!(log.contains(expected), "the log lacks {expected:?}:\n{log}");
    }
    let personal = hits(&log, &needles);
    assert!(
        personal.is_empty(),
        "personal data in the log ({} lines scanned):\n{}",
        log.lines().count(),
        personal.join("\n")
    );
    let mut secrets = vec![ADMIN_TOKEN.to_owned(), WIDGET_SECRET.to_owned()];
    secrets.extend(credentials);
    assert_eq!(secrets.len(), 5);
    assert!(log.contains("/v1/agent/ws"), "the agent socket was used");
    let leaked = hits(&log, &secrets);
    assert!(
        leaked.is_empty(),
        "credentials in the log:\n{}",
        leaked.join("\n")
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_generated_admin_token_goes_to_an_owner_only_file_not_to_the_output() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("dir");
    let db_url = format!("sqlite://{}/db/candor.db", dir.path().display());
    let server = LoggedServer::start(
        dir.path(),
        &db_url,
        Launch {
            demo: false,
            admin_token: None,
        },
    );
    let file = dir.path().join("db/admin-token");
    let token = std::fs::read_to_string(&file).expect("the token file next to the database");
    let token = token.trim().to_owned();
    assert!(token.len() >= 32, "a generated token");
    let mode = std::fs::metadata(&file).expect("meta").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "owner-only");
    // The file's token is the one in force.
    let admin = format!("Bearer {token}");
    let (status, _) = http(
        &server,
        Method::POST,
        "/v1/admin/agents",
        ("Authorization", admin.as_str()),
        Some(json!({"name":"Sam"})),
    )
    .await;
    assert_eq!(status, 201);
    let log = server.stop();
    assert!(
        log.contains(&file.display().to_string()),
        "the output says where the token is:\n{log}"
    );
    assert!(!log.contains(&token), "the token is in the output:\n{log}");
}
