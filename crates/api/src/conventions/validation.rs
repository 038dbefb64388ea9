//! Field validators for request DTOs (`#[validate(custom(function = …))]`), each naming the
//! rule in its error code. Domain newtypes decide; these only translate their verdicts.

use std::borrow::Cow;

use servdesk_domain::errors::{Code, field};
use servdesk_domain::phone::{PhoneNumber, Region};
use servdesk_domain::{Email, password};
use servdesk_persistence::StoreError;
use validator::{Validate, ValidationError};

use crate::error::{ApiError, ApiResult, FieldError};

/// Collects field errors: the DTO's own validation first, then checks that need context
/// (the default phone region) — so the client sees every problem in one 422.
#[derive(Default)]
pub struct Fields(Vec<FieldError>);

impl Fields {
    pub fn check(dto: &impl Validate) -> Self {
        Fields(dto.validate().err().map(|e| ApiError::from(e).0.errors).unwrap_or_default())
    }

    pub fn add(&mut self, field: &str, code: Code, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    pub fn email(&mut self, field: &str, raw: Option<&str>) -> Option<Email> {
        match Email::parse(raw?) {
            Ok(e) => Some(e),
            Err(e) => {
                self.add(field, field::EMAIL, e.to_string());
                None
            }
        }
    }

    pub fn phone(&mut self, field: &str, raw: Option<&str>, region: Region) -> Option<PhoneNumber> {
        match PhoneNumber::parse(raw?, region) {
            Ok(p) => Some(p),
            Err(e) => {
                self.add(field, field::PHONE, e.to_string());
                None
            }
        }
    }

    pub fn finish(mut self) -> ApiResult<()> {
        if self.0.is_empty() {
            return Ok(());
        }
        self.0.sort_by(|a, b| a.field.cmp(&b.field));
        self.0.dedup_by(|a, b| a.field == b.field && a.code == b.code);
        Err(ApiError::validation(self.0))
    }
}

fn error(code: Code, message: impl Into<Cow<'static, str>>) -> ValidationError {
    ValidationError::new(code.as_str()).with_message(message.into())
}

pub fn email(value: &str) -> Result<(), ValidationError> {
    Email::parse(value).map(|_| ()).map_err(|e| error(field::EMAIL, e.to_string()))
}

pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if value.trim().is_empty() { Err(error(field::BLANK, "must not be blank")) } else { Ok(()) }
}

/// A language tag: `en`, `pl`, `pt-BR`.
pub fn language(value: &str) -> Result<(), ValidationError> {
    let ok = (2..=16).contains(&value.len()) && value.split('-').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if ok { Ok(()) } else { Err(error(field::INVALID_LANGUAGE, "a language tag such as en, pl or pt-BR")) }
}

pub fn password(value: &str) -> Result<(), ValidationError> {
    password::check(value).map_err(|e| error(field::PASSWORD_POLICY, e.to_string()))
}

/// A staff phone number: digits with an optional leading `+`, spaces allowed (removed).
pub fn phone(value: &str) -> Result<(), ValidationError> {
    let digits: String = normalize_phone(value).trim_start_matches('+').to_owned();
    if (5..=20).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(error(field::PHONE, "must be a phone number (digits, optional leading +)"))
    }
}

/// A referenced record that does not exist is a field error of the request (422), not a 404
/// of the route.
pub fn referenced<T>(field: &str, found: Result<T, StoreError>) -> ApiResult<T> {
    Ok(servdesk_usecases::error::referenced(field, found)?)
}

/// Trims optional free text; blank becomes absent (the use cases' own rule).
pub use servdesk_usecases::clean;

/// The same for a PATCH field: `null` and blank both clear it.
pub fn clean_patch(v: Option<Option<String>>) -> Option<Option<String>> {
    v.map(clean)
}

pub fn normalize_phone(value: &str) -> String {
    value.chars().filter(|c| !c.is_whitespace() && !matches!(c, '-' | '(' | ')' | '.')).collect()
}

/// The query's parameters as pairs, for those a handler reads by prefix (`cf.<key>`).
pub fn query_pairs(req: &actix_web::HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
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
