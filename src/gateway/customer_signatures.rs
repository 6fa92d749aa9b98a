//! The one check of a customer's widget signature, shared by the customer
//! socket (hello and privacy frames) and the privacy HTTP endpoints: any
//! valid form proves who the customer is; exercising data rights also
//! follows the `[security]` rules.

use super::{SecuritySettings, SignatureError, VerifiedSignature, WidgetSigner};

/// Verifies customer signatures and whether they may exercise data rights.
#[derive(Debug, Clone)]
pub struct CustomerSignatures {
    signer: WidgetSigner,
    security: SecuritySettings,
}

impl CustomerSignatures {
    /// Checks with `signer` (the widget secret) under `security`.
    pub fn new(signer: WidgetSigner, security: SecuritySettings) -> Self {
        Self { signer, security }
    }

    /// Signs `customer_id` until `expires` (Unix seconds): only the demo
    /// shop signs for itself (`GET /v1/demo/customers` with `--demo`).
    pub fn sign_expiring(&self, customer_id: &str, expires: i64) -> String {
        self.signer.sign_expiring(customer_id, expires)
    }

    /// Whether `signature_hex` signs `customer_id` (with `expires`, the
    /// expiring form, not yet expired at `now`).
    pub fn verify_claim(
        &self,
        customer_id: &str,
        signature_hex: &str,
        expires: Option<i64>,
        now: i64,
    ) -> Result<VerifiedSignature, SignatureError> {
        self.signer
            .verify_claim(customer_id, signature_hex, expires, now)
    }

    /// Whether a verified signature may still exercise data rights at `now`.
    pub fn check_rights(
        &self,
        signature: VerifiedSignature,
        now: i64,
    ) -> Result<(), SignatureError> {
        self.security.check_rights(signature, now)
    }

    /// Both checks at once, for a request that carries its signature (the
    /// privacy HTTP endpoints).
    pub fn verify_rights(
        &self,
        customer_id: &str,
        signature_hex: &str,
        expires: Option<i64>,
        now: i64,
    ) -> Result<(), SignatureError> {
        let signature = self.verify_claim(customer_id, signature_hex, expires, now)?;
        self.check_rights(signature, now)
    }
}
