//! `GET /v1/chat/ws`: the customer socket. The Origin is checked before the
//! upgrade; the connection is then served by the gateway.

use actix_web::{web, HttpRequest, HttpResponse};

use super::ApiError;
use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::gateway::customer_socket;
use crate::metrics::SocketKind;

/// Upgrades to a WebSocket when the Origin is allowed (403 otherwise).
pub async fn chat_ws(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, actix_web::Error> {
    // Draining for a shutdown: the balancer sends the widget elsewhere.
    if !state.conversations().lifecycle().is_serving() {
        return Err(ApiError::ShuttingDown.into());
    }
    let origin = req
        .headers()
        .get(actix_web::http::header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("\u{0}"));
    if !state.allowed_origins.permits(origin) {
        return Err(ApiError::Refused {
            code: ErrorCode::OriginNotAllowed,
            message: "this Origin may not open the chat socket (see CANDOR_ALLOWED_ORIGINS)".into(),
        }
        .into());
    }
    let ip = req
        .peer_addr()
        .map_or(std::net::IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let Some(slot) = state.client_limits.connect(ip) else {
        return Err(ApiError::TooMany {
            code: ErrorCode::TooManyConnections,
            message: "too many open chat connections from this address",
        }
        .into());
    };
    let (response, session, stream) = actix_ws::handle(&req, body).map_err(|e| {
        actix_web::Error::from(ApiError::invalid(ErrorCode::NotAWebsocket, e.to_string()))
    })?;
    let ctx = state.socket_context.clone();
    let open = state.metrics.socket_opened(SocketKind::Customer);
    actix_web::rt::spawn(async move {
        customer_socket::serve(ctx, slot, session, stream).await;
        drop(open);
    });
    Ok(response)
}
