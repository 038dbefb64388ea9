//! What a use case reports when it cannot do what was asked: a stable code from the domain's
//! table (whose kind the API maps to a status), a sentence for people, the invalid fields.
//! It knows nothing of HTTP.

use servdesk_domain::errors::{Code, DomainError, ErrorKind, code, field};
use servdesk_persistence::StoreError;

use crate::storage::StorageError;

/// One invalid field of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as in the request (dotted path for nested fields).
    pub field: String,
    /// A field code (`servdesk_domain::errors::field`), or a validator's rule name.
    pub code: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: Code, message: impl Into<String>) -> Self {
        Self { field: field.into(), code: code.as_str().to_owned(), message: message.into() }
    }
}

#[derive(Debug)]
pub struct Error {
    pub code: Code,
    pub detail: Option<String>,
    pub errors: Vec<FieldError>,
    /// For `RateLimited` and `Unavailable`: when to try again.
    pub retry_after_secs: Option<u64>,
    /// What went wrong inside, for the log only (never sent).
    pub cause: Option<String>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: Code, detail: impl Into<String>) -> Self {
        debug_assert!(!code.is_field(), "a field code is reported through Error::invalid_field");
        Self { code, detail: Some(detail.into()), errors: Vec::new(), retry_after_secs: None, cause: None }
    }

    pub fn kind(&self) -> ErrorKind {
        self.code.kind()
    }

    pub fn forbidden() -> Self {
        Self::new(code::FORBIDDEN, "your role or key scopes do not allow this")
    }

    pub fn not_found() -> Self {
        Self::new(code::NOT_FOUND, "no such resource")
    }

    pub fn stale_version() -> Self {
        Self::new(code::STALE_VERSION, "the resource changed since you read it; fetch it again")
    }

    pub fn too_many_requests(code: Code, retry_after_secs: u64) -> Self {
        Self { retry_after_secs: Some(retry_after_secs.max(1)), ..Self::new(code, "too many attempts; retry later") }
    }

    /// A `validation_failed` problem for one field.
    pub fn invalid_field(field: &str, code: Code, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, code, message)])
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self { errors, ..Self::new(code::VALIDATION_FAILED, "the request has invalid fields") }
    }

    /// A dependency (database, file store) did not answer: retry after a few seconds.
    pub fn unavailable(code: Code, detail: &str, cause: impl std::fmt::Display) -> Self {
        Self { cause: Some(cause.to_string()), retry_after_secs: Some(RETRY_UNAVAILABLE_SECS), ..Self::new(code, detail) }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self { cause: Some(cause.to_string()), ..Self::new(code::INTERNAL_ERROR, "an internal error occurred; it has been logged") }
    }

    /// Adds the field errors that explain a problem (e.g. the open tasks of a close).
    pub fn with_errors(self, errors: Vec<FieldError>) -> Self {
        Self { errors, ..self }
    }

    /// A domain rule's refusal: its code, and its field when it is about one.
    pub fn domain(e: &impl DomainError) -> Self {
        let code = e.code();
        if code.is_field() {
            return Self::invalid_field(e.field().unwrap_or("body"), code, e.to_string());
        }
        Self::new(code, e.to_string())
    }

    /// A referenced record that does not exist is a field error of the request (422), not a
    /// 404 of the route.
    pub fn referenced_as(self, field_name: &str) -> Self {
        if self.code == code::NOT_FOUND { Self::invalid_field(field_name, field::NOT_FOUND, "no such record") } else { self }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(cause) = &self.cause {
            write!(f, " ({cause})")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// A record named in the request: missing is the field's error (422), not the route's 404.
pub fn referenced<T>(field_name: &str, found: Result<T, StoreError>) -> Result<T> {
    found.map_err(|e| Error::from(e).referenced_as(field_name))
}

impl From<StoreError> for Error {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::not_found(),
            StoreError::StaleVersion => Self::stale_version(),
            StoreError::Conflict { code, message } => Self::new(code, message),
            // Every external reference is unique per kind of record: one rule, one answer.
            StoreError::Db(e) if servdesk_persistence::error::is_unique_violation(&e) && e.to_string().contains("external_ref") => {
                Self::new(code::EXTERNAL_REF_TAKEN, "another record of this kind has this external reference")
            }
            StoreError::Db(e) => Self::from(e),
        }
    }
}

/// Seconds a client is told to wait (`Retry-After`) when a dependency does not answer.
pub const RETRY_UNAVAILABLE_SECS: u64 = 5;

impl From<servdesk_persistence::DbErr> for Error {
    fn from(err: servdesk_persistence::DbErr) -> Self {
        if servdesk_persistence::error::is_unavailable(&err) {
            return Self::unavailable(code::DATABASE_UNAVAILABLE, "the database does not answer; retry later", err);
        }
        Self::internal(err)
    }
}

/// The object store did not answer (a bucket unreachable, credentials refused): 503, and the
/// request leaves nothing behind. An object missing behind an existing row is a broken
/// invariant, not an outage.
impl From<StorageError> for Error {
    fn from(e: StorageError) -> Self {
        if e.is_not_found() {
            return Self::internal(e);
        }
        Self::unavailable(code::STORAGE_UNAVAILABLE, "the file store is not available; retry later", e)
    }
}
