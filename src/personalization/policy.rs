//! Data minimization: an allow-list of fields per purpose, minus the
//! protected fields, which never reach the model under any purpose.

use std::collections::HashMap;

use serde::Deserialize;

use super::ProtectedFields;
use crate::domain::Purpose;

/// The `[personalization]` settings table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PersonalizationSettings {
    /// Fields the `support` purpose may use (`name`, `orders`, or profile attribute names).
    pub support_fields: Vec<String>,
    /// Fields the `personalization` purpose may use.
    pub personalization_fields: Vec<String>,
    /// Fields the `marketing` purpose may use.
    pub marketing_fields: Vec<String>,
    /// Attribute names the shop protects in addition to the defaults.
    pub extra_protected_fields: Vec<String>,
}

impl Default for PersonalizationSettings {
    fn default() -> Self {
        let list = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        Self {
            support_fields: list(&["name", "orders"]),
            personalization_fields: list(&["name", "preferred_categories", "purchase_history"]),
            marketing_fields: list(&["loyalty_tier"]),
            extra_protected_fields: Vec::new(),
        }
    }
}

/// A field configured for a purpose is protected.
#[derive(Debug, thiserror::Error)]
#[error("field {field:?} is protected and cannot be allowed for the {purpose} purpose")]
pub struct PolicyError {
    /// The field.
    pub field: String,
    /// The purpose it was listed under.
    pub purpose: &'static str,
}

/// The validated allow-lists.
#[derive(Debug, Clone)]
pub struct FieldPolicy {
    allowed: HashMap<Purpose, Vec<String>>,
    protected: ProtectedFields,
}

impl FieldPolicy {
    /// Validates the settings: a protected field in any allow-list is an error.
    pub fn new(settings: &PersonalizationSettings) -> Result<Self, PolicyError> {
        let protected = ProtectedFields::new(&settings.extra_protected_fields);
        let mut allowed = HashMap::new();
        for (purpose, fields) in [
            (Purpose::Support, &settings.support_fields),
            (Purpose::Personalization, &settings.personalization_fields),
            (Purpose::Marketing, &settings.marketing_fields),
        ] {
            if let Some(field) = fields.iter().find(|f| protected.contains(f)) {
                return Err(PolicyError {
                    field: field.clone(),
                    purpose: purpose.as_str(),
                });
            }
            allowed.insert(purpose, fields.clone());
        }
        Ok(Self { allowed, protected })
    }

    /// Fields `purpose` may use, never a protected one.
    pub fn fields(&self, purpose: Purpose) -> impl Iterator<Item = &str> {
        self.allowed
            .get(&purpose)
            .into_iter()
            .flatten()
            .map(String::as_str)
            .filter(|f| !self.protected.contains(f))
    }

    /// The protected fields.
    pub fn protected(&self) -> &ProtectedFields {
        &self.protected
    }
}

impl Default for FieldPolicy {
    fn default() -> Self {
        Self::new(&PersonalizationSettings::default()).unwrap_or_else(|_| Self {
            allowed: HashMap::new(),
            protected: ProtectedFields::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_fields_cannot_be_allowed() {
        let mut settings = PersonalizationSettings::default();
        settings.personalization_fields.push("gender".into());
        assert!(FieldPolicy::new(&settings).is_err());
        let mut settings = PersonalizationSettings::default();
        settings.extra_protected_fields.push("loyalty_tier".into());
        let err =
            FieldPolicy::new(&settings).expect_err("extra protected field listed for marketing");
        assert_eq!(err.purpose, "marketing");
    }
}
