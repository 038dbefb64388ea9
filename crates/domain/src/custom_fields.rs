//! Custom fields: what an installation records on its tickets and tasks beyond the built-in
//! fields (a meter reading, a vehicle's plate, the ERP's cost centre). Admins define them per
//! ticket or task category (or for all categories); values travel as one JSON object keyed by
//! the field's key, are checked against the definitions that apply, and are kept normalised.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::directory::SerialPattern;

named_enum! {
    /// What record a field belongs to.
    FieldEntity {
        Ticket = "ticket",
        Task = "task",
    }
}

named_enum! {
    /// A field's type: what its value is on the wire.
    FieldKind {
        /// A string; `min`/`max` bound its length, `pattern` its form.
        Text = "text",
        /// A decimal number; `min`/`max` bound it.
        Number = "number",
        /// A whole number; `min`/`max` bound it.
        Integer = "integer",
        Boolean = "boolean",
        /// `YYYY-MM-DD`.
        Date = "date",
        /// One of `options`.
        SingleChoice = "single_choice",
        /// Several of `options` (an array, each once).
        MultipleChoice = "multiple_choice",
    }
}

/// A field as an admin defined it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDefinition {
    pub id: Uuid,
    pub entity: FieldEntity,
    /// The ticket or task category it applies to; `None`: every category.
    pub category_id: Option<Uuid>,
    /// The value's name in `custom_fields` (lowercase letters, digits and `_`).
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    pub options: Vec<String>,
    pub position: i32,
    pub active: bool,
    pub version: i64,
}

impl FieldDefinition {
    /// Whether the field applies to a record of `category`.
    pub fn applies_to(&self, category: Option<Uuid>) -> bool {
        self.active && (self.category_id.is_none() || self.category_id == category)
    }
}

/// Why a definition cannot be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub field: &'static str,
    pub code: &'static str,
    pub message: String,
}

fn definition_error(field: &'static str, code: &'static str, message: impl Into<String>) -> DefinitionError {
    DefinitionError { field, code, message: message.into() }
}

/// Checks a definition an admin sends: a usable key, options only (and always) for choices,
/// a pattern only for text and one that compiles, bounds that make sense.
pub fn check_definition(d: &FieldDefinition) -> Result<(), Vec<DefinitionError>> {
    let mut errors = Vec::new();
    let key_ok = d.key.len() <= 64
        && d.key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && d.key.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        errors.push(definition_error("key", "pattern", "lowercase letters, digits and _, starting with a letter, at most 64"));
    }
    let choice = matches!(d.kind, FieldKind::SingleChoice | FieldKind::MultipleChoice);
    if choice && d.options.is_empty() {
        errors.push(definition_error("options", "required", "a choice needs its options"));
    }
    if !choice && !d.options.is_empty() {
        errors.push(definition_error("options", "not_for_this_kind", "only choices have options"));
    }
    let mut seen = std::collections::BTreeSet::new();
    if d.options.iter().any(|o| o.trim().is_empty() || !seen.insert(o.as_str())) {
        errors.push(definition_error("options", "duplicate", "options are non-blank and each once"));
    }
    match (&d.pattern, d.kind) {
        (Some(_), kind) if kind != FieldKind::Text => {
            errors.push(definition_error("pattern", "not_for_this_kind", "only text fields have a pattern"))
        }
        (Some(p), _) if SerialPattern::parse(p).is_err() => errors.push(definition_error("pattern", "pattern", "not a valid pattern")),
        _ => {}
    }
    let bounded = matches!(d.kind, FieldKind::Text | FieldKind::Number | FieldKind::Integer | FieldKind::MultipleChoice);
    if !bounded && (d.min.is_some() || d.max.is_some()) {
        errors.push(definition_error("min", "not_for_this_kind", "only text, numbers and multiple choices have bounds"));
    }
    if let (Some(min), Some(max)) = (d.min, d.max)
        && min > max
    {
        errors.push(definition_error("max", "range", "max is below min"));
    }
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

/// A value that does not fit its field: `field` is `custom_fields.<key>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn value_error(key: &str, code: &'static str, message: impl Into<String>) -> ValueError {
    ValueError { field: format!("custom_fields.{key}"), code, message: message.into() }
}

/// The values a record keeps: `current` changed by `patch` (a key with `null` is removed),
/// checked against the fields that apply to `category` — unknown keys, wrong types, values
/// out of bounds, off the pattern or not among the options, and required fields missing, all
/// reported at once. Values of fields that no longer apply (a category changed, a field was
/// switched off) are kept as they were, so nothing is lost. `require` is off where a record is
/// made from what arrived by itself (a call, an email, a portal request): it must not be
/// refused for what nobody could have filled in; a person completes it later.
pub fn apply(
    definitions: &[FieldDefinition],
    category: Option<Uuid>,
    current: &Map<String, Value>,
    patch: &Map<String, Value>,
    require: bool,
) -> Result<Map<String, Value>, Vec<ValueError>> {
    let applicable: BTreeMap<&str, &FieldDefinition> =
        definitions.iter().filter(|d| d.applies_to(category)).map(|d| (d.key.as_str(), d)).collect();
    let mut values = current.clone();
    let mut errors = Vec::new();
    for (key, value) in patch {
        let Some(def) = applicable.get(key.as_str()) else {
            errors.push(value_error(key, "unknown", "no such custom field for this category"));
            continue;
        };
        if value.is_null() {
            values.remove(key);
            continue;
        }
        match normalise(def, value) {
            Ok(v) => {
                values.insert(key.clone(), v);
            }
            Err(e) => errors.push(e),
        }
    }
    for def in applicable.values().filter(|d| d.required && require) {
        if values.get(&def.key).is_none_or(Value::is_null) {
            errors.push(value_error(&def.key, "required", format!("{} is required", def.label)));
        }
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

fn in_bounds(def: &FieldDefinition, n: f64) -> bool {
    def.min.is_none_or(|min| n >= min) && def.max.is_none_or(|max| n <= max)
}

fn bounds(def: &FieldDefinition) -> String {
    match (def.min, def.max) {
        (Some(min), Some(max)) => format!("between {min} and {max}"),
        (Some(min), None) => format!("at least {min}"),
        (None, Some(max)) => format!("at most {max}"),
        (None, None) => String::new(),
    }
}

/// The value as it is kept: trimmed text, numbers as numbers, dates as `YYYY-MM-DD`.
fn normalise(def: &FieldDefinition, value: &Value) -> Result<Value, ValueError> {
    let key = def.key.as_str();
    let wrong = |what: &str| value_error(key, "type", format!("{} takes {what}", def.label));
    match def.kind {
        FieldKind::Text => {
            let text = value.as_str().ok_or_else(|| wrong("text"))?.trim();
            let length = text.chars().count() as f64;
            if !in_bounds(def, length) {
                return Err(value_error(key, "length", format!("{} characters", bounds(def))));
            }
            if let Some(p) = &def.pattern
                && SerialPattern::parse(p).is_ok_and(|p| !p.matches(text))
            {
                return Err(value_error(key, "pattern", format!("does not match {p}")));
            }
            Ok(Value::String(text.to_owned()))
        }
        FieldKind::Number | FieldKind::Integer => {
            let n = value.as_f64().ok_or_else(|| wrong("a number"))?;
            if def.kind == FieldKind::Integer && (n.fract() != 0.0 || value.is_f64() && !n.is_finite()) {
                return Err(wrong("a whole number"));
            }
            if !in_bounds(def, n) {
                return Err(value_error(key, "range", bounds(def)));
            }
            Ok(value.clone())
        }
        FieldKind::Boolean => value.as_bool().map(Value::Bool).ok_or_else(|| wrong("true or false")),
        FieldKind::Date => {
            let text = value.as_str().ok_or_else(|| wrong("a date (YYYY-MM-DD)"))?;
            let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| wrong("a date (YYYY-MM-DD)"))?;
            Ok(Value::String(date.format("%Y-%m-%d").to_string()))
        }
        FieldKind::SingleChoice => {
            let choice = value.as_str().ok_or_else(|| wrong("one of its options"))?;
            if !def.options.iter().any(|o| o == choice) {
                return Err(value_error(key, "unknown_option", format!("one of: {}", def.options.join(", "))));
            }
            Ok(Value::String(choice.to_owned()))
        }
        FieldKind::MultipleChoice => {
            let items = value.as_array().ok_or_else(|| wrong("a list of its options"))?;
            let mut chosen: Vec<String> = Vec::with_capacity(items.len());
            for item in items {
                let choice = item.as_str().ok_or_else(|| wrong("a list of its options"))?;
                if !def.options.iter().any(|o| o == choice) {
                    return Err(value_error(key, "unknown_option", format!("each one of: {}", def.options.join(", "))));
                }
                if !chosen.iter().any(|c| c == choice) {
                    chosen.push(choice.to_owned());
                }
            }
            if !in_bounds(def, chosen.len() as f64) {
                return Err(value_error(key, "range", format!("{} choices", bounds(def))));
            }
            // Kept in the order the options are defined, so equal choices are equal values.
            let ordered: Vec<Value> = def.options.iter().filter(|o| chosen.contains(o)).map(|o| Value::String(o.clone())).collect();
            Ok(Value::Array(ordered))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(key: &str, kind: FieldKind) -> FieldDefinition {
        FieldDefinition {
            id: Uuid::now_v7(),
            entity: FieldEntity::Ticket,
            category_id: None,
            key: key.to_owned(),
            label: key.to_owned(),
            kind,
            required: false,
            min: None,
            max: None,
            pattern: None,
            options: Vec::new(),
            position: 0,
            active: true,
            version: 1,
        }
    }

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn values_of_every_kind_are_kept_normalised() {
        let mut fleet = field("fleet", FieldKind::MultipleChoice);
        fleet.options = vec!["van".into(), "truck".into()];
        let mut site = field("site", FieldKind::SingleChoice);
        site.options = vec!["north".into(), "south".into()];
        let defs = [
            field("plate", FieldKind::Text),
            field("reading", FieldKind::Number),
            field("visits", FieldKind::Integer),
            field("urgent", FieldKind::Boolean),
            field("due", FieldKind::Date),
            site,
            fleet,
        ];
        let patch = obj(json!({"plate": "  LJ 12-345 ", "reading": 12.5, "visits": 3, "urgent": true, "due": "2027-01-05",
                              "site": "north", "fleet": ["truck", "van", "truck"]}));
        let kept = apply(&defs, None, &Map::new(), &patch, true).unwrap();
        assert_eq!(kept["plate"], "LJ 12-345");
        assert_eq!(kept["fleet"], json!(["van", "truck"]), "each once, in the options' order");
        assert_eq!(kept["due"], "2027-01-05");
    }

    #[test]
    fn every_wrong_value_is_reported_at_once_under_its_key() {
        let mut count = field("count", FieldKind::Integer);
        count.min = Some(1.0);
        count.max = Some(10.0);
        let mut code = field("code", FieldKind::Text);
        code.pattern = Some("[A-Z]{3}".into());
        let mut required = field("meter", FieldKind::Number);
        required.required = true;
        let defs = [count, code, required, field("urgent", FieldKind::Boolean)];
        let patch = obj(json!({"count": 11, "code": "abc", "urgent": "yes", "nope": 1}));
        let errors = apply(&defs, None, &Map::new(), &patch, true).unwrap_err();
        let found: Vec<(&str, &str)> = errors.iter().map(|e| (e.field.as_str(), e.code)).collect();
        for expected in [
            ("custom_fields.count", "range"),
            ("custom_fields.code", "pattern"),
            ("custom_fields.urgent", "type"),
            ("custom_fields.nope", "unknown"),
            ("custom_fields.meter", "required"),
        ] {
            assert!(found.contains(&expected), "{expected:?} in {found:?}");
        }
    }

    #[test]
    fn a_field_of_another_category_does_not_apply_and_its_kept_value_is_not_lost() {
        let heating = Uuid::now_v7();
        let mut boiler = field("boiler_serial", FieldKind::Text);
        boiler.category_id = Some(heating);
        boiler.required = true;
        let defs = [boiler];
        assert!(apply(&defs, Some(heating), &Map::new(), &Map::new(), true).is_err(), "required in its category");
        assert!(apply(&defs, Some(heating), &Map::new(), &Map::new(), false).is_ok(), "not for what arrived by itself");
        let elsewhere = apply(&defs, Some(Uuid::now_v7()), &obj(json!({"boiler_serial": "B-1"})), &Map::new(), true).unwrap();
        assert_eq!(elsewhere["boiler_serial"], "B-1");
        let refused = apply(&defs, None, &Map::new(), &obj(json!({"boiler_serial": "B-2"})), true).unwrap_err();
        assert_eq!(refused[0].code, "unknown");
    }

    #[test]
    fn null_removes_a_value_unless_the_field_is_required() {
        let mut note = field("note", FieldKind::Text);
        let defs = [note.clone()];
        let kept = apply(&defs, None, &obj(json!({"note": "x"})), &obj(json!({"note": null})), true).unwrap();
        assert!(kept.is_empty());
        note.required = true;
        assert!(apply(&[note], None, &obj(json!({"note": "x"})), &obj(json!({"note": null})), true).is_err());
    }

    #[test]
    fn a_definition_needs_a_usable_key_and_options_only_for_choices() {
        let mut bad = field("Bad Key", FieldKind::Text);
        bad.options = vec!["a".into()];
        bad.pattern = Some("(".into());
        let errors = check_definition(&bad).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
        assert_eq!(fields, ["key", "options", "pattern"]);
        let mut choice = field("site", FieldKind::SingleChoice);
        assert!(check_definition(&choice).is_err(), "a choice without options");
        choice.options = vec!["north".into()];
        assert!(check_definition(&choice).is_ok());
        let mut date = field("due", FieldKind::Date);
        date.min = Some(1.0);
        assert_eq!(check_definition(&date).unwrap_err()[0].code, "not_for_this_kind");
    }
}
