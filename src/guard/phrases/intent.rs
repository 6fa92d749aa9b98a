//! What a phrase rule detects.

/// What the visitor is asking for, as far as the phrase lists can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// The visitor asks to talk to a person.
    Human,
    /// The visitor says the answers are not helping.
    Dissatisfied,
    /// The visitor asks whether they are talking to a bot or a person (or
    /// tries to make the assistant pretend to be a person).
    Identity,
    /// Model output claims to be a person, or to have a human name, body or feelings.
    Claim,
    /// Model output uses fake urgency or scarcity.
    Urgency,
    /// Model output promotes a product or an offer (upselling).
    Promo,
}

impl Intent {
    /// Which intent wins when a message matches several.
    pub(super) const PRIORITY: [Intent; 6] = [
        Intent::Human,
        Intent::Identity,
        Intent::Dissatisfied,
        Intent::Claim,
        Intent::Urgency,
        Intent::Promo,
    ];

    pub(super) fn from_kind(kind: &str) -> Option<Self> {
        match kind {
            "human" => Some(Intent::Human),
            "dissatisfied" => Some(Intent::Dissatisfied),
            "identity" => Some(Intent::Identity),
            "claim" => Some(Intent::Claim),
            "urgency" => Some(Intent::Urgency),
            "promo" => Some(Intent::Promo),
            _ => None,
        }
    }
}
