//! Why personal data is processed: each purpose has its own legal footing.

/// A processing purpose, recorded per customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// Answering a verified customer's questions about their own orders and
    /// account: always allowed for a verified customer.
    Support,
    /// Tailoring answers from history and preferences: only with consent.
    Personalization,
    /// Offers and promotions: only with separate consent.
    Marketing,
}

impl Purpose {
    /// Purposes whose consent is recorded (support needs none).
    pub const CONSENTABLE: [Purpose; 2] = [Purpose::Personalization, Purpose::Marketing];

    /// The stable name used in storage and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Support => "support",
            Purpose::Personalization => "personalization",
            Purpose::Marketing => "marketing",
        }
    }

    /// Reads a stored name.
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "support" => Some(Purpose::Support),
            "personalization" => Some(Purpose::Personalization),
            "marketing" => Some(Purpose::Marketing),
            _ => None,
        }
    }
}
