//! Bulk imports: the row with its file and counts, its status moves, and the problems found
//! in its rows.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use servdesk_domain::imports::{Import, ImportFormat, ImportKind, ImportStatus, RowProblem};
use uuid::Uuid;

use crate::entities::{import_errors, imports as row};
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};

#[derive(Default)]
pub struct ImportFilter {
    pub kind: Option<ImportKind>,
    pub status: Option<ImportStatus>,
}

fn to_import(m: row::Model) -> Result<Import, StoreError> {
    let corrupt = |what: &str, text: &str| StoreError::corrupt("imports", format!("{what} {text:?}"));
    Ok(Import {
        kind: ImportKind::parse(&m.kind).ok_or_else(|| corrupt("kind", &m.kind))?,
        format: ImportFormat::parse(&m.format).ok_or_else(|| corrupt("format", &m.format))?,
        status: ImportStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        id: m.id,
        dry_run: m.dry_run,
        file_name: m.file_name,
        total_rows: i64::from(m.total_rows),
        processed_rows: i64::from(m.processed_rows),
        created_rows: i64::from(m.created_rows),
        updated_rows: i64::from(m.updated_rows),
        failed_rows: i64::from(m.failed_rows),
        error: m.error,
        requested_by: m.requested_by,
        started_at: m.started_at,
        finished_at: m.finished_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Records a new import with its file.
pub async fn create(conn: &impl ConnectionTrait, import: &Import, content: String) -> Result<(), StoreError> {
    row::ActiveModel {
        id: Set(import.id),
        kind: Set(import.kind.as_str().to_owned()),
        format: Set(import.format.as_str().to_owned()),
        dry_run: Set(import.dry_run),
        status: Set(import.status.as_str().to_owned()),
        file_name: Set(import.file_name.clone()),
        content: Set(Some(content)),
        total_rows: Set(count(import.total_rows)),
        processed_rows: Set(0),
        created_rows: Set(0),
        updated_rows: Set(0),
        failed_rows: Set(0),
        error: Set(None),
        requested_by: Set(import.requested_by),
        started_at: Set(None),
        finished_at: Set(None),
        version: Set(import.version),
        created_at: Set(import.created_at),
        updated_at: Set(import.updated_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Import, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_import).ok_or(StoreError::NotFound)?
}

/// The file of an import that has not finished (`None` once it has: the file is dropped).
pub async fn content(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<String>, StoreError> {
    let found: Option<Option<String>> =
        row::Entity::find_by_id(id).select_only().column(row::Column::Content).into_tuple().one(conn).await?;
    found.ok_or(StoreError::NotFound)
}

pub async fn list(conn: &impl ConnectionTrait, filter: &ImportFilter, req: PageRequest) -> Result<Page<Import>, StoreError> {
    let mut select = row::Entity::find().select_only().columns(LISTED);
    if let Some(kind) = filter.kind {
        select = select.filter(row::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        select = select.filter(row::Column::Status.eq(status.as_str()));
    }
    // The file stays out of lists: it is read only by the job.
    let select = select.column_as(Expr::value(Option::<String>::None), "content");
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_import)
}

const LISTED: [row::Column; 18] = [
    row::Column::Id,
    row::Column::Kind,
    row::Column::Format,
    row::Column::DryRun,
    row::Column::Status,
    row::Column::FileName,
    row::Column::TotalRows,
    row::Column::ProcessedRows,
    row::Column::CreatedRows,
    row::Column::UpdatedRows,
    row::Column::FailedRows,
    row::Column::Error,
    row::Column::RequestedBy,
    row::Column::StartedAt,
    row::Column::FinishedAt,
    row::Column::Version,
    row::Column::CreatedAt,
    row::Column::UpdatedAt,
];

/// Moves a queued import to running; returns whether it moved (a job run again after a
/// crash finds it running already and carries on).
pub async fn start(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(ImportStatus::Running.as_str()))
        .col_expr(row::Column::StartedAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::Status.eq(ImportStatus::Queued.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// How far an import has come, as counts of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    pub processed: i64,
    pub created: i64,
    pub updated: i64,
    pub failed: i64,
}

/// Records the counts so far (not a version change: progress is not an edit).
pub async fn progress(conn: &impl ConnectionTrait, id: Uuid, p: Progress, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::ProcessedRows, Expr::value(count(p.processed)))
        .col_expr(row::Column::CreatedRows, Expr::value(count(p.created)))
        .col_expr(row::Column::UpdatedRows, Expr::value(count(p.updated)))
        .col_expr(row::Column::FailedRows, Expr::value(count(p.failed)))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends a running import (completed, or failed with why) and drops its file.
pub async fn finish(
    conn: &impl ConnectionTrait,
    id: Uuid,
    status: ImportStatus,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(status.as_str()))
        .col_expr(row::Column::Error, Expr::value(error))
        .col_expr(row::Column::Content, Expr::value(Option::<String>::None))
        .col_expr(row::Column::FinishedAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::Status.is_in([ImportStatus::Queued.as_str(), ImportStatus::Running.as_str()]))
        .exec(conn)
        .await?;
    Ok(())
}

/// A problem of one row, as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub id: Uuid,
    pub row_number: i64,
    pub external_ref: Option<String>,
    pub problem: RowProblem,
}

/// Keeps the problems of rows, in order.
pub async fn add_errors(
    conn: &impl ConnectionTrait,
    import_id: Uuid,
    errors: &[(i64, Option<String>, RowProblem)],
) -> Result<(), StoreError> {
    for chunk in errors.chunks(500) {
        let rows = chunk.iter().map(|(number, external_ref, problem)| import_errors::ActiveModel {
            id: Set(Uuid::now_v7()),
            import_id: Set(import_id),
            row_number: Set(count(*number)),
            external_ref: Set(external_ref.clone()),
            field: Set(problem.field.as_ref().map(|f| f.chars().take(200).collect())),
            code: Set(problem.code.chars().take(64).collect()),
            message: Set(problem.message.clone()),
        });
        import_errors::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Up to `limit` problems after `after` (an error's id), in the order found.
pub async fn errors(conn: &impl ConnectionTrait, import_id: Uuid, after: Option<Uuid>, limit: u64) -> Result<Vec<RowError>, StoreError> {
    let mut select = import_errors::Entity::find().filter(import_errors::Column::ImportId.eq(import_id));
    if let Some(after) = after {
        select = select.filter(import_errors::Column::Id.gt(after));
    }
    let rows = page::all_limited(conn, select.order_by_asc(import_errors::Column::Id), limit).await?;
    Ok(rows
        .into_iter()
        .map(|m| RowError {
            id: m.id,
            row_number: i64::from(m.row_number),
            external_ref: m.external_ref,
            problem: RowProblem { field: m.field, code: m.code, message: m.message },
        })
        .collect())
}
