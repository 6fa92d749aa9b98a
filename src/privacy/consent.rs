//! Consent changes requested by the customer (or the shop on their behalf).

use serde::Serialize;

use super::PrivacyError;
use crate::domain::{CustomerId, Purpose};
use crate::store::Store;

/// The consent-history `source` of changes made through the privacy API.
pub const PRIVACY_API_SOURCE: &str = "privacy_api";

/// The consents to set; `None` leaves a purpose as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ConsentChange {
    /// Consent to personalization.
    pub personalization: Option<bool>,
    /// Consent to marketing.
    pub marketing: Option<bool>,
}

/// The consents after a change.
#[derive(Debug, Clone, Serialize)]
pub struct ConsentOutcome {
    /// Current consent to personalization (never given = false).
    pub personalization: bool,
    /// Current consent to marketing (never given = false).
    pub marketing: bool,
    /// Purposes whose recorded state changed (and were appended to the history).
    pub changed: Vec<Purpose>,
}

impl ConsentOutcome {
    /// Whether `purpose` is consented to now (support needs no consent).
    pub fn granted(&self, purpose: Purpose) -> bool {
        match purpose {
            Purpose::Support => true,
            Purpose::Personalization => self.personalization,
            Purpose::Marketing => self.marketing,
        }
    }
}

/// Applies `change` for `customer`: each purpose whose state differs is
/// appended to the consent history with `source` and audited as
/// `consent_changed`; unchanged purposes write nothing.
pub async fn change_consent(
    store: &Store,
    customer: &CustomerId,
    change: ConsentChange,
    source: &str,
) -> Result<ConsentOutcome, PrivacyError> {
    if store.customer(customer).await?.is_none() {
        return Err(PrivacyError::UnknownCustomer);
    }
    let mut changed = Vec::new();
    for (purpose, wanted) in [
        (Purpose::Personalization, change.personalization),
        (Purpose::Marketing, change.marketing),
    ] {
        if let Some(granted) = wanted {
            if store
                .set_consent(customer, purpose, granted, source)
                .await?
            {
                changed.push(purpose);
            }
        }
    }
    let current = store.consents(customer).await?;
    let granted = |p: Purpose| current.get(&p).copied().unwrap_or(false);
    Ok(ConsentOutcome {
        personalization: granted(Purpose::Personalization),
        marketing: granted(Purpose::Marketing),
        changed,
    })
}
