//! Widget signatures: the shop's site signs the customer id it vouches for
//! with `CANDOR_WIDGET_SECRET`; Candor trusts a customer id only with a valid
//! signature, compared in constant time.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

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

impl WidgetSigner {
    /// A signer with the widget secret.
    pub fn new(secret: SecretString) -> Self {
        Self { secret }
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length, so this cannot fail.
        <HmacSha256 as Mac>::new_from_slice(self.secret.expose_secret().as_bytes())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"))
    }

    /// Lower-case hex HMAC-SHA256(secret, id).
    pub fn sign(&self, customer_id: &str) -> String {
        let mut mac = self.mac();
        mac.update(customer_id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Whether `signature_hex` signs `customer_id` (constant-time compare).
    pub fn verify(&self, customer_id: &str, signature_hex: &str) -> bool {
        let Ok(signature) = hex::decode(signature_hex.trim()) else {
            return false;
        };
        let mut mac = self.mac();
        mac.update(customer_id.as_bytes());
        mac.verify_slice(&signature).is_ok()
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
}
