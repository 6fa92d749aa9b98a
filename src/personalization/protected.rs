//! Protected attributes: never shown to the model under any purpose, and
//! never part of what an agent sees as "customer context".

use std::collections::HashSet;

/// Fields protected by default (fairness: these never influence a reply).
pub const DEFAULT_PROTECTED_FIELDS: [&str; 10] = [
    "date_of_birth",
    "birthdate",
    "age",
    "gender",
    "sex",
    "ethnicity",
    "race",
    "religion",
    "health",
    "disability",
];

/// The set of protected attribute names (defaults plus the shop's own).
#[derive(Debug, Clone)]
pub struct ProtectedFields {
    names: HashSet<String>,
}

impl Default for ProtectedFields {
    fn default() -> Self {
        Self::new(std::iter::empty::<String>())
    }
}

impl ProtectedFields {
    /// The defaults plus `extra` (compared case-insensitively).
    pub fn new(extra: impl IntoIterator<Item = impl AsRef<str>>) -> Self {
        let names = DEFAULT_PROTECTED_FIELDS
            .iter()
            .map(|s| s.to_string())
            .chain(extra.into_iter().map(|s| s.as_ref().to_ascii_lowercase()))
            .collect();
        Self { names }
    }

    /// Whether `field` is protected.
    pub fn contains(&self, field: &str) -> bool {
        self.names.contains(&field.to_ascii_lowercase())
    }

    /// `attributes` without protected fields.
    pub fn strip(&self, attributes: &serde_json::Value) -> serde_json::Value {
        match attributes {
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .filter(|(k, _)| !self.contains(k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => serde_json::Value::Object(serde_json::Map::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protected_fields_are_stripped_case_insensitively() {
        let fields = ProtectedFields::new(["Political_View"]);
        let stripped =
            fields.strip(&serde_json::json!({"Gender":"f","political_view":"x","tier":"gold"}));
        assert_eq!(stripped, serde_json::json!({"tier":"gold"}));
    }
}
