//! The `[metrics]` settings.

use serde::Deserialize;

/// Who may read `GET /metrics`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// Require the admin bearer token on `GET /metrics`
    /// (`CANDOR_METRICS_REQUIRE_ADMIN_TOKEN=1`). Off by default: the metrics
    /// carry no personal data and no ids, and a deployment keeps the path
    /// off its public site (see docs/deploy.md). Turn it on when the
    /// instance's port is reachable from outside.
    pub require_admin_token: bool,
}
