//! `GET /v1/agent/ws`: the agent's live feed as JSON text frames. Opened
//! with a ticket (`?ticket=`, from `POST /v1/agent/ws-ticket`) or the
//! `Authorization: Bearer` header; a token in the URL is not accepted.
//! What each agent receives is decided by [`AgentFeed`]: queue events for
//! all, customer text and typing only for the conversation's holder.

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use actix_ws::AggregatedMessage;
use tokio::sync::oneshot;

use super::AgentAuth;
use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::handoff::{AgentFeed, FeedItem};
use crate::routes::ApiError;
use crate::store::AgentRecord;

/// Upgrades for an authenticated agent.
pub async fn agent_ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let agent = authenticate(&req, &state).await?;
    let (response, mut session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        actix_web::Error::from(ApiError::invalid(ErrorCode::NotAWebsocket, e.to_string()))
    })?;
    let agent_id = agent.id;
    let mut feed = AgentFeed::new(
        state.conversations().agent_hub(),
        state.store.clone(),
        agent_id.clone(),
    );
    // The agent's own frames are read by a task of their own, so the feed
    // is never interrupted mid-decision (only when the socket closes).
    let (closed, mut on_close) = oneshot::channel::<()>();
    let mut stream = stream.max_frame_size(16 * 1024).aggregate_continuations();
    let mut pongs = session.clone();
    actix_web::rt::spawn(async move {
        while let Some(Ok(message)) = stream.recv().await {
            let open = match message {
                AggregatedMessage::Ping(bytes) => pongs.pong(&bytes).await.is_ok(),
                AggregatedMessage::Close(_) => false,
                _ => true,
            };
            if !open {
                break;
            }
        }
        drop(closed);
    });
    actix_web::rt::spawn(async move {
        tracing::info!(%agent_id, "agent connected");
        loop {
            let item = tokio::select! {
                _ = &mut on_close => break,
                item = feed.next() => item,
            };
            let text = match item {
                Some(FeedItem::Event(event)) => serde_json::to_string(&event).unwrap_or_default(),
                Some(FeedItem::Lagged(missed)) => {
                    serde_json::json!({"type":"lagged","missed":missed}).to_string()
                }
                None => break,
            };
            if session.text(text).await.is_err() {
                break;
            }
        }
        let _ = session.close(None).await;
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
