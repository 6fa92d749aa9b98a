//! The "why" record: what an AI reply was built from. Sent with every AI
//! message, stored with it, and explained in plain language on request.

use serde::{Deserialize, Serialize};

use crate::domain::Purpose;

/// What went into a prompt.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhyRecord {
    /// Purposes personal data was used for (empty: none).
    pub purposes: Vec<Purpose>,
    /// Personal fields that reached the prompt.
    pub fields: Vec<String>,
    /// Records that reached the prompt, e.g. `order:A1001`.
    pub records: Vec<String>,
    /// Non-personal knowledge the reply could draw on, e.g. `shop_policies`.
    pub sources: Vec<String>,
}

impl WhyRecord {
    /// Whether any personal data was used.
    pub fn is_personal(&self) -> bool {
        !self.purposes.is_empty()
    }

    /// As JSON for the wire and the store.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|_| serde_json::json!({}))
    }
}
