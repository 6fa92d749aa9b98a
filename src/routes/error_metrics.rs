//! Counts the error code of every HTTP error response in `/metrics`
//! (`errors_total{channel="http"}`). [`ApiError`](super::ApiError) leaves
//! its code in the response's extensions; this middleware reads it.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;

use crate::app_state::AppState;
use crate::error::ErrorCode;
use crate::metrics::ErrorChannel;

/// Passes the request on, then counts the response's error code, if any.
pub async fn count_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let response = next.call(req).await?;
    let code = response.response().extensions().get::<ErrorCode>().copied();
    if let (Some(state), Some(code)) = (state, code) {
        state.metrics.error_sent(code, ErrorChannel::Http);
    }
    Ok(response)
}
