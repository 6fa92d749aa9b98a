//! `DELETE /v1/privacy/customers/{id}`: erase the customer and everything
//! held about them (right to erasure / to delete).

use actix_web::{web, HttpResponse};
use serde_json::json;

use super::DataSubject;
use crate::app_state::AppState;
use crate::routes::ApiError;

/// 200 with what was deleted (counts only); 404 for an unknown (or already
/// erased) customer.
pub async fn erase_customer(
    subject: DataSubject,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let deleted = state
        .conversations()
        .erase_customer(&subject.customer, subject.requester)
        .await?;
    Ok(HttpResponse::Ok().json(json!({
        "customer_id": subject.customer,
        "erased": true,
        "deleted": deleted,
    })))
}
