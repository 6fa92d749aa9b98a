//! `GET /v1/privacy/customers/{id}/export`: everything held about the
//! customer as one JSON document (right of access and to portability).

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{web, HttpResponse};

use super::DataSubject;
use crate::app_state::AppState;
use crate::privacy;
use crate::routes::ApiError;

/// 200 with the export; 404 for an unknown customer. Never cached.
pub async fn export_customer(
    subject: DataSubject,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let export =
        privacy::export_customer(&state.store, &subject.customer, subject.requester).await?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(export))
}
