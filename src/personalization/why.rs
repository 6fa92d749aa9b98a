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
    /// How the reply was made (absent on replies stored before answer plans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<AnswerKind>,
    /// What the reply states facts from: `kb:<entry_id>` for each
    /// knowledge-base entry, `order:<order_id>` for each order.
    #[serde(default)]
    pub citations: Vec<String>,
    /// The reply was stopped part-way (the server shut down while it was
    /// being written): the stored text is what had been sent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cut_short: bool,
}

/// How one AI reply was made: the answer plan's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    /// Account facts from the store, stated with per-locale templates.
    Account,
    /// The shop's own sentences from a knowledge-base entry.
    Knowledge,
    /// The model's words, checked against the turn's facts.
    Model,
    /// Nothing in the shop's data answers it: the honest "don't know".
    DontKnow,
    /// An order question from a visitor who is not signed in.
    SignIn,
    /// An order that is not on the customer's account.
    NotFound,
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
