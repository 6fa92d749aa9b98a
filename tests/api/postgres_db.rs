//! A throwaway PostgreSQL database for one test, created on the server named
//! by `CANDOR_TEST_POSTGRES_URL` (CI sets it) and dropped afterwards.

use sqlx::Connection;

pub struct ScratchDatabase {
    admin_url: String,
    name: String,
    pub url: String,
}

impl ScratchDatabase {
    /// `None` when `CANDOR_TEST_POSTGRES_URL` is unset: the caller says
    /// which story did not run and returns.
    pub async fn create() -> Option<Self> {
        let admin_url = std::env::var("CANDOR_TEST_POSTGRES_URL").ok()?;
        let name = format!("candor_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(&admin_url)
            .await
            .expect("postgres reachable");
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
