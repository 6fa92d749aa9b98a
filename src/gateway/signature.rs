//! Widget signatures: the shop's site signs the customer id it vouches for
//! with `CANDOR_WIDGET_SECRET`; Candor trusts a customer id only with a valid
//! signature, compared in constant time.
//!
//! Two forms are accepted side by side:
//! - **plain**: `hex(HMAC-SHA256(secret, id))`, valid forever;
//! - **expiring**: `hex(HMAC-SHA256(secret, id + "." + expires))` with
//!   `expires` in Unix seconds (decimal, as sent), refused after that second.
//!
//! The `[security] require_signature_expiry` setting refuses the plain form
//! where a customer's data rights are exercised (see [`SecuritySettings`]).

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use sha2::Sha256;

use crate::error::ErrorCode;

type HmacSha256 = Hmac<Sha256>;

/// Signs and verifies customer ids.
#[derive(Clone)]
pub struct WidgetSigner {
    secret: SecretString,
}

impl std::fmt::Debug for WidgetSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WidgetSigner([redacted])")
    }
}

/// A signature that verified, and until when it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifiedSignature {
    /// `None` for the plain (never expiring) form; else Unix seconds.
    pub expires: Option<i64>,
}

/// Why a signature was refused. Each has a stable snake_case code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// The signature does not sign this id (and expiry).
    #[error("the signature does not authorize this customer id")]
    Invalid,
    /// The expiring signature's time has passed.
    #[error("the customer signature has expired; ask the shop's site for a fresh one")]
    Expired,
    /// Only expiring signatures are accepted here (`require_signature_expiry`).
    #[error("an expiring customer signature (with expires) is required here")]
    ExpiryRequired,
}

impl SignatureError {
    /// The stable code: `invalid_signature`, `signature_expired` or
    /// `signature_expiry_required`.
    pub fn code(self) -> ErrorCode {
        match self {
            SignatureError::Invalid => ErrorCode::InvalidSignature,
            SignatureError::Expired => ErrorCode::SignatureExpired,
            SignatureError::ExpiryRequired => ErrorCode::SignatureExpiryRequired,
        }
    }
}

/// The `[security]` settings table.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    /// Refuse plain (never expiring) signatures for the privacy endpoints and
    /// the widget's privacy frames (`consent`, `privacy_export`,
    /// `privacy_erase`). The chat `hello` accepts both forms either way.
    pub require_signature_expiry: bool,
}

impl SecuritySettings {
    /// Whether `signature` may exercise data rights at `now` (Unix seconds):
    /// an expiring one must not have expired, a plain one is refused when
    /// expiry is required.
    pub fn check_rights(
        self,
        signature: VerifiedSignature,
        now: i64,
    ) -> Result<(), SignatureError> {
        match signature.expires {
            Some(expires) if now > expires => Err(SignatureError::Expired),
            Some(_) => Ok(()),
            None if self.require_signature_expiry => Err(SignatureError::ExpiryRequired),
            None => Ok(()),
        }
    }
}

/// The current time in Unix seconds.
pub fn unix_now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl WidgetSigner {
    /// A signer with the widget secret.
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }

    fn mac(&self, message: &str) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(message.as_bytes());
        mac
    }

    /// Lower-case hex HMAC-SHA256(secret, id): the plain form.
    pub fn sign(&self, customer_id: &str) -> String {
        hex::encode(self.mac(customer_id).finalize().into_bytes())
    }

    /// Lower-case hex HMAC-SHA256(secret, id + "." + expires): the expiring form.
    pub fn sign_expiring(&self, customer_id: &str, expires: i64) -> String {
        self.sign(&format!("{customer_id}.{expires}"))
    }

    /// Whether `signature_hex` signs `customer_id` in the plain form
    /// (constant-time compare).
    pub fn verify(&self, customer_id: &str, signature_hex: &str) -> bool {
        let Ok(signature) = hex::decode(signature_hex.trim()) else {
            return false;
        };
        self.mac(customer_id).verify_slice(&signature).is_ok()
    }

    /// Verifies either form at `now` (Unix seconds): with `expires` the
    /// expiring form (refused once `now` is past it), without it the plain
    /// form.
    pub fn verify_claim(
        &self,
        customer_id: &str,
        signature_hex: &str,
        expires: Option<i64>,
        now: i64,
    ) -> Result<VerifiedSignature, SignatureError> {
        let signed = match expires {
            Some(expires) => format!("{customer_id}.{expires}"),
            None => customer_id.to_owned(),
        };
        if !self.verify(&signed, signature_hex) {
            return Err(SignatureError::Invalid);
        }
        let verified = VerifiedSignature { expires };
        // Expiry alone (never "required") decides validity here.
        SecuritySettings::default().check_rights(verified, now)?;
        Ok(verified)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_only_for_their_id_and_key() {
        let signer = WidgetSigner::new(SecretString::from("k1"));
        let sig = signer.sign("c_1");
        assert!(signer.verify("c_1", &sig));
        assert!(signer.verify("c_1", &sig.to_uppercase()));
        assert!(!signer.verify("c_2", &sig));
        assert!(!signer.verify("c_1", "zz"));
        assert!(!WidgetSigner::new(SecretString::from("k2")).verify("c_1", &sig));
    }

    #[test]
    fn matches_a_known_hmac_vector() {
        // RFC 4231 test case 2.
        let signer = WidgetSigner::new(SecretString::from("Jefe"));
        assert_eq!(
            signer.sign("what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn expiring_signatures_hold_until_their_second_and_bind_the_time() {
        let signer = WidgetSigner::new(SecretString::from("k1"));
        let sig = signer.sign_expiring("c_1", 1_000);
        assert_eq!(sig, signer.sign("c_1.1000"), "id + \".\" + expires");
        let ok = Ok(VerifiedSignature {
            expires: Some(1_000),
        });
        assert_eq!(signer.verify_claim("c_1", &sig, Some(1_000), 999), ok);
        assert_eq!(signer.verify_claim("c_1", &sig, Some(1_000), 1_000), ok);
        assert_eq!(
            signer.verify_claim("c_1", &sig, Some(1_000), 1_001),
            Err(SignatureError::Expired)
        );
        assert_eq!(
            signer.verify_claim("c_1", &sig, Some(9_999), 999),
            Err(SignatureError::Invalid),
            "a later expiry is not covered by the signature"
        );
        assert_eq!(
            signer.verify_claim("c_1", &sig, None, 999),
            Err(SignatureError::Invalid),
            "an expiring signature is not a plain one"
        );
        assert_eq!(
            signer.verify_claim("c_1", &signer.sign("c_1"), None, i64::MAX),
            Ok(VerifiedSignature { expires: None })
        );
    }

    #[test]
    fn the_policy_refuses_plain_signatures_only_when_expiry_is_required() {
        let plain = VerifiedSignature { expires: None };
        let expiring = VerifiedSignature { expires: Some(10) };
        let strict = SecuritySettings {
            require_signature_expiry: true,
        };
        assert_eq!(SecuritySettings::default().check_rights(plain, 5), Ok(()));
        assert_eq!(
            strict.check_rights(plain, 5),
            Err(SignatureError::ExpiryRequired)
        );
        assert_eq!(strict.check_rights(expiring, 10), Ok(()));
        assert_eq!(
            strict.check_rights(expiring, 11),
            Err(SignatureError::Expired)
        );
        assert_eq!(SignatureError::Expired.code(), "signature_expired");
    }
}
