//! Reading a JSON request body into memory inside a middleware, bounded by the JSON limit,
//! so the handler's extractor can read it again.

use actix_web::dev::Payload;
use actix_web::web::{Bytes, BytesMut};
use futures_util::StreamExt;
use servdesk_domain::errors::code;

use crate::error::ApiError;

/// The whole body, or `payload_too_large` past `limit` bytes, or `malformed_body` when the
/// connection breaks mid-body.
pub async fn read_limited(payload: &mut Payload, limit: usize) -> Result<Bytes, ApiError> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(code::MALFORMED_BODY, e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(code::PAYLOAD_TOO_LARGE, "the request body is too large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// The media type of a request's body without its parameters, lower-case (`""` when absent):
/// what routes that take several kinds of body dispatch on.
pub fn media_type(req: &actix_web::HttpRequest) -> String {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_ascii_lowercase())
        .unwrap_or_default()
}
