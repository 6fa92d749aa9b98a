//! Right of access and to portability: everything held about a customer as
//! one JSON document.

use serde_json::json;

use super::{PrivacyError, Requester};
use crate::domain::CustomerId;
use crate::store::{now_ms, Store};

/// The `format` field of every export; bumped if the shape ever changes
/// incompatibly.
pub const EXPORT_FORMAT: &str = "candor.customer_export.v1";

/// Everything held about `customer`: profile, orders, the whole consent
/// history, conversations with every message (and its `why` record) and
/// handoff log, and the audit entries about them. Audited as
/// `customer_exported` in the same transaction as the reads.
pub async fn export_customer(
    store: &Store,
    customer: &CustomerId,
    requester: Requester,
) -> Result<serde_json::Value, PrivacyError> {
    let data = store
        .customer_data(customer, requester.as_str())
        .await?
        .ok_or(PrivacyError::UnknownCustomer)?;
    tracing::info!(
        customer_id = customer.as_str(),
        requester = requester.as_str(),
        conversations = data.conversations.len(),
        "customer data exported"
    );
    Ok(json!({
        "format": EXPORT_FORMAT,
        "exported_at": now_ms(),
        "customer": data.customer,
        "orders": data.orders,
        "consents": data.consents,
        "conversations": data.conversations,
        "audit_events": data.audit_events,
    }))
}
