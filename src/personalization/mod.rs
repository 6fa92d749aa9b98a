//! What personal data may reach a prompt: for which purpose, with whose
//! consent, which fields. Personal data reaches the prompt builder only as
//! a [`ConsentedContext`], which can only be built from the verified
//! customer, their current consent and the purposes of the turn.

mod context;
mod explain;
mod policy;
mod protected;
mod support_orders;
mod turn_purposes;
mod why;

pub use context::ConsentedContext;
pub use explain::{asks_why, cited_entries, explain};
pub use policy::{FieldPolicy, PersonalizationSettings, PolicyError};
pub use protected::{ProtectedFields, DEFAULT_PROTECTED_FIELDS};
pub use support_orders::SupportOrders;
pub use turn_purposes::{contains_token, PurposeKeywords, PurposeKeywordsError};
pub use why::{AnswerKind, WhyRecord};

/// What the conversation layer needs to build consented contexts.
#[derive(Debug, Clone)]
pub struct Personalization {
    /// Allow-lists per purpose and protected fields.
    pub policy: FieldPolicy,
    /// Which purposes a question needs.
    pub keywords: PurposeKeywords,
}
