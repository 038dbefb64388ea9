//! Every error leaves the server as RFC 9457 `application/problem+json` with a stable `code`.
//!
//! Handlers return [`ApiError`]; extractor failures are routed here by the handlers in
//! `conventions::extractors`; anything else that slips through as a bare status is rewritten
//! by `conventions::problems::normalize` — so no `text/plain` error ever reaches a client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use servdesk_persistence::StoreError;
use utoipa::ToSchema;

use crate::storage::StorageError;

pub const PROBLEM_CONTENT_TYPE: &str = "application/problem+json";

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:servdesk:problem:validation_failed",
    "title": "Unprocessable Entity",
    "status": 422,
    "code": "validation_failed",
    "detail": "the request has invalid fields",
    "errors": [{"field": "email", "code": "email", "message": "not a valid email address"}]
}))]
pub struct Problem {
    /// `urn:servdesk:problem:<code>`.
    #[serde(rename = "type")]
    pub type_uri: String,
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable; clients branch on this, never on `title` or `detail`.
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors of a validation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name as in the request (dotted path for nested fields).
    pub field: String,
    pub code: String,
    pub message: String,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    pub retry_after_secs: Option<u64>,
    /// What went wrong inside, for the log only (never sent).
    pub cause: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self { status, code, detail: Some(detail.into()), errors: Vec::new(), retry_after_secs: None, cause: None }
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn unauthorized(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, detail)
    }

    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "your role or key scopes do not allow this")
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such resource")
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, detail)
    }

    pub fn stale_version() -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "stale_version", "the resource changed since you read it; fetch it again")
    }

    pub fn too_many_requests(code: &'static str, retry_after_secs: u64) -> Self {
        Self {
            retry_after_secs: Some(retry_after_secs.max(1)),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, code, "too many attempts; retry later")
        }
    }

    /// A 422 for one field.
    pub fn invalid_field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into() }])
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self { errors, ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", "the request has invalid fields") }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            cause: Some(cause.to_string()),
            ..Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "an internal error occurred; it has been logged")
        }
    }

    pub fn problem(&self) -> Problem {
        problem(self.status, self.code, self.detail.clone(), self.errors.clone())
    }
}

pub fn problem(status: StatusCode, code: &str, detail: Option<String>, errors: Vec<FieldError>) -> Problem {
    Problem {
        type_uri: format!("urn:servdesk:problem:{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        code: code.to_owned(),
        detail,
        errors,
    }
}

pub fn problem_response(status: StatusCode, body: &Problem) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_CONTENT_TYPE)));
    response.body(serde_json::to_string(body).unwrap_or_default())
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.code)?;
        if let Some(cause) = &self.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, cause = self.cause.as_deref().unwrap_or(""), "request failed");
        }
        let mut response = problem_response(self.status, &self.problem());
        if let Some(secs) = self.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

/// The object store did not answer (a bucket unreachable, credentials refused): 503, and
/// the request leaves nothing behind. An object missing behind an existing row is a broken
/// invariant, not an outage: 500.
impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        if e.is_not_found() {
            return Self::internal(e);
        }
        Self {
            cause: Some(e.to_string()),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, "storage_unavailable", "the file store is not available; retry later")
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::not_found(),
            StoreError::StaleVersion => ApiError::stale_version(),
            StoreError::Conflict { code, message } => ApiError::conflict(code, message),
            StoreError::Db(e) => ApiError::internal(e),
        }
    }
}

impl From<servdesk_persistence::DbErr> for ApiError {
    fn from(err: servdesk_persistence::DbErr) -> Self {
        ApiError::internal(err)
    }
}

impl From<validator::ValidationErrors> for ApiError {
    fn from(errs: validator::ValidationErrors) -> Self {
        let mut errors = Vec::new();
        collect_field_errors("", &errs, &mut errors);
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        ApiError::validation(errors)
    }
}

fn collect_field_errors(prefix: &str, errs: &validator::ValidationErrors, out: &mut Vec<FieldError>) {
    use validator::ValidationErrorsKind;
    for (field, kind) in errs.errors() {
        let name = if prefix.is_empty() { field.to_string() } else { format!("{prefix}.{field}") };
        match kind {
            ValidationErrorsKind::Field(list) => out.extend(list.iter().map(|e| FieldError {
                field: name.clone(),
                code: e.code.to_string(),
                message: e.message.as_ref().map(|m| m.to_string()).unwrap_or_else(|| default_message(&e.code)),
            })),
            ValidationErrorsKind::Struct(inner) => collect_field_errors(&name, inner, out),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    collect_field_errors(&format!("{name}[{i}]"), inner, out);
                }
            }
        }
    }
}

fn default_message(code: &str) -> String {
    match code {
        "length" => "has the wrong length".to_owned(),
        "email" => "not a valid email address".to_owned(),
        "range" => "is out of range".to_owned(),
        "required" => "is required".to_owned(),
        other => format!("is invalid ({other})"),
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
