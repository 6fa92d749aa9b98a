//! Who may exercise a customer's data rights: the shop with the admin token
//! (`Authorization: Bearer`), or the customer themselves with the widget
//! signature of their id in `X-Candor-Signature` (checked in constant time).
//! A signature for any other id is refused.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};

use crate::domain::CustomerId;
use crate::privacy::Requester;
use crate::routes::auth::Admin;
use crate::routes::ApiError;
use crate::startup::AppState;

/// The header carrying the customer's widget signature.
pub const SIGNATURE_HEADER: &str = "X-Candor-Signature";

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
                Some(signature) => {
                    let state = req.app_data::<web::Data<AppState>>();
                    let valid = match (state, signature.to_str()) {
                        (Some(state), Ok(signature)) => {
                            state.socket_context.signer.verify(raw_id, signature)
                        }
                        _ => false,
                    };
                    if valid {
                        Ok(Requester::Customer)
                    } else {
                        Err(ApiError::Forbidden(
                            "the signature does not authorize this customer id",
                        ))
                    }
                }
            },
        };
        ready(requester.and_then(|requester| {
            let customer = CustomerId::parse(raw_id)
                .map_err(|e| ApiError::invalid("invalid_customer_id", e.to_string()))?;
            Ok(DataSubject {
                customer,
                requester,
            })
        }))
    }
}
