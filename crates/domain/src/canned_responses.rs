//! Canned responses: reply templates with `{{ variable }}` placeholders. The variables are a
//! fixed, documented set, checked when a template is saved — never discovered when sending.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedResponse {
    pub id: Uuid,
    pub name: String,
    /// BCP 47 tag (`en`, `sl`, `pl`, …).
    pub language: String,
    pub body: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The placeholders a canned response may use.
pub const VARIABLES: [&str; 7] =
    ["ticket.number", "ticket.title", "ticket.status", "contact.name", "customer.name", "agent.name", "agent.email"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("unknown variable {{{{ {0} }}}}; known: {known}", known = VARIABLES.join(", "))]
    Unknown(String),
    #[error("a `{{{{` is not closed")]
    Unclosed,
}

/// Splits a template into text and variable names.
fn parts(body: &str) -> Result<Vec<(bool, &str)>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push((false, &rest[..start]));
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or(TemplateError::Unclosed)?;
        out.push((true, after[..end].trim()));
        rest = &after[end + 2..];
    }
    out.push((false, rest));
    Ok(out)
}

/// Checks that every placeholder is known.
pub fn check(body: &str) -> Result<(), TemplateError> {
    for (is_var, part) in parts(body)? {
        if is_var && !VARIABLES.contains(&part) {
            return Err(TemplateError::Unknown(part.to_owned()));
        }
    }
    Ok(())
}

/// Fills the placeholders; a variable without a value renders empty.
pub fn render(body: &str, values: &BTreeMap<&str, String>) -> Result<String, TemplateError> {
    check(body)?;
    Ok(parts(body)?
        .into_iter()
        .map(|(is_var, part)| if is_var { values.get(part).cloned().unwrap_or_default() } else { part.to_owned() })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_and_spacing_inside_braces_does_not_matter() {
        let values = BTreeMap::from([("ticket.number", "T-2026-000001".to_owned()), ("contact.name", "Ana".to_owned())]);
        assert_eq!(render("Dear {{contact.name}}, re {{ ticket.number }}.", &values).unwrap(), "Dear Ana, re T-2026-000001.");
    }

    #[test]
    fn an_unknown_variable_is_refused_when_saved() {
        assert_eq!(check("Hi {{ contact.nickname }}"), Err(TemplateError::Unknown("contact.nickname".into())));
        assert_eq!(check("Hi {{ contact.name"), Err(TemplateError::Unclosed));
    }

    #[test]
    fn a_known_variable_without_a_value_renders_empty() {
        assert_eq!(render("[{{customer.name}}]", &BTreeMap::new()).unwrap(), "[]");
    }
}
