//! A throwaway PostgreSQL database for one test, created on the server named
//! by `CANDOR_TEST_POSTGRES_URL` or, without it, on the documented test
//! server [`DOCUMENTED_URL`] (`make test` and CI use it), and dropped afterwards.
//!
//! A PostgreSQL story never passes without running: when no server answers,
//! the test fails and says how to start one. Skipping is a decision made out
//! loud: with `CANDOR_TEST_POSTGRES=skip` the test passes without running and
//! writes a `SKIPPED` line straight to the terminal (past the test harness's
//! output capture), so the run shows it.

use std::io::Write;
use std::time::Duration;

use sqlx::Connection;

/// Where the PostgreSQL tests look when `CANDOR_TEST_POSTGRES_URL` is unset.
pub const DOCUMENTED_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

/// The test's name as the harness prints it.
fn test_name() -> String {
    std::thread::current()
        .name()
        .unwrap_or("a PostgreSQL test")
        .to_owned()
}

impl ScratchDatabase {
    /// A fresh database, or `None` only when the run chose to skip
    /// PostgreSQL (`CANDOR_TEST_POSTGRES=skip`); then the caller returns.
    /// Panics when no server answers: a backend that was not tested must
    /// not count as passed.
    pub async fn create() -> Option<Self> {
        if std::env::var("CANDOR_TEST_POSTGRES").as_deref() == Ok("skip") {
            // Not eprintln!: the harness captures that and shows it only for
            // failures. A direct write to stderr is always shown.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {}: PostgreSQL backend NOT tested (CANDOR_TEST_POSTGRES=skip)",
                test_name()
            );
            return None;
        }
        let (admin_url, source) = match std::env::var("CANDOR_TEST_POSTGRES_URL") {
            Ok(url) => (url, "CANDOR_TEST_POSTGRES_URL"),
            Err(_) => (DOCUMENTED_URL.to_owned(), "the documented test server"),
        };
        let connect = sqlx::PgConnection::connect(&admin_url);
        let mut admin = match tokio::time::timeout(Duration::from_secs(10), connect).await {
            Ok(Ok(admin)) => admin,
            failure => {
                let why = match failure {
                    Ok(Err(e)) => e.to_string(),
                    _ => "no answer within 10 s".into(),
                };
                panic!(
                    "{}: the PostgreSQL backend cannot be tested: {source} ({admin_url}) is \
                     not reachable: {why}. Start PostgreSQL there (.ci/run shows how), point \
                     CANDOR_TEST_POSTGRES_URL at a server, or set CANDOR_TEST_POSTGRES=skip \
                     to skip it knowingly.",
                    test_name()
                )
            }
        };
        let name = format!("candor_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create db");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .expect("url has a database");
        let url = format!("{base}/{name}");
        Some(Self {
            admin_url,
            name,
            url,
        })
    }

    /// Drops the database even if a backend of a closed pool is still
    /// exiting on the server (`WITH (FORCE)`, PostgreSQL 13+): closing a
    /// pool does not wait for the server side to finish.
    pub async fn drop_now(self) {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url)
            .await
            .expect("postgres reachable");
        sqlx::query(&format!("DROP DATABASE {} WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await
            .expect("drop db");
    }
}
