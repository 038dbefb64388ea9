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

/// A fresh 256-bit secret for a link, as a use case needs it.
pub fn link_secret() -> crate::Result<String> {
    random_token(32).map_err(crate::Error::internal)
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
}
