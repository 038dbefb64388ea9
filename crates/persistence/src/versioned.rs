//! The optimistic-concurrency write every mutable row shares: apply a change only if the
//! row is still at the version the caller read, and move the version on.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, ExprTrait, QueryFilter, QueryTrait, UpdateMany};
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

/// Runs `update` on row `id` if it is still at `current` and it changes something; bumps
/// version and `updated_at` then. A change to the values the row already has is no change:
/// the version stays (a client that re-sends what it read must not make others' `If-Match`
/// stale, nor a sync by `updated_since` fetch the row again). Returns whether it changed.
/// A lost race (someone wrote in between) is `StaleVersion`.
pub(crate) async fn apply<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    update: UpdateMany<E>,
    cols: Columns<E::Column>,
    id: Uuid,
    current: i64,
    now: DateTime<Utc>,
    map_err: impl FnOnce(DbErr) -> StoreError,
) -> Result<bool, StoreError> {
    let differs = update.as_query().get_values().iter().fold(Condition::any(), |any, (column, value)| {
        let (column, value) = (Expr::col(column.clone()), (**value).clone());
        // Null-safe "differs" on both databases: unequal, or exactly one side null.
        any.add(column.clone().ne(value.clone()))
            .add(Condition::all().add(column.clone().is_null()).add(value.clone().is_not_null()))
            .add(Condition::all().add(column.is_not_null()).add(value.is_null()))
    });
    let result = update
        .col_expr(cols.version, Expr::value(current + 1))
        .col_expr(cols.updated_at, Expr::value(now))
        .filter(cols.id.eq(id))
        .filter(cols.version.eq(current))
        .filter(differs)
        .exec(conn)
        .await
        .map_err(map_err)?;
    if result.rows_affected == 1 {
        return Ok(true);
    }
    // Nothing written: a no-op change if the row is still at `current`, else a lost race.
    let still = E::find().filter(cols.id.eq(id)).filter(cols.version.eq(current)).one(conn).await?;
    if still.is_some() { Ok(false) } else { Err(StoreError::StaleVersion) }
}

/// `q` appears (case-insensitively) in any of `cols`. LIKE wildcards typed into `q` only widen
/// the match.
pub(crate) fn contains_any<C: ColumnTrait>(cols: &[C], q: &str) -> Condition {
    let pattern = format!("%{}%", q.trim().to_lowercase());
    cols.iter().fold(Condition::any(), |cond, col| cond.add(Expr::expr(Func::lower(Expr::col(*col))).like(pattern.clone())))
}
