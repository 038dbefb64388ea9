//! Turning every failure into a problem document: extractor errors (bad JSON, bad path or
//! query, body too large, wrong content type) and, as a last line, any error response that
//! was produced elsewhere without one (unknown route, wrong method, CORS refusal).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, HttpRequest, web};
use servdesk_domain::errors::code;

use super::methods::MethodIndex;
use crate::error::{ApiError, PROBLEM_CONTENT_TYPE, problem, problem_response};

pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(|err, _req: &HttpRequest| json_error(err).into())
}

fn json_error(err: JsonPayloadError) -> ApiError {
    match err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::new(code::PAYLOAD_TOO_LARGE, err.to_string())
        }
        JsonPayloadError::ContentType => ApiError::new(code::UNSUPPORTED_MEDIA_TYPE, "send the body as application/json"),
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::new(code::INVALID_BODY, format!("the body does not match the schema: {e}"))
        }
        JsonPayloadError::Deserialize(e) => ApiError::new(code::MALFORMED_JSON, format!("the body is not valid JSON: {e}")),
        other => ApiError::new(code::MALFORMED_BODY, other.to_string()),
    }
}

/// A JSON body read by a handler itself (one that also takes other media types), with the
/// same codes as the JSON extractor's.
pub fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| json_error(JsonPayloadError::Deserialize(e)))
}

pub fn path_config() -> web::PathConfig {
    web::PathConfig::default().error_handler(|err: PathError, req: &HttpRequest| {
        // `PATCH /contacts/lookup` reaches `PATCH /contacts/{id}` with the id `lookup`; but
        // `/contacts/lookup` is a route of its own that does not take PATCH: that is a 405.
        if let Some(index) = req.app_data::<MethodIndex>()
            && let Some(methods) = index.allowed(req.path())
            && !methods.contains(&req.method().as_str())
        {
            return actix_web::error::InternalError::from_response(err, index.respond(req)).into();
        }
        ApiError::new(code::INVALID_PATH_PARAMETER, format!("a path parameter is malformed: {err}")).into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default().error_handler(|err: QueryPayloadError, _req: &HttpRequest| {
        ApiError::new(code::INVALID_QUERY, format!("the query string is malformed: {err}")).into()
    })
}

pub fn payload_config(limit: usize) -> web::PayloadConfig {
    web::PayloadConfig::new(limit)
}

/// Rewrites an error response that is not already a problem document into one, keeping its
/// status. (Handlers' errors arrive here as responses already; inner middleware answers its
/// own errors as responses too, so nothing bypasses this as an `Err`.)
pub async fn normalize(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let res = next.call(req).await?.map_into_boxed_body();
    let status = res.status();
    let is_problem =
        res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with(PROBLEM_CONTENT_TYPE));
    if !(status.is_client_error() || status.is_server_error()) || is_problem {
        return Ok(res);
    }
    let (code, detail) = match status {
        StatusCode::NOT_FOUND => (code::NOT_FOUND, "no such route or resource"),
        StatusCode::METHOD_NOT_ALLOWED => (code::METHOD_NOT_ALLOWED, "this route does not accept this method"),
        StatusCode::BAD_REQUEST => (code::BAD_REQUEST, "the request is malformed"),
        StatusCode::UNAUTHORIZED => (code::UNAUTHORIZED, "authentication is required"),
        StatusCode::FORBIDDEN => (code::FORBIDDEN, "not allowed"),
        StatusCode::PAYLOAD_TOO_LARGE => (code::PAYLOAD_TOO_LARGE, "the request body is too large"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (code::UNSUPPORTED_MEDIA_TYPE, "unsupported content type"),
        s if s.is_server_error() => (code::INTERNAL_ERROR, "an internal error occurred; it has been logged"),
        _ => (code::REQUEST_FAILED, "the request failed"),
    };
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), "error response without a problem body");
    }
    let body = problem(status, code.as_str(), Some(detail.to_owned()), Vec::new());
    let (req, old) = res.into_parts();
    let mut fresh = problem_response(status, &body);
    // Keep headers that matter to the client (Allow on 405, CORS, Retry-After).
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fresh.headers_mut().append(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, fresh))
}
