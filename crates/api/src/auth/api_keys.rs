//! API key format: `sdk_<prefix>_<secret>`. The prefix finds the row (and shows in lists so
//! admins can tell keys apart); only the SHA-256 of the secret is stored.

use super::tokens::{random_token, sha256_hex};

pub const KEY_MARKER: &str = "sdk_";

pub struct GeneratedKey {
    pub prefix: String,
    pub secret_hash: String,
    /// The full key, shown once.
    pub full: String,
}

pub fn generate() -> Result<GeneratedKey, getrandom::Error> {
    // Prefix without '_' so the key splits unambiguously (base64url can contain '_').
    let prefix: String = random_token(9)?.chars().map(|c| if c == '_' { 'x' } else { c }).collect();
    let secret = random_token(32)?;
    Ok(GeneratedKey { full: format!("{KEY_MARKER}{prefix}_{secret}"), secret_hash: sha256_hex(&secret), prefix })
}

/// `(prefix, secret)` of a presented key, if it has the key shape.
pub fn split(presented: &str) -> Option<(&str, &str)> {
    presented.strip_prefix(KEY_MARKER)?.split_once('_').filter(|(p, s)| !p.is_empty() && !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_splits_back_into_its_prefix_and_secret() {
        let key = generate().ok();
        let key = key.as_ref();
        let parts = key.and_then(|k| split(&k.full));
        assert_eq!(parts.map(|(p, _)| p), key.map(|k| k.prefix.as_str()));
        assert_eq!(parts.map(|(_, s)| sha256_hex(s)), key.map(|k| k.secret_hash.clone()));
    }

    #[test]
    fn a_jwt_does_not_look_like_a_key() {
        assert_eq!(split("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"), None);
    }
}
