//! The customer's data rights (GDPR Art. 15, 17 and 20; CCPA right to know
//! and to delete): hand out everything held about a customer, erase it,
//! record consent changes, and delete conversations past the retention
//! period.
//!
//! Plain functions over the [`Store`](crate::store::Store), so the HTTP API
//! (`routes/privacy/`) and the widget socket can share them. Every action is
//! audited in the same transaction as the action itself.

mod consent;
mod erasure;
mod export;
mod retention;
mod settings;

pub use consent::{change_consent, ConsentChange, ConsentOutcome, PRIVACY_API_SOURCE};
pub use erasure::erase_customer;
pub use export::{export_customer, EXPORT_FORMAT};
pub use retention::{purge_expired, retention_cutoff, retention_task, RETENTION_INTERVAL};
pub use settings::PrivacySettings;

use crate::error::ErrorCode;
use crate::store::StoreError;

/// Who exercises a data right; recorded as the audit actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// The shop, with the admin token.
    Admin,
    /// The customer themselves, with their widget signature.
    Customer,
}

impl Requester {
    /// The audit actor name.
    pub fn as_str(self) -> &'static str {
        match self {
            Requester::Admin => "admin",
            Requester::Customer => "customer",
        }
    }
}

/// Why a data-rights request failed.
#[derive(Debug, thiserror::Error)]
pub enum PrivacyError {
    /// No customer with this id is stored (or they were already erased).
    #[error("customer not found")]
    UnknownCustomer,
    /// The database failed.
    #[error("store: {0}")]
    Store(#[source] StoreError),
}

impl PrivacyError {
    /// The stable code clients see: `not_found` for an unknown customer (as
    /// on HTTP), `internal_error` otherwise.
    pub fn code(&self) -> ErrorCode {
        match self {
            PrivacyError::UnknownCustomer => ErrorCode::NotFound,
            PrivacyError::Store(_) => ErrorCode::InternalError,
        }
    }
}

impl From<StoreError> for PrivacyError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound("customer") => PrivacyError::UnknownCustomer,
            other => PrivacyError::Store(other),
        }
    }
}
