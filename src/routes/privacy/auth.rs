//! Who may exercise a customer's data rights: the shop with the admin token
//! (`Authorization: Bearer`), or the customer themselves with the widget
//! signature of their id in `X-Candor-Signature` (checked in constant time),
//! plus `X-Candor-Expires` for the expiring form. A signature for any other
//! id is refused, an expired one too, and with `[security]
//! require_signature_expiry` so is the plain form.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::app_state::AppState;
use crate::domain::CustomerId;
use crate::error::ErrorCode;
use crate::gateway::{unix_now, SignatureError};
use crate::privacy::Requester;
use crate::routes::auth::Admin;
use crate::routes::ApiError;

/// The header carrying the customer's widget signature.
pub const SIGNATURE_HEADER: &str = "X-Candor-Signature";
/// The header carrying the expiry (Unix seconds) of an expiring signature.
pub const EXPIRES_HEADER: &str = "X-Candor-Expires";

/// The customer named by the `{id}` path segment, and who asks about them.
#[derive(Debug)]
pub struct DataSubject {
    /// The customer whose data is concerned.
    pub customer: CustomerId,
    /// The shop (admin) or the customer.
    pub requester: Requester,
}

impl FromRequest for DataSubject {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let raw_id = req.match_info().get("id").unwrap_or_default();
        let requester = match Admin::from_request(req, payload).into_inner() {
            Ok(Admin) => Ok(Requester::Admin),
            Err(not_admin) => match req.headers().get(SIGNATURE_HEADER) {
                None => Err(not_admin),
                Some(_) => customer_signature(req, raw_id).map(|()| Requester::Customer),
            },
        };
        ready(requester.and_then(|requester| {
            let customer = CustomerId::parse(raw_id)
                .map_err(|e| ApiError::invalid(ErrorCode::InvalidCustomerId, e.to_string()))?;
            Ok(DataSubject {
                customer,
                requester,
            })
        }))
    }
}

/// Checks the signature headers for `raw_id` against the widget secret and
/// the `[security]` settings.
fn customer_signature(req: &HttpRequest, raw_id: &str) -> Result<(), ApiError> {
    let header = |name| req.headers().get(name).map(|v| v.to_str().unwrap_or(""));
    let expires = match header(EXPIRES_HEADER) {
        None => None,
        Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
            ApiError::invalid(
                ErrorCode::InvalidExpires,
                "X-Candor-Expires must be Unix seconds (an integer)",
            )
        })?),
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or(ApiError::Unauthorized)?;
    let signature = header(SIGNATURE_HEADER).unwrap_or("");
    Ok(state
        .customer_signatures
        .verify_rights(raw_id, signature, expires, unix_now())?)
}

impl From<SignatureError> for ApiError {
    fn from(e: SignatureError) -> Self {
        match e {
            SignatureError::Invalid => {
                ApiError::Forbidden("the signature does not authorize this customer id")
            }
            other => ApiError::Refused {
                code: other.code(),
                message: other.to_string(),
            },
        }
    }
}
