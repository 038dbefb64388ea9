//! Access tokens (JWT, short-lived) and the random opaque secrets behind refresh tokens and
//! API keys (stored only as SHA-256 digests: they are long random strings, so a fast hash is
//! enough — unlike passwords).

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    pub role: String,
    /// The session (refresh-token family) the token was issued in.
    pub sid: Uuid,
    /// Token id.
    pub jti: Uuid,
    pub iat: i64,
    pub exp: i64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

pub enum TokenError {
    Expired,
    Invalid,
}

impl JwtKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self { encoding: EncodingKey::from_secret(secret), decoding: DecodingKey::from_secret(secret), validation }
    }

    pub fn issue(&self, claims: &Claims) -> Result<String, jsonwebtoken::errors::Error> {
        encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        decode::<Claims>(token, &self.decoding, &self.validation).map(|d| d.claims).map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
            _ => TokenError::Invalid,
        })
    }
}

pub fn claims_for(user_id: Uuid, role: &str, session_id: Uuid, now: DateTime<Utc>, ttl: std::time::Duration) -> Claims {
    Claims {
        sub: user_id,
        role: role.to_owned(),
        sid: session_id,
        jti: Uuid::now_v7(),
        iat: now.timestamp(),
        exp: now.timestamp() + i64::try_from(ttl.as_secs()).unwrap_or(900),
    }
}

pub use servdesk_usecases::secrets::{constant_time_eq, random_token, sha256_hex};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_signed_with_another_secret_is_invalid() {
        let a = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let b = JwtKeys::new(b"fedcba9876543210fedcba9876543210");
        let claims = claims_for(Uuid::now_v7(), "admin", Uuid::now_v7(), Utc::now(), std::time::Duration::from_secs(60));
        let token = a.issue(&claims).unwrap_or_default();
        assert!(a.verify(&token).is_ok());
        assert!(matches!(b.verify(&token), Err(TokenError::Invalid)));
    }

    #[test]
    fn an_expired_token_is_reported_as_expired() {
        let keys = JwtKeys::new(b"0123456789abcdef0123456789abcdef");
        let old = Utc::now() - chrono::Duration::hours(1);
        let token =
            keys.issue(&claims_for(Uuid::now_v7(), "agent", Uuid::now_v7(), old, std::time::Duration::from_secs(60))).unwrap_or_default();
        assert!(matches!(keys.verify(&token), Err(TokenError::Expired)));
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
