//! The password policy for staff accounts.

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("must be at least {MIN_LEN} characters long")]
    TooShort,
    #[error("must be at most {MAX_LEN} characters long")]
    TooLong,
}

/// Length is what matters (NIST SP 800-63B): no composition rules, but a floor and a ceiling
/// (the ceiling keeps hashing cost bounded).
pub fn check(password: &str) -> Result<(), WeakPassword> {
    let len = password.chars().count();
    if len < MIN_LEN {
        Err(WeakPassword::TooShort)
    } else if len > MAX_LEN {
        Err(WeakPassword::TooLong)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_shorter_than_ten_characters_is_too_short() {
        assert_eq!(check("123456789"), Err(WeakPassword::TooShort));
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        assert_eq!(check("žžžžžžžžžž"), Ok(()));
    }

    #[test]
    fn a_password_longer_than_the_ceiling_is_refused() {
        assert_eq!(check(&"x".repeat(MAX_LEN + 1)), Err(WeakPassword::TooLong));
    }
}
