//! `POST /v1/admin/agents` `{"name"}` → `{"id","token"}`. The token is shown
//! once; only its hash is stored.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::handoff::{hash_token, new_token};
use crate::routes::auth::Admin;
use crate::routes::ApiError;

/// Request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentBody {
    name: String,
}

/// 201 with the new agent's id and token.
pub async fn create_agent(
    _admin: Admin,
    body: web::Json<AgentBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            ErrorCode::InvalidName,
            "name must be 1-80 printable characters",
        ));
    }
    let id = format!("agent_{}", uuid::Uuid::new_v4().simple());
    let token = new_token();
    let agent = state
        .store
        .create_agent(&id, name, &hash_token(&token))
        .await?;
    Ok(HttpResponse::Created()
        .json(serde_json::json!({ "id": agent.id, "name": agent.name, "token": token })))
}
