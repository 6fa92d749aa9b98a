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

    /// The stored form is SHA-256 itself (FIPS 180-2 test vector), not some
    /// other stable function of the token, and a token is 256 random bits.
    #[test]
    fn tokens_are_256_random_bits_and_stored_as_their_sha256() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hash_token(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let tokens: Vec<String> = (0..64).map(|_| new_token()).collect();
        for token in &tokens {
            let hex_part = token.strip_prefix("cat_").expect("cat_ prefix");
            let bytes = hex::decode(hex_part).expect("hex");
            assert_eq!(bytes.len(), 32, "{token}");
        }
        let distinct: std::collections::HashSet<&String> = tokens.iter().collect();
        assert_eq!(distinct.len(), tokens.len(), "no token repeats");
        // Every bit position varies across 64 tokens (a constant or counter
        // would leave most of them fixed).
        let fixed_bits = (0..256)
            .filter(|bit| {
                let of = |t: &String| {
                    let bytes = hex::decode(&t[4..]).expect("hex");
                    (bytes[bit / 8] >> (bit % 8)) & 1
                };
                tokens
                    .iter()
                    .map(of)
                    .collect::<std::collections::HashSet<u8>>()
                    .len()
                    == 1
            })
            .count();
        assert!(fixed_bits < 4, "{fixed_bits} of 256 bits never change");
    }
}
