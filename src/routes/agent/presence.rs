//! `POST /v1/agent/presence` `{"available":bool,"capacity":n}`: opt in or out
//! of auto-assignment.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::AgentAuth;
use crate::app_state::AppState;
use crate::routes::ApiError;

/// Request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresenceBody {
    available: bool,
    capacity: Option<u16>,
}

/// 200 with the new presence.
pub async fn set_presence(
    agent: AgentAuth,
    body: web::Json<PresenceBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let capacity = i64::from(body.capacity.unwrap_or(3).clamp(1, 100));
    state
        .store
        .set_agent_presence(&agent.0.id, body.available, capacity)
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "agent_id": agent.0.id, "available": body.available, "capacity": capacity })))
}
