//! `PUT /v1/privacy/customers/{id}/consent` `{"personalization":bool,"marketing":bool}`
//! (either optional): grant or withdraw consents. Changes are appended to
//! the consent history with source `privacy_api`.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::DataSubject;
use crate::app_state::AppState;
use crate::privacy::{self, ConsentChange, PRIVACY_API_SOURCE};
use crate::routes::ApiError;

/// Request body; an absent field leaves that consent as it is.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    personalization: Option<bool>,
    marketing: Option<bool>,
}

/// 200 with the current consents and which of them changed; 404 for an
/// unknown customer.
pub async fn put_consent(
    subject: DataSubject,
    body: web::Json<ConsentBody>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let change = ConsentChange {
        personalization: body.personalization,
        marketing: body.marketing,
    };
    let outcome =
        privacy::change_consent(&state.store, &subject.customer, change, PRIVACY_API_SOURCE)
            .await?;
    for purpose in &outcome.changed {
        state
            .metrics
            .consent_changed(*purpose, outcome.granted(*purpose));
    }
    Ok(HttpResponse::Ok().json(json!({
        "customer_id": subject.customer,
        "consent": { "personalization": outcome.personalization, "marketing": outcome.marketing },
        "changed": outcome.changed,
    })))
}
