//! Errors a store reports, named after what the caller has to tell the client.

use sea_orm::{DbErr, SqlErr};
use servdesk_domain::errors::Code;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// The row changed since the caller read it (its `version` moved on).
    #[error("stale version")]
    StaleVersion,
    /// A uniqueness rule was broken; `code` names the rule for the client.
    #[error("conflict: {code}")]
    Conflict { code: Code, message: String },
    #[error(transparent)]
    Db(#[from] DbErr),
}

impl StoreError {
    /// A row that does not convert to its domain type (a value no migration allows).
    pub fn corrupt(table: &str, detail: impl std::fmt::Display) -> Self {
        Self::Db(DbErr::Custom(format!("corrupt {table} row: {detail}")))
    }

    pub fn conflict(code: Code, message: impl Into<String>) -> Self {
        Self::Conflict { code, message: message.into() }
    }
}

/// True when the database did not answer (no connection within the acquire timeout, a
/// connection refused, broken mid-query or ended by a server restart) rather than refused
/// the statement: a retry later
/// may succeed, so the caller gets 503, not 500.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    use sea_orm::sqlx::Error as Sqlx;
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => match &**e {
            Sqlx::Io(_) | Sqlx::PoolTimedOut | Sqlx::PoolClosed | Sqlx::WorkerCrashed | Sqlx::Tls(_) => true,
            // PostgreSQL ending the session: a restart or shutdown (class 57, "operator
            // intervention") or a connection failure it reports itself (class 08).
            Sqlx::Database(db) => db.code().is_some_and(|code| code.starts_with("57P") || code.starts_with("08")),
            _ => false,
        },
        _ => false,
    }
}

/// True when the error is a unique-constraint violation on either database.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// True when the error is a foreign-key violation on either database. SQLite reports a
/// `RESTRICT` action as extended code 1811 (not the 787 sea-orm maps), with the same message.
pub fn is_foreign_key_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::ForeignKeyConstraintViolation(_))) || err.to_string().contains("FOREIGN KEY constraint failed")
}
