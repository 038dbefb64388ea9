//! PATCH bodies tell three cases apart per field: absent (leave it), `null` (clear it) and a
//! value (set it). Use `Option<Option<T>>` with `#[serde(default, deserialize_with = "double_option")]`.

use serde::{Deserialize, Deserializer};

pub fn double_option<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A PATCH field that may be left out but not cleared (a title, a name, a flag): `null` is
/// refused with 422 instead of being taken for "leave it". Use on `Option<T>` with
/// `#[serde(default, deserialize_with = "…::present")]` and `#[schema(nullable = false)]`.
pub fn present<'de, T, D>(deserializer: D) -> Result<Option<T>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    match Option::<T>::deserialize(deserializer)? {
        Some(value) => Ok(Some(value)),
        None => Err(serde::de::Error::custom("null is not accepted for this field: leave it out to keep its value")),
    }
}

/// `{field: {before, after}}` for every field that changed, bookkeeping fields left out.
pub fn diff(before: &serde_json::Value, after: &serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    let (Some(before), Some(after)) = (before.as_object(), after.as_object()) else { return serde_json::Map::new() };
    after
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "version" | "updated_at"))
        .filter(|(k, v)| before.get(*k) != Some(v))
        .map(|(k, v)| (k.clone(), serde_json::json!({"before": before.get(k), "after": v})))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Body {
        #[serde(default, deserialize_with = "double_option")]
        phone: Option<Option<String>>,
    }

    fn parse(json: &str) -> Option<Option<String>> {
        serde_json::from_str::<Body>(json).ok().and_then(|b| b.phone)
    }

    #[derive(Deserialize, Debug)]
    struct Renamed {
        #[serde(default, deserialize_with = "present")]
        title: Option<String>,
    }

    #[test]
    fn a_required_field_may_be_left_out_but_not_cleared() {
        assert!(serde_json::from_str::<Renamed>("{}").is_ok_and(|b| b.title.is_none()));
        assert!(serde_json::from_str::<Renamed>(r#"{"title": "Leak"}"#).is_ok_and(|b| b.title.as_deref() == Some("Leak")));
        assert!(serde_json::from_str::<Renamed>(r#"{"title": null}"#).is_err());
    }

    #[test]
    fn an_absent_field_null_and_a_value_are_three_different_things() {
        assert!(serde_json::from_str::<Body>("{}").is_ok_and(|b| b.phone.is_none()));
        assert_eq!(parse(r#"{"phone": null}"#), Some(None));
        assert_eq!(parse(r#"{"phone": "+38640111222"}"#), Some(Some("+38640111222".into())));
    }
}
