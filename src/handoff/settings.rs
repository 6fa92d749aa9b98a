//! The `[handoff]` settings table.

use serde::Deserialize;

/// When humans are on duty and how handoffs are assigned.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HandoffSettings {
    /// IANA time zone of `hours`, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Weekly windows like `mon-fri 09:00-17:00`; empty means agents may be
    /// on duty at any time.
    pub hours: Vec<String>,
    /// Seconds a queued customer waits before being told honestly that
    /// nobody is free yet.
    pub unattended_after_secs: u64,
    /// Assign new handoffs round-robin to agents marked available.
    pub auto_assign: bool,
}

impl Default for HandoffSettings {
    fn default() -> Self {
        Self {
            timezone: "UTC".into(),
            hours: Vec::new(),
            unattended_after_secs: 180,
            auto_assign: false,
        }
    }
}
