//! `POST /v1/agent/conversations/{id}/close`: end the conversation.

use actix_web::{web, HttpResponse};

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::routes::ApiError;

/// 200 when closed, 409 when the agent does not hold the conversation.
pub async fn close(
    agent: AgentAuth,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    state.conversations().close(&id, &agent.0).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "conversation_id": id, "state": "closed" })))
}
