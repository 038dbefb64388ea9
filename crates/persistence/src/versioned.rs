//! The optimistic-concurrency write every mutable row shares: apply a change only if the
//! row is still at the version the caller read, and move the version on.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, UpdateMany};
use uuid::Uuid;

use crate::error::StoreError;

/// 412 early when the caller named a version that is no longer current.
pub(crate) fn expect(expected: Option<i64>, current: i64) -> Result<(), StoreError> {
    if expected.is_some_and(|v| v != current) { Err(StoreError::StaleVersion) } else { Ok(()) }
}

/// The row's id, version and `updated_at` columns.
pub(crate) struct Columns<C> {
    pub id: C,
    pub version: C,
    pub updated_at: C,
}

/// Runs `update` on row `id` if it is still at `current`; bumps version and `updated_at`.
/// A lost race (someone wrote in between) is `StaleVersion`.
pub(crate) async fn apply<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    update: UpdateMany<E>,
    cols: Columns<E::Column>,
    id: Uuid,
    current: i64,
    now: DateTime<Utc>,
    map_err: impl FnOnce(DbErr) -> StoreError,
) -> Result<(), StoreError> {
    let result = update
        .col_expr(cols.version, Expr::value(current + 1))
        .col_expr(cols.updated_at, Expr::value(now))
        .filter(cols.id.eq(id))
        .filter(cols.version.eq(current))
        .exec(conn)
        .await
        .map_err(map_err)?;
    if result.rows_affected == 1 { Ok(()) } else { Err(StoreError::StaleVersion) }
}

/// `q` appears (case-insensitively) in any of `cols`. LIKE wildcards typed into `q` only widen
/// the match.
pub(crate) fn contains_any<C: ColumnTrait>(cols: &[C], q: &str) -> Condition {
    let pattern = format!("%{}%", q.trim().to_lowercase());
    cols.iter().fold(Condition::any(), |cond, col| cond.add(Expr::expr(Func::lower(Expr::col(*col))).like(pattern.clone())))
}
