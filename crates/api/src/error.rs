//! Every error leaves the server as RFC 9457 `application/problem+json` with a stable `code`.
//!
//! Handlers return [`ApiError`]; extractor failures are routed here by the handlers in
//! `conventions::extractors`; anything else that slips through as a bare status is rewritten
//! by `conventions::problems::normalize` — so no `text/plain` error ever reaches a client.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use servdesk_domain::errors::{Code, ErrorKind};
use servdesk_persistence::StoreError;
use servdesk_usecases::Error;
use servdesk_usecases::storage::StorageError;
use utoipa::ToSchema;

pub use servdesk_usecases::FieldError;

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
    /// Stable, machine-readable (the document lists every code).
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Per-field errors of a validation failure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorOut>,
}

/// One invalid field of a `validation_failed` problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(as = FieldError)]
pub struct FieldErrorOut {
    /// The field's name as in the request (dotted path for nested fields).
    pub field: String,
    pub code: String,
    pub message: String,
}

/// A use case's error on its way out as a problem document. The only place that knows
/// HTTP statuses: [`status_of`] maps each kind of the domain's error table to one.
#[derive(Debug)]
pub struct ApiError(pub Error);

/// The HTTP status of each kind of error.
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::Malformed => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::Precondition => StatusCode::PRECONDITION_FAILED,
        ErrorKind::Gone => StatusCode::GONE,
        ErrorKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorKind::Unprocessable | ErrorKind::InvalidField => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl ApiError {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        Self(Error::new(code, detail))
    }

    pub fn status(&self) -> StatusCode {
        status_of(self.0.kind())
    }

    pub fn forbidden() -> Self {
        Self(Error::forbidden())
    }

    pub fn not_found() -> Self {
        Self(Error::not_found())
    }

    pub fn stale_version() -> Self {
        Self(Error::stale_version())
    }

    pub fn too_many_requests(code: Code, retry_after_secs: u64) -> Self {
        Self(Error::too_many_requests(code, retry_after_secs))
    }

    /// A 422 for one field.
    pub fn invalid_field(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self(Error::invalid_field(field, code, message))
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self(Error::validation(errors))
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self(Error::internal(cause))
    }

    pub fn problem(&self) -> Problem {
        let errors = self
            .0
            .errors
            .iter()
            .map(|e| FieldErrorOut { field: e.field.clone(), code: e.code.clone(), message: e.message.clone() })
            .collect();
        problem(self.status(), self.0.code.as_str(), self.0.detail.clone(), errors)
    }
}

impl std::ops::Deref for ApiError {
    type Target = Error;

    fn deref(&self) -> &Error {
        &self.0
    }
}

pub fn problem(status: StatusCode, code: &str, detail: Option<String>, errors: Vec<FieldErrorOut>) -> Problem {
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
        write!(f, "{} {}", self.status().as_u16(), self.0.code)?;
        if let Some(cause) = &self.0.cause {
            write!(f, ": {cause}")?;
        }
        Ok(())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status()
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.0.code.as_str(), cause = self.0.cause.as_deref().unwrap_or(""), "request failed");
        }
        let mut response = problem_response(status, &self.problem());
        if let Some(secs) = self.0.retry_after_secs
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        Self(e.into())
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        Self(err.into())
    }
}

impl From<servdesk_persistence::DbErr> for ApiError {
    fn from(err: servdesk_persistence::DbErr) -> Self {
        Self(err.into())
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
