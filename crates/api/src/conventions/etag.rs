//! Optimistic concurrency: every mutable resource has a `version`, sent as a strong `ETag`;
//! a PATCH with `If-Match` applies only to that version (412 otherwise).

use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use serde::Serialize;
use servdesk_domain::errors::code;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::error::ApiError;

pub fn etag(version: i64) -> String {
    format!("\"{version}\"")
}

/// `201 Created` with the new resource's `Location` and `ETag`.
pub fn created<T: Serialize>(location: String, version: i64, body: &T) -> HttpResponse {
    let mut builder = HttpResponse::Created();
    builder.insert_header((header::LOCATION, location));
    versioned(builder, version, body)
}

/// A JSON response with the resource's `ETag`.
pub fn versioned<T: Serialize>(mut builder: actix_web::HttpResponseBuilder, version: i64, body: &T) -> HttpResponse {
    builder.insert_header((header::ETAG, etag(version))).json(body)
}

/// The version the client expects, from `If-Match` (`"<version>"`, weak or strong). `None`
/// when the header is absent or `*`: the write is then unconditional.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<i64>);

/// Documents `If-Match` on every operation that takes it (`params(..., IfMatch)`).
impl utoipa::IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        // What `parse` accepts: `*`, or a version in quotes, weak or strong.
        let schema = ObjectBuilder::new().schema_type(Type::String).pattern(Some(r#"^(\*|(W/)?"[0-9]{1,18}")$"#)).examples(["\"3\""]);
        vec![
            ParameterBuilder::new()
                .name("If-Match")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some("The `ETag` of the version you read: the write applies only to that version (412 `stale_version` otherwise); without it the write is unconditional"))
                .schema(Some(schema))
                .build(),
        ]
    }
}

fn parse(value: &HeaderValue) -> Result<Option<i64>, ApiError> {
    let invalid = || ApiError::new(code::INVALID_IF_MATCH, "If-Match must be an ETag from this API, like \"3\"");
    let raw = value.to_str().map_err(|_| invalid())?.trim();
    if raw == "*" {
        return Ok(None);
    }
    let tag = raw.strip_prefix("W/").unwrap_or(raw);
    let inner = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')).ok_or_else(invalid)?;
    inner.parse::<i64>().map(Some).map_err(|_| invalid())
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match req.headers().get(header::IF_MATCH) {
            None => Ok(IfMatch(None)),
            Some(v) => parse(v).map(IfMatch),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<Option<i64>> {
        parse(&HeaderValue::from_str(s).ok()?).ok()
    }

    #[test]
    fn strong_weak_and_wildcard_tags_are_understood() {
        assert_eq!(p("\"3\""), Some(Some(3)));
        assert_eq!(p("W/\"3\""), Some(Some(3)));
        assert_eq!(p("*"), Some(None));
    }

    #[test]
    fn a_tag_that_is_not_ours_is_refused() {
        assert_eq!(p("3"), None);
        assert_eq!(p("\"abc\""), None);
    }
}
