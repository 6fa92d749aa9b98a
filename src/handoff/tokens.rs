//! Agent bearer tokens: random, shown once, stored only as a SHA-256 hash.

use rand::RngCore;
use sha2::{Digest, Sha256};

/// A fresh random token (32 bytes, hex).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("cat_{}", hex::encode(bytes))
}

/// The stored form of a token. Tokens are 256-bit random values, so a plain
/// SHA-256 (no salt, no stretching) cannot be reversed or guessed.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_and_hashes_stable() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert!(!hash_token(&a).contains(&a));
    }
}
