//! The one vocabulary of public error codes. HTTP error bodies
//! (`{"code","message"}`) and the `error` frames of both sockets render an
//! [`ErrorCode`]; no code is a loose string anywhere else.
//!
//! The codes are a public contract (widget authors and acceptance tests
//! depend on them): a code is never renamed or dropped, and every code is
//! listed in the "Error codes" table of `docs/protocol.md` (a test checks
//! both directions).

use serde::{Serialize, Serializer};

use crate::domain::DomainError;

/// Declares [`ErrorCode`] with each variant's wire string written out, so
/// renaming a variant can never change what clients see.
macro_rules! error_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $code:literal,)+) => {
        /// A stable snake_case code a client can act on.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl ErrorCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)+];

            /// The code as clients see it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $code,)+
                }
            }
        }
    };
}

error_codes! {
    // --- Authentication and permission (HTTP) ---
    /// Missing or wrong credentials (401).
    Unauthorized = "unauthorized",
    /// Authenticated, but not allowed to do this (403).
    Forbidden = "forbidden",
    /// The Origin may not open the chat socket (403).
    OriginNotAllowed = "origin_not_allowed",
    /// Too many open chat sockets from one client (429).
    TooManyConnections = "too_many_connections",
    // --- Resources (HTTP; `not_found` also on the customer socket) ---
    /// The thing named does not exist (404).
    NotFound = "not_found",
    /// The request contradicts what is stored (409): already claimed, not
    /// assigned to this agent, an order id of another customer.
    Conflict = "conflict",
    /// Something failed on our side; the cause is in the log only.
    InternalError = "internal_error",
    // --- Malformed requests (HTTP 400) ---
    /// A body over 64 KiB.
    BodyTooLarge = "body_too_large",
    /// A body without `Content-Type: application/json`.
    UnsupportedContentType = "unsupported_content_type",
    /// A body with unknown or mistyped fields.
    InvalidBody = "invalid_body",
    /// A body or frame that is not JSON.
    InvalidJson = "invalid_json",
    /// A path parameter that cannot be read.
    InvalidPath = "invalid_path",
    /// A socket URL requested without a WebSocket upgrade.
    NotAWebsocket = "not_a_websocket",
    /// A customer id outside the identifier alphabet.
    InvalidCustomerId = "invalid_customer_id",
    /// An order id outside the identifier alphabet.
    InvalidOrderId = "invalid_order_id",
    /// A conversation id that is not a valid id.
    InvalidConversationId = "invalid_conversation_id",
    /// A knowledge-base entry id outside the identifier alphabet.
    InvalidEntryId = "invalid_entry_id",
    /// A locale Candor does not support.
    InvalidLocale = "invalid_locale",
    /// A knowledge-base title that is empty or too long.
    InvalidTitle = "invalid_title",
    /// A knowledge-base text that is empty or too long.
    InvalidText = "invalid_text",
    /// Knowledge-base text holding a credential value.
    CredentialInText = "credential_in_text",
    /// A customer or agent name that is empty or too long.
    InvalidName = "invalid_name",
    /// An email that is not an address.
    InvalidEmail = "invalid_email",
    /// An order total that is not a non-negative number.
    InvalidTotal = "invalid_total",
    /// An order time that is not RFC 3339.
    InvalidPlacedAt = "invalid_placed_at",
    /// Order items that are too many or badly named.
    InvalidItems = "invalid_items",
    /// An order status that is empty or too long.
    InvalidStatus = "invalid_status",
    /// An order tracking number that is empty or too long.
    InvalidTracking = "invalid_tracking",
    /// An `X-Candor-Expires` header that is not an integer.
    InvalidExpires = "invalid_expires",
    // --- Widget signatures (HTTP 403 and the customer socket) ---
    /// The customer signature did not verify.
    InvalidSignature = "invalid_signature",
    /// The expiring signature's time has passed.
    SignatureExpired = "signature_expired",
    /// Only expiring signatures are accepted here.
    SignatureExpiryRequired = "signature_expiry_required",
    // --- Message text (HTTP 400 and the customer socket) ---
    /// The text is empty after cleaning.
    EmptyText = "empty_text",
    /// The text is over the length cap.
    TextTooLong = "text_too_long",
    // --- The customer socket ---
    /// Not an object with a string `type`, or a field missing or mistyped.
    InvalidFrame = "invalid_frame",
    /// A frame `type` the server does not know.
    UnknownType = "unknown_type",
    /// A binary frame.
    BinaryNotSupported = "binary_not_supported",
    /// A frame over its budget.
    RateLimited = "rate_limited",
    /// A frame other than `hello` before `hello`.
    HelloRequired = "hello_required",
    /// A second `hello` on one connection.
    AlreadyStarted = "already_started",
    /// A privacy frame from a visitor who is not a verified customer.
    NotVerified = "not_verified",
    /// A `client_id` outside the allowed alphabet or length.
    InvalidClientId = "invalid_client_id",
    /// A message to a closed conversation.
    ConversationClosed = "conversation_closed",
    /// A message while the server shuts down (not stored: reconnect, to
    /// another instance, and send it again with the same `client_id`).
    ShuttingDown = "shutting_down",
    /// A resume of a conversation that does not exist.
    UnknownConversation = "unknown_conversation",
    /// A resume of another customer's conversation.
    ConversationNotYours = "conversation_not_yours",
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A refusal as a client sees it: a stable code and a human explanation
/// (which may change; the code never does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Stable code.
    pub code: ErrorCode,
    /// Explanation for the person reading it.
    pub message: String,
}

impl Refusal {
    /// A refusal with `code`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Refusal {
            code,
            message: message.into(),
        }
    }

    /// Why a message text was refused, the same for the customer socket
    /// and the agent API.
    pub fn message_text(error: &DomainError) -> Self {
        match error {
            DomainError::TooLong { max, .. } => Refusal::new(
                ErrorCode::TextTooLong,
                format!("messages are limited to {max} characters"),
            ),
            _ => Refusal::new(ErrorCode::EmptyText, "the message text is empty"),
        }
    }
}

#[cfg(test)]
mod tests;
