//! `GET /metrics`: this instance's metrics in the Prometheus text format.
//! Open unless `[metrics] require_admin_token` is set (then the admin
//! bearer token is required, as for `/v1/admin`).

use actix_web::{web, FromRequest, HttpRequest, HttpResponse};

use super::auth::Admin;
use super::ApiError;
use crate::app_state::AppState;
use crate::metrics::Observed;

/// The text exposition format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// 200 with every metric; the present state (engine load, watched
/// conversations, queue length) is read first.
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if state.metrics_settings.require_admin_token {
        Admin::extract(&req).await?;
    }
    let handoff_queue = match state.store.queue().await {
        Ok(queue) => Some(queue.len()),
        Err(error) => {
            tracing::warn!(%error, "metrics: the handoff queue could not be read");
            None
        }
    };
    state.metrics.observe(&Observed {
        engine: state.engine.load(),
        conversations_active: state.conversations().watched_conversations(),
        handoff_queue,
    });
    let body = state
        .metrics
        .render()
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(body))
}
