//! `GET /v1/agent/ws`: the agent's live feed as JSON text frames. Opened
//! with a ticket (`?ticket=`, from `POST /v1/agent/ws-ticket`) or the
//! `Authorization: Bearer` header; a token in the URL is not accepted.
//! What each agent receives is decided by [`AgentFeed`]: queue events for
//! all, customer text and typing only for the conversation's holder.

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use super::AgentAuth;
use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::gateway::agent_socket;
use crate::handoff::AgentFeed;
use crate::metrics::SocketKind;
use crate::routes::ApiError;
use crate::store::AgentRecord;

/// Upgrades for an authenticated agent.
pub async fn agent_ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    // Draining for a shutdown: the balancer sends the widget elsewhere.
    if !state.conversations().lifecycle().is_serving() {
        return Err(ApiError::ShuttingDown.into());
    }
    let agent = authenticate(&req, &state).await?;
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        actix_web::Error::from(ApiError::invalid(ErrorCode::NotAWebsocket, e.to_string()))
    })?;
    let feed = AgentFeed::new(
        state.conversations().agent_hub(),
        state.store.clone(),
        agent.id.clone(),
    );
    let phase = state.conversations().lifecycle().watch();
    let open = state.metrics.socket_opened(SocketKind::Agent);
    actix_web::rt::spawn(async move {
        agent_socket::serve(feed, agent.id, phase, session, stream).await;
        drop(open);
    });
    Ok(response)
}

/// The agent of a `?ticket=` (spent here) or of the bearer header.
async fn authenticate(req: &HttpRequest, state: &AppState) -> Result<AgentRecord, ApiError> {
    let query =
        web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .map_err(|_| ApiError::Unauthorized)?;
    let Some(ticket) = query.get("ticket") else {
        return AgentAuth::extract(req).await.map(|a| a.0);
    };
    let agent_id = state
        .agent_tickets
        .redeem(ticket)
        .ok_or(ApiError::Unauthorized)?;
    state
        .store
        .agent(&agent_id)
        .await?
        .ok_or(ApiError::Unauthorized)
}
