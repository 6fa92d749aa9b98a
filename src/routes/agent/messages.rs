//! `POST /v1/agent/conversations/{id}/messages` `{"text"}`: write to the customer.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::{conversation_id, AgentAuth};
use crate::app_state::AppState;
use crate::domain::MessageText;
use crate::error::Refusal;
use crate::routes::ApiError;

/// Request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    text: String,
}

/// 201 with the stored message; 409 unless the agent holds the conversation.
pub async fn post_message(
    agent: AgentAuth,
    path: web::Path<String>,
    body: web::Json<MessageBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let id = conversation_id(&path)?;
    let text = MessageText::parse(&body.text).map_err(|e| Refusal::message_text(&e))?;
    let message = state
        .conversations()
        .agent_message(&id, &agent.0, &text)
        .await?;
    Ok(HttpResponse::Created().json(message))
}
