//! `/v1/privacy/*`: the customer's data rights. Each endpoint is open to the
//! shop (admin token) and to the customer themselves (widget signature).

mod auth;
pub mod consent;
pub mod erase;
pub mod export;

pub use auth::DataSubject;

use crate::privacy::PrivacyError;
use crate::routes::ApiError;

impl From<PrivacyError> for ApiError {
    fn from(e: PrivacyError) -> Self {
        match e {
            PrivacyError::UnknownCustomer => ApiError::NotFound("customer"),
            PrivacyError::Store(e) => e.into(),
        }
    }
}
