//! The widget and the agent console in a real browser: Debian's chromium,
//! driven by playwright-core (`tests/browser/e2e.mjs`, run with node)
//! against the real server and model. The stories are those of issue 11:
//! disclosure, a streamed AI-labelled reply with its why, the queue
//! position, two agents in the console (claim, typing, reply, release,
//! close), a reload that loses nothing, agent markup shown as text, the
//! privacy menu of a verified customer, the one-line embed on a shop page
//! of another origin, another locale on a 360-px phone, and axe-core on
//! both pages. Screenshots land in
//! `target/browser-artifacts/`. Fails, never skips, without chromium, node
//! or `npm ci` in `tests/browser`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::helpers::*;

fn browser_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.is_ok_and(|o| o.status.success()),
        "node is missing: install Node.js 20+ (.ci/run uses Debian's nodejs)"
    );
    for package in ["playwright-core", "axe-core"] {
        assert!(
            dir.join("node_modules").join(package).exists(),
            "{package} is missing: run `npm ci` in tests/browser (.ci/run does this)"
        );
    }
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

async fn agent_token(app: &TestApp, name: &str) -> String {
    let body: serde_json::Value = reqwest::Client::new()
        .post(app.url("/v1/admin/agents"))
        .bearer_auth(&app.admin_token)
        .json(&json!({ "name": name }))
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    body["token"].as_str().expect("token").to_owned()
}

#[tokio::test]
async fn the_widget_and_the_console_work_end_to_end_in_a_real_browser() {
    let chromium = chromium();
    let dir = browser_dir();
    // The pages' sockets must pass the Origin check, so the ports are chosen
    // first: Candor's own (demo page, console) and a shop page's (the embed).
    let port = free_port();
    let origin = format!("http://127.0.0.1:{port}");
    let shop = format!("http://127.0.0.1:{}", free_port());
    let app = spawn_app_with(None, |s| {
        s.bind = format!("127.0.0.1:{port}");
        s.allowed_origins = vec![origin.clone(), shop.clone()];
    })
    .await;
    let tokens = format!(
        "{},{}",
        agent_token(&app, "Sam").await,
        agent_token(&app, "Ana").await
    );
    let artifacts = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-artifacts");
    // node runs on a blocking thread so this runtime keeps serving the pages.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg("e2e.mjs")
            .current_dir(dir)
            .env("CANDOR_URL", origin)
            .env("CANDOR_SHOP_URL", shop)
            .env("CANDOR_AGENT_TOKENS", tokens)
            .env("CANDOR_CHROMIUM", chromium)
            .env("CANDOR_ARTIFACTS", &artifacts)
            .output()
    })
    .await
    .expect("node ran")
    .expect("node starts");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}");
    assert!(
        output.status.success(),
        "browser stories failed:\n{stdout}\n{stderr}"
    );
    app.stop().await;
}
