//! Email addresses as identities: compared case-insensitively, so stored in lower case.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid email address")]
pub struct InvalidEmail;

impl Email {
    /// Trims, lower-cases and checks the overall shape (`local@domain.tld`, no spaces).
    /// Deliverability is the mail server's business, not ours.
    pub fn parse(raw: &str) -> Result<Self, InvalidEmail> {
        let value = raw.trim().to_lowercase();
        let (local, domain) = value.split_once('@').ok_or(InvalidEmail)?;
        let shape_ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control());
        if shape_ok { Ok(Self(value)) } else { Err(InvalidEmail) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_trimmed_and_lower_cased() {
        assert_eq!(Email::parse("  Ana.Kos@Example.COM ").map(|e| e.0), Ok("ana.kos@example.com".into()));
    }

    #[test]
    fn an_address_without_at_or_domain_dot_is_refused() {
        for bad in ["", "ana", "ana@", "@example.com", "ana@example", "ana@.com", "a b@example.com", "a@b@c.com"] {
            assert_eq!(Email::parse(bad), Err(InvalidEmail), "{bad}");
        }
    }
}
