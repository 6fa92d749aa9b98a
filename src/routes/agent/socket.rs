//! `GET /v1/agent/ws`: the agents' live feed (new handoffs, customer
//! messages and typing, claims, releases, closes) as JSON text frames.

use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::AggregatedMessage;
use tokio::sync::broadcast::error::RecvError;

use super::AgentAuth;
use crate::routes::ApiError;
use crate::startup::AppState;

/// Upgrades for an authenticated agent.
pub async fn agent_ws(
    agent: AgentAuth,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    let (response, mut session, stream) = actix_ws::handle(&req, body)
        .map_err(|e| actix_web::Error::from(ApiError::invalid("not_a_websocket", e.to_string())))?;
    let mut events = state.conversations().agent_hub().subscribe();
    let mut stream = stream.max_frame_size(16 * 1024).aggregate_continuations();
    let agent_id = agent.0.id;
    actix_web::rt::spawn(async move {
        tracing::info!(%agent_id, "agent connected");
        loop {
            tokio::select! {
                incoming = stream.recv() => match incoming {
                    Some(Ok(AggregatedMessage::Ping(bytes))) => { if session.pong(&bytes).await.is_err() { break; } }
                    Some(Ok(AggregatedMessage::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
                event = events.recv() => match event {
                    Ok(event) => {
                        let text = serde_json::to_string(&event).unwrap_or_default();
                        if session.text(text).await.is_err() { break; }
                    }
                    Err(RecvError::Lagged(missed)) => {
                        let note = serde_json::json!({"type":"lagged","missed":missed}).to_string();
                        if session.text(note).await.is_err() { break; }
                    }
                    Err(RecvError::Closed) => break,
                },
            }
        }
        let _ = session.close(None).await;
    });
    Ok(response)
}
