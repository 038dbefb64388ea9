//! No text anywhere holds a NUL character: PostgreSQL cannot store one in a text column and
//! SQLite would, so the two databases would disagree. A request that carries one — escaped
//! as `\u0000` in a JSON body, or `%00` in the path or query — is refused with 422
//! `invalid_character` before any handler runs, on both databases alike.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use servdesk_domain::errors::code;

use super::body;
use crate::error::ApiError;
use crate::state::AppState;

fn refused(req: ServiceRequest, where_: &str) -> ServiceResponse<BoxBody> {
    let err = ApiError::new(code::INVALID_CHARACTER, format!("the {where_} contains a NUL character, which no text accepts"));
    let response = err.error_response();
    req.into_response(response)
}

pub async fn middleware(mut req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    if has_encoded_nul(req.path()) {
        return Ok(refused(req, "path"));
    }
    if has_encoded_nul(req.query_string()) {
        return Ok(refused(req, "query string"));
    }
    let is_json = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        essence == "application/json" || essence.ends_with("+json")
    });
    if is_json {
        let limit = req.app_data::<web::Data<AppState>>().map_or(usize::MAX, |s| s.config.json_limit_bytes);
        let mut payload = req.take_payload();
        let bytes = match body::read_limited(&mut payload, limit).await {
            Ok(b) => b,
            Err(e) => {
                let response = e.error_response();
                return Ok(req.into_response(response));
            }
        };
        if has_escaped_nul(&bytes) {
            return Ok(refused(req, "body"));
        }
        req.set_payload(Payload::from(bytes));
    }
    next.call(req).await.map(ServiceResponse::map_into_boxed_body)
}

/// `%00` in a percent-encoded path or query.
fn has_encoded_nul(s: &str) -> bool {
    s.as_bytes().windows(3).any(|w| w == b"%00")
}

/// A `\u0000` escape in JSON text (a raw NUL byte is not valid JSON and fails to parse).
/// Backslashes only occur inside strings, so skipping each escape's second character is
/// enough to tell `\u0000` from an escaped backslash followed by `u0000`.
fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1) == Some(&b'u') && json.get(i + 2..i + 6) == Some(b"0000".as_slice()) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_escaped_nul_in_json_is_found() {
        assert!(has_escaped_nul(br#"{"title":"a\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"a\u0000":1}"#));
    }

    #[test]
    fn an_escaped_backslash_before_u0000_is_plain_text() {
        assert!(!has_escaped_nul(br#"{"title":"C:\\u0000"}"#));
        assert!(!has_escaped_nul(br#"{"title":"\u00e9\n"}"#));
        assert!(has_escaped_nul(br#"{"title":"\\\u0000"}"#));
    }

    #[test]
    fn a_percent_encoded_nul_is_found_in_a_query() {
        assert!(has_encoded_nul("q=%00"));
        assert!(!has_encoded_nul("q=%2500"));
    }
}
