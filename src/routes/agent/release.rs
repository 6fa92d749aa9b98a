//! `POST /v1/agent/conversations/{id}/release`: hand back to the AI.

use actix_web::{web, HttpResponse};

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::routes::ApiError;

/// 200 when released, 409 when the agent does not hold the conversation.
pub async fn release(
    agent: AgentAuth,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    state.conversations().release(&id, &agent.0).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "conversation_id": id, "state": "bot" })))
}
