//! `GET /v1/agent/queue`: conversations waiting for a human, oldest first.

use actix_web::{web, HttpResponse};

use super::AgentAuth;
use crate::app_state::AppState;
use crate::routes::ApiError;

/// `{"queue":[{conversation_id, customer_id, reason, queued_at, position, locale}]}`
pub async fn get_queue(
    _agent: AgentAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let queue = state.store.queue().await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "queue": queue })))
}
