//! `POST /v1/agent/conversations/{id}/typing`: the agent is typing; the
//! customer's widget shows it (`{"type":"typing","sender":"agent"}`).

use actix_web::{web, HttpResponse};

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::routes::ApiError;

/// 204; 409 unless the agent holds the conversation.
pub async fn typing(
    agent: AgentAuth,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    state.conversations().agent_typing(&id, &agent.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
