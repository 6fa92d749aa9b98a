//! `GET /healthz`: is the database reachable and the model loaded?

use actix_web::{web, HttpResponse};
use serde_json::json;

use crate::app_state::AppState;

/// 200 with component status when healthy, 503 otherwise.
pub async fn healthz(state: web::Data<AppState>) -> HttpResponse {
    let database = state.store.ping().await.is_ok();
    let body = json!({
        "status": if database { "ok" } else { "degraded" },
        "database": database,
        "model": state.model_description,
    });
    if database {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}
