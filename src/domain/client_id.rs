//! The widget's own identifier for a message it sent, used for idempotent resends.

/// A client-chosen message id: 1..=128 characters of `[A-Za-z0-9_.:-]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ClientId(String);

super::identifier_newtype!(ClientId, "client_id");
