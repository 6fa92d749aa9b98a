//! The `[privacy]` settings table.

use serde::Deserialize;

/// How long Candor keeps what customers said.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacySettings {
    /// Conversations whose last activity is older than this many days are
    /// deleted with their messages and handoff log (checked at start, then
    /// hourly). 0 keeps conversations forever.
    pub retention_days: u32,
}

impl Default for PrivacySettings {
    fn default() -> Self {
        Self {
            retention_days: 365,
        }
    }
}
