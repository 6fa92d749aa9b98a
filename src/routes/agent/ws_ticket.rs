//! `POST /v1/agent/ws-ticket`: trade the agent token (header) for a
//! single-use ticket that opens the agent socket within 30 s
//! (`GET /v1/agent/ws?ticket=...`).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::AgentAuth;
use crate::app_state::AppState;
use crate::handoff::TICKET_TTL;
use crate::routes::ApiError;

/// 200 `{"ticket","expires_in"}`; never cached.
pub async fn ws_ticket(
    agent: AgentAuth,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let ticket = state.agent_tickets.issue(&agent.0.id);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({ "ticket": ticket, "expires_in": TICKET_TTL.as_secs() })))
}
