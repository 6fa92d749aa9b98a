//! `POST /v1/agent/conversations/{id}/claim`: take a queued conversation.
//! Exactly one agent wins a race; the others get 409.

use actix_web::{web, HttpResponse};

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::routes::ApiError;

/// 200 with the new state, 409 when someone else was first, 404 when unknown.
pub async fn claim(
    agent: AgentAuth,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    state.conversations().claim(&id, &agent.0).await?;
    Ok(HttpResponse::Ok().json(
        serde_json::json!({ "conversation_id": id, "state": "agent", "agent_id": agent.0.id }),
    ))
}
