//! Server-issued conversation identifiers.

/// A conversation identifier. New ones are random UUIDs (unguessable, so the id
/// itself is what lets an anonymous visitor resume); parsed ones must have the
/// identifier alphabet.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct ConversationId(String);

super::identifier_newtype!(ConversationId, "conversation_id");

impl ConversationId {
    /// A fresh random identifier.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }
}
