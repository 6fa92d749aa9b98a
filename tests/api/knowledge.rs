//! The knowledge-base API (`/v1/admin/kb`) against the real server, on a
//! fresh SQLite file always and on a fresh PostgreSQL database when
//! `CANDOR_TEST_POSTGRES_URL` is set: every status code, entries surviving a
//! restart, a `prompts/kb` folder loaded at start, and an entry written
//! through the API reaching retrieval on the next call, also on a second
//! server sharing the database.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candor::domain::Locale;
use candor::engine::ScriptedEngine;
use candor::knowledge::Knowledge;
use candor::startup::{Application, BuildOptions};
use serde_json::{json, Value};

use crate::helpers::test_settings;
use crate::postgres_db::ScratchDatabase;

/// A running server with the fixture knowledge base in its prompts folder.
struct KbApp {
    port: u16,
    token: String,
    knowledge: Arc<Knowledge>,
    store: candor::store::Store,
    handle: actix_web::dev::ServerHandle,
}

/// A copy of the repository's `prompts/` whose `kb/` holds only the
/// fixture files (`tests/data/kb_fixture`).
fn fixture_prompts(dir: &tempfile::TempDir) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let prompts = dir.path().join("prompts");
    copy_dir(&root.join("prompts"), &prompts);
    let kb = prompts.join("kb");
    let _ = std::fs::remove_dir_all(&kb);
    copy_dir(&root.join("tests/data/kb_fixture"), &kb);
    prompts
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let path = entry.expect("entry").path();
        let target = to.join(path.file_name().expect("name"));
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copy");
        }
    }
}

async fn spawn(dir: &tempfile::TempDir, db_url: &str, prompts: &Path) -> KbApp {
    let mut settings = test_settings(dir);
    settings.database_url = db_url.to_owned();
    settings.prompts_dir = prompts.to_owned();
    let app = Application::build(
        settings,
        BuildOptions {
            engine: Some(Arc::new(ScriptedEngine::echo())),
            load_demo: false,
        },
    )
    .await
    .expect("app builds");
    let kb = KbApp {
        port: app.port(),
        token: app.admin_token().to_owned(),
        knowledge: Arc::clone(app.knowledge()),
        store: app.store().clone(),
        handle: app.handle(),
    };
    tokio::spawn(app.run_until_stopped());
    kb
}

impl KbApp {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let client = reqwest::Client::new();
        let mut request = match method {
            "PUT" => client.put(url),
            "DELETE" => client.delete(url),
            _ => client.get(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call(method, path, Some(&self.token.clone()), body)
            .await
    }

    async fn entries(&self) -> Vec<Value> {
        let (status, body) = self.admin("GET", "/v1/admin/kb", None).await;
        assert_eq!(status, 200, "{body}");
        body["entries"].as_array().expect("entries").clone()
    }

    async fn top_hit(&self, locale: Locale, question: &str) -> Option<String> {
        self.knowledge
            .retrieve(locale, question)
            .await
            .first()
            .map(|h| h.entry.id.to_string())
    }

    async fn stop(self) {
        self.handle.stop(true).await;
        self.store.close().await;
    }
}

fn entry_body(title: &str, text: &str, locale: &str) -> Value {
    json!({"title": title, "text": text, "locale": locale})
}

const GIFT: &str = "Do you offer gift wrapping?";

/// The whole story on one database.
async fn story(db_url: &str) {
    let dir = tempfile::tempdir().expect("dir");
    let prompts = fixture_prompts(&dir);
    let app = spawn(&dir, db_url, &prompts).await;

    // The fixture files were loaded at start, credential line dropped.
    let entries = app.entries().await;
    let ids: Vec<&str> = entries.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(ids.len(), 10, "{ids:?}");
    assert!(ids.contains(&"returns") && ids.contains(&"devoluciones-y-reembolsos.es"));
    let payment = entries
        .iter()
        .find(|e| e["id"] == "payment")
        .expect("payment");
    assert_eq!(payment["locale"], "en");
    assert!(payment["updated_at"].as_i64().is_some_and(|t| t > 0));
    let text = payment["text"].as_str().expect("text");
    assert!(
        text.contains("We never ask for a password") && !text.contains("CANARY"),
        "{text}"
    );
    assert_eq!(
        entries[0].as_object().map(|o| o.len()),
        Some(5),
        "exactly id, title, text, locale, updated_at"
    );

    // Auth as on every admin route.
    for token in [None, Some("wrong-token")] {
        let (status, body) = app.call("GET", "/v1/admin/kb", token, None).await;
        assert_eq!((status, body["code"].as_str()), (401, Some("unauthorized")));
        let (status, _) = app
            .call(
                "PUT",
                "/v1/admin/kb/x",
                token,
                Some(entry_body("T", "x", "en")),
            )
            .await;
        assert_eq!(status, 401);
        let (status, _) = app
            .call("DELETE", "/v1/admin/kb/returns", token, None)
            .await;
        assert_eq!(status, 401);
    }

    // Create, then replace; the next retrieval sees each version.
    assert_eq!(app.top_hit(Locale::En, GIFT).await, None);
    let body = entry_body("Gift wrapping", "We gift-wrap any order for 3.00.", "en");
    let (status, created) = app
        .admin("PUT", "/v1/admin/kb/gift-wrapping", Some(body))
        .await;
    assert_eq!(
        (status, created.clone()),
        (201, json!({"id":"gift-wrapping","created":true}))
    );
    assert_eq!(
        app.top_hit(Locale::En, GIFT).await.as_deref(),
        Some("gift-wrapping")
    );
    let before = app.entries().await;
    let body = entry_body(
        "Gift wrapping",
        "We gift-wrap any order for 4.00 and add a card.",
        "en",
    );
    let (status, replaced) = app
        .admin("PUT", "/v1/admin/kb/gift-wrapping", Some(body))
        .await;
    assert_eq!(
        (status, replaced),
        (200, json!({"id":"gift-wrapping","created":false}))
    );
    let after = app.entries().await;
    let gift = |list: &[Value]| {
        list.iter()
            .find(|e| e["id"] == "gift-wrapping")
            .cloned()
            .expect("gift")
    };
    assert!(gift(&after)["text"]
        .as_str()
        .expect("text")
        .contains("4.00"));
    assert!(gift(&after)["updated_at"].as_i64() > gift(&before)["updated_at"].as_i64());
    let hits = app.knowledge.retrieve(Locale::En, GIFT).await;
    assert!(
        hits[0].entry.text.contains("4.00"),
        "the replaced text is retrieved"
    );
    // A Spanish entry is retrieved for Spanish questions only.
    let body = entry_body(
        "Envoltorio de regalo",
        "Envolvemos cualquier pedido para regalo por 3,00.",
        "es-ES",
    );
    let (status, _) = app
        .admin("PUT", "/v1/admin/kb/gift-wrapping.es", Some(body))
        .await;
    assert_eq!(status, 201);
    let es = app
        .top_hit(Locale::Es, "¿Envuelven los pedidos para regalo?")
        .await;
    assert_eq!(es.as_deref(), Some("gift-wrapping.es"));

    // Bad requests: 400 with a stable code, nothing written.
    let long = "x".repeat(8_001);
    let long_title = "t".repeat(201);
    for (path, body, code) in [
        (
            "/v1/admin/kb/bad%20id",
            entry_body("T", "x", "en"),
            "invalid_entry_id",
        ),
        (
            "/v1/admin/kb/%C3%A9",
            entry_body("T", "x", "en"),
            "invalid_entry_id",
        ),
        (
            "/v1/admin/kb/n",
            entry_body(" ", "x", "en"),
            "invalid_title",
        ),
        (
            "/v1/admin/kb/n",
            entry_body(&long_title, "x", "en"),
            "invalid_title",
        ),
        (
            "/v1/admin/kb/n",
            entry_body("T", "\n ", "en"),
            "invalid_text",
        ),
        (
            "/v1/admin/kb/n",
            entry_body("T", &long, "en"),
            "invalid_text",
        ),
        (
            "/v1/admin/kb/n",
            entry_body("T", "x", "xx"),
            "invalid_locale",
        ),
        (
            "/v1/admin/kb/n",
            json!({"title":"T","text":"x","locale":"en","tags":[]}),
            "invalid_body",
        ),
        (
            "/v1/admin/kb/n",
            json!({"title":"T","text":"x"}),
            "invalid_body",
        ),
        (
            "/v1/admin/kb/n",
            entry_body(
                "Wifi",
                "Guest wifi.\nStaff wifi password: CANARY-71f3",
                "en",
            ),
            "credential_in_text",
        ),
        (
            "/v1/admin/kb/n",
            entry_body("Courier", "token=CANARY-5e", "en"),
            "credential_in_text",
        ),
    ] {
        let (status, body) = app.admin("PUT", path, Some(body)).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (400, Some(code)),
            "{path}: {body}"
        );
        assert!(
            !body.to_string().contains("CANARY"),
            "the error never echoes the value"
        );
    }
    let (status, _) = app
        .admin(
            "PUT",
            "/v1/admin/kb/n",
            Some(entry_body(
                "Payment",
                "We never ask for a password in chat.",
                "en",
            )),
        )
        .await;
    assert_eq!(status, 201, "a line that only mentions a password is fine");
    assert_eq!(app.entries().await.len(), 13);

    // Delete: 200, then 404; retrieval forgets it at once.
    let (status, body) = app
        .admin("DELETE", "/v1/admin/kb/gift-wrapping", None)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .admin("DELETE", "/v1/admin/kb/gift-wrapping", None)
        .await;
    assert_eq!((status, body["code"].as_str()), (404, Some("not_found")));
    let (status, body) = app.admin("DELETE", "/v1/admin/kb/bad%20id", None).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_entry_id"))
    );
    assert_ne!(
        app.top_hit(Locale::En, GIFT).await.as_deref(),
        Some("gift-wrapping")
    );

    // Audited with ids only.
    let pool = {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(db_url).await.expect("raw pool")
    };
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT code, actor, detail FROM audit_events WHERE code LIKE 'kb_entry_%' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("audit");
    let admin_rows: Vec<(String, String)> = rows
        .iter()
        .filter(|(_, actor, _)| actor == "admin")
        .map(|(code, _, detail)| (code.clone(), detail.clone()))
        .collect();
    assert_eq!(admin_rows.len(), 5, "{admin_rows:?}");
    assert_eq!(admin_rows[0].0, "kb_entry_written");
    assert_eq!(admin_rows[4].0, "kb_entry_deleted");
    assert!(admin_rows[4].1.contains("gift-wrapping"));
    assert!(
        rows.iter().all(|(_, _, d)| !d.contains("gift-wrap any")),
        "no entry text in the audit"
    );
    assert_eq!(
        rows.iter().filter(|(_, a, _)| a == "system").count(),
        10,
        "one per file entry"
    );
    pool.close().await;

    // A second server on the same database sees writes on its next retrieval.
    let dir2 = tempfile::tempdir().expect("dir");
    let other = spawn(&dir2, db_url, &prompts).await;
    let body = entry_body(
        "Loyalty points",
        "Every 10.00 spent earns one loyalty point.",
        "en",
    );
    let (status, _) = app.admin("PUT", "/v1/admin/kb/loyalty", Some(body)).await;
    assert_eq!(status, 201);
    let loyalty = "How do loyalty points work?";
    assert_eq!(
        other.top_hit(Locale::En, loyalty).await.as_deref(),
        Some("loyalty")
    );
    let (status, _) = other.admin("DELETE", "/v1/admin/kb/loyalty", None).await;
    assert_eq!(status, 200);
    assert_ne!(
        app.top_hit(Locale::En, loyalty).await.as_deref(),
        Some("loyalty")
    );
    other.stop().await;

    // Entries survive a restart; the files are not written again.
    let version = app.store.kb_version().await.expect("version");
    app.stop().await;
    let dir3 = tempfile::tempdir().expect("dir");
    let again = spawn(&dir3, db_url, &prompts).await;
    assert_eq!(again.store.kb_version().await.expect("version"), version);
    let ids: Vec<String> = again
        .entries()
        .await
        .iter()
        .filter_map(|e| e["id"].as_str().map(str::to_owned))
        .collect();
    assert!(ids.contains(&"gift-wrapping.es".to_owned()) && ids.contains(&"n".to_owned()));
    assert_eq!(ids.len(), 12, "{ids:?}");
    let es = again
        .top_hit(Locale::Es, "¿Envuelven los pedidos para regalo?")
        .await;
    assert_eq!(es.as_deref(), Some("gift-wrapping.es"));
    again.stop().await;
}

#[tokio::test]
async fn the_knowledge_base_api_works_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    story(&format!("sqlite://{}/kb.db", dir.path().display())).await;
}

#[tokio::test]
async fn the_knowledge_base_api_works_on_postgres() {
    let Some(db) = ScratchDatabase::create().await else {
        eprintln!(
            "CANDOR_TEST_POSTGRES_URL is not set: the PostgreSQL knowledge-base story did not run"
        );
        return;
    };
    story(&db.url).await;
    db.drop_now().await;
}

#[tokio::test]
async fn a_malformed_knowledge_base_file_stops_the_start_naming_file_and_line() {
    let dir = tempfile::tempdir().expect("dir");
    let prompts = fixture_prompts(&dir);
    std::fs::write(
        prompts.join("kb/extra.md"),
        "# Notes\n\n## Shipping again {#shipping}\nDuplicate.\n",
    )
    .expect("write");
    let mut settings = test_settings(&dir);
    settings.prompts_dir = prompts;
    let error = Application::build(
        settings,
        BuildOptions {
            engine: Some(Arc::new(ScriptedEngine::echo())),
            load_demo: false,
        },
    )
    .await
    .err()
    .expect("start fails")
    .to_string();
    assert!(
        error.contains("extra.md:3") && error.contains("duplicate entry id"),
        "{error}"
    );
}
