//! The API error: one type that maps to an HTTP status and a stable
//! snake_case [`ErrorCode`]. A 500 never tells the client its cause; the
//! log does.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{ErrorCode, Refusal};
use crate::store::StoreError;

/// What an HTTP handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Missing or wrong credentials.
    #[error("missing or invalid bearer token")]
    Unauthorized,
    /// Authenticated, but not allowed to do this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Refused (403) for a reason with its own stable code, e.g. an expired
    /// signature.
    #[error("{message}")]
    Refused {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// The request is malformed; the text says how.
    #[error("{message}")]
    Invalid {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: String,
    },
    /// The thing named does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request contradicts what is stored.
    #[error("{0}")]
    Conflict(&'static str),
    /// Over a limit (429), with its own stable code.
    #[error("{message}")]
    TooMany {
        /// Stable code.
        code: ErrorCode,
        /// Explanation.
        message: &'static str,
    },
    /// The server is shutting down (503): try again, another instance
    /// answers.
    #[error("the server is restarting; connect again")]
    ShuttingDown,
    /// Something failed on our side.
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

#[derive(Serialize)]
struct ErrorBody {
    code: ErrorCode,
    message: String,
}

impl ApiError {
    /// A 400 with `code`.
    pub fn invalid(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError::Invalid {
            code,
            message: message.into(),
        }
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            ApiError::Unauthorized => ErrorCode::Unauthorized,
            ApiError::Forbidden(_) => ErrorCode::Forbidden,
            ApiError::Refused { code, .. }
            | ApiError::Invalid { code, .. }
            | ApiError::TooMany { code, .. } => *code,
            ApiError::NotFound(_) => ErrorCode::NotFound,
            ApiError::Conflict(_) => ErrorCode::Conflict,
            ApiError::ShuttingDown => ErrorCode::ShuttingDown,
            ApiError::Internal(_) => ErrorCode::InternalError,
        }
    }
}

/// A refused request value is a 400 with the refusal's code.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        ApiError::Invalid {
            code: refusal.code,
            message: refusal.message,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(what) => ApiError::Conflict(what),
            other => ApiError::Internal(other.into()),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) | ApiError::Refused { .. } => StatusCode::FORBIDDEN,
            ApiError::Invalid { .. } => StatusCode::BAD_REQUEST,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooMany { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::ShuttingDown => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error = ?cause, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, ApiError::Unauthorized) {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        // For the error count of `/metrics` (see `startup::count_errors`).
        response.extensions_mut().insert(self.code());
        response.json(ErrorBody {
            code: self.code(),
            message: self.to_string(),
        })
    }
}
