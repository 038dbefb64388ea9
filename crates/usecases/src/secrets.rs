//! Random secrets handed out in links and tokens (refresh tokens, API keys, portal links,
//! tracking links), and the digests they are stored as: they are long random strings, so
//! a fast hash is enough — unlike passwords.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// `bytes` random bytes from the OS, base64url without padding.
pub fn random_token(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf)?;
    Ok(URL_SAFE_NO_PAD.encode(buf))
}

pub fn sha256_hex(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Compares digests without an early exit, so timing does not leak a prefix match.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A fresh 256-bit secret for a link, as a use case needs it.
pub fn link_secret() -> crate::Result<String> {
    random_token(32).map_err(crate::Error::internal)
}

/// A key for one purpose, derived from the installation's secret.
pub fn derive_key(secret: &str, purpose: &str) -> Vec<u8> {
    Sha256::digest(format!("{purpose}\n{secret}").as_bytes()).to_vec()
}

type HmacSha256 = hmac::Hmac<Sha256>;

/// HMAC-SHA256 of `message` under `key`, hex.
pub fn sign(key: &[u8], message: &str) -> String {
    use hmac::Mac;
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = HmacSha256::new_from_slice(key) else { return String::new() };
    mac.update(message.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether `signature` is [`sign`]'s answer for `message` (compared without an early exit).
pub fn verify(key: &[u8], message: &str, signature: &str) -> bool {
    let expected = sign(key, message);
    !expected.is_empty() && constant_time_eq(&expected, signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_of_32_bytes_is_43_url_safe_characters_and_never_repeats() {
        let (a, b) = (random_token(32).unwrap_or_default(), random_token(32).unwrap_or_default());
        assert_eq!(a.len(), 43);
        assert!(a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, b);
    }

    #[test]
    fn a_signature_verifies_its_message_under_its_key_only() {
        let key = derive_key("secret", "purpose");
        let sig = sign(&key, "form:1700000000");
        assert!(verify(&key, "form:1700000000", &sig));
        assert!(!verify(&key, "form:1700000001", &sig));
        assert!(!verify(&derive_key("secret", "other"), "form:1700000000", &sig));
    }
}
