//! `GET /readyz`: may this instance take traffic? Ready when the database
//! answers with every migration of this build applied, the engine takes
//! requests (`Generator::is_ready`: always, for a loaded local model) and
//! the instance is not draining for a shutdown. `/healthz` stays the
//! liveness check.

use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::app_state::AppState;

/// The checks, each `true` when it passed.
#[derive(Debug, Serialize)]
struct Checks {
    /// The database answers and its migrations are current.
    store: bool,
    /// The engine takes requests.
    engine: bool,
    /// The instance is not draining.
    serving: bool,
}

/// 200 `{"status":"ready","checks":{...}}`, or 503 with `"not_ready"` and
/// the names of the checks that failed.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = match state.store.migrations_current().await {
        Ok(current) => current,
        Err(error) => {
            tracing::warn!(%error, "readyz: the database did not answer");
            false
        }
    };
    let checks = Checks {
        store,
        engine: state.engine.is_ready(),
        serving: !state.readiness.is_draining(),
    };
    let failed: Vec<&str> = [
        ("store", checks.store),
        ("engine", checks.engine),
        ("serving", checks.serving),
    ]
    .into_iter()
    .filter(|(_, ok)| !ok)
    .map(|(name, _)| name)
    .collect();
    if failed.is_empty() {
        HttpResponse::Ok().json(serde_json::json!({ "status": "ready", "checks": checks }))
    } else {
        HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "status": "not_ready", "checks": checks, "failed": failed }))
    }
}
