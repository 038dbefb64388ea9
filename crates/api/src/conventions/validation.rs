//! Field validators for request DTOs (`#[validate(custom(function = …))]`), each naming the
//! rule in its error code. Domain newtypes decide; these only translate their verdicts.

use std::borrow::Cow;

use servdesk_domain::{Email, password};
use validator::ValidationError;

fn error(code: &'static str, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code).with_message(message.into())
}

pub fn email(value: &str) -> Result<(), ValidationError> {
    Email::parse(value).map(|_| ()).map_err(|e| error("email", e.to_string()))
}

pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() { Err(error("blank", "must not be blank")) } else { Ok(()) }
}

pub fn password(value: &str) -> Result<(), ValidationError> {
    password::check(value).map_err(|e| error("password_policy", e.to_string()))
}

/// A staff phone number: digits with an optional leading `+`, spaces allowed (removed).
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let digits: String = normalize_phone(value).trim_start_matches('+').to_owned();
    if (5..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error("phone", "must be a phone number (digits, optional leading +)"))
    }
}

pub fn normalize_phone(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.')).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_may_have_spaces_dashes_and_a_plus() {
        assert!(phone("+386 (1) 234-56-78").is_ok());
        assert_eq!(normalize_phone("+386 (1) 234-56-78"), "+38612345678");
    }

    #[test]
    fn letters_are_not_a_phone_number() {
        assert!(phone("call me").is_err());
        assert!(phone("12").is_err());
    }

    #[test]
    fn a_blank_name_is_refused() {
        assert!(not_blank("  ").is_err());
        assert!(not_blank(" Ana ").is_ok());
    }
}
