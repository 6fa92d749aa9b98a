//! Bearer-token extractors.

use std::future::{ready, Ready};

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use secrecy::{ExposeSecret, SecretString};
use subtle::ConstantTimeEq;

use super::ApiError;

/// The configured admin token, as app data.
#[derive(Clone)]
pub struct AdminToken(pub SecretString);

/// Proof that the request carried the admin token.
pub struct Admin;

/// The token of an `Authorization: Bearer <token>` header.
pub(crate) fn bearer(req: &HttpRequest) -> Option<&str> {
    req.headers()
        .get(actix_web::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let expected = req.app_data::<web::Data<AdminToken>>();
        let ok = match (expected, bearer(req)) {
            (Some(expected), Some(given)) => bool::from(
                expected
                    .0
                    .expose_secret()
                    .as_bytes()
                    .ct_eq(given.as_bytes()),
            ),
            _ => false,
        };
        ready(if ok {
            Ok(Admin)
        } else {
            Err(ApiError::Unauthorized)
        })
    }
}
