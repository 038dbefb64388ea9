//! Yearly sequences behind human-readable numbers (`T-2026-000123`).
//!
//! `next` increments a counter row inside the caller's transaction: PostgreSQL's row lock
//! makes concurrent transactions take turns, SQLite has one writer at a time, and a rolled
//! back transaction takes its increment with it — so numbers neither repeat nor skip.
//! `draw` follows the installation's [`Scheme`]: on PostgreSQL `Increasing` draws from a
//! database sequence instead (migration 37's `servdesk_next_number`), which no transaction
//! holds; SQLite always counts, as its single writer makes the counter free.

use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query, SubQueryStatement, UpdateStatement};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, Statement};
use servdesk_domain::numbering::Scheme;

use crate::db::placeholder;
use crate::entities::sequences;
use crate::error::StoreError;

/// The next value of sequence `name` in `period` (a year), starting at 1.
pub async fn next(conn: &impl ConnectionTrait, name: &str, period: i32) -> Result<i64, StoreError> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "UPDATE sequences SET last_value = last_value + 1 WHERE name = {} AND period = {} RETURNING last_value",
        placeholder(backend, 1),
        placeholder(backend, 2)
    );
    for _ in 0..2 {
        let stmt = Statement::from_sql_and_values(backend, &sql, [name.into(), period.into()]);
        if let Some(row) = conn.query_one_raw(stmt).await? {
            return Ok(row.try_get("", "last_value")?);
        }
        ensure(conn, name, period).await?;
    }
    Err(missing(name, period))
}

/// Whether `scheme` draws from a database sequence on this backend.
fn sequenced(backend: DbBackend, scheme: Scheme) -> bool {
    backend == DbBackend::Postgres && scheme == Scheme::Increasing
}

/// The next number of `name` in `period` under `scheme` (see the module's documentation).
pub async fn draw(conn: &impl ConnectionTrait, scheme: Scheme, name: &str, period: i32) -> Result<i64, StoreError> {
    let backend = conn.get_database_backend();
    if !sequenced(backend, scheme) {
        return next(conn, name, period).await;
    }
    let stmt = Statement::from_sql_and_values(backend, "SELECT servdesk_next_number($1, $2) AS last_value", [name.into(), period.into()]);
    let row = conn.query_one_raw(stmt).await?.ok_or_else(|| missing(name, period))?;
    Ok(row.try_get("", "last_value")?)
}

/// `draw` as a query answering `last_value`, for a caller that puts it in a larger statement.
/// Under the gapless scheme it answers no row while the period's counter row is missing
/// (`ensure` it and go again).
pub fn drawn(backend: DbBackend, scheme: Scheme, name: &str, period: i32) -> SubQueryStatement {
    if sequenced(backend, scheme) {
        let call = Expr::cust_with_values("servdesk_next_number($1, $2)", [sea_orm::Value::from(name), period.into()]);
        return Query::select().expr_as(call, Alias::new("last_value")).to_owned().into();
    }
    increment(name, period).into()
}

/// Brings the counters and the sequences of the same name and year level (PostgreSQL), so
/// that switching the scheme never issues a number twice: each takes the higher of the two.
/// Run at start, before the first request.
pub async fn level(conn: &impl ConnectionTrait) -> Result<(), StoreError> {
    if conn.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    let found = conn
        .query_all_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT relname::text AS relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind = 'S' AND n.nspname = current_schema() AND c.relname LIKE 'servdesk\\_number\\_%'",
        ))
        .await?;
    for row in found {
        let relname: String = row.try_get("", "relname")?;
        let Some((name, period)) = relname.strip_prefix("servdesk_number_").and_then(|rest| rest.rsplit_once('_')) else {
            continue;
        };
        let Ok(period) = period.parse::<i32>() else { continue };
        ensure(conn, name, period).await?;
        // The sequence's next value is last_value + 1 once called, last_value itself before.
        let issued = format!("(SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM \"{relname}\")");
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!("UPDATE sequences SET last_value = GREATEST(last_value, {issued}) WHERE name = $1 AND period = $2"),
            [name.into(), period.into()],
        ))
        .await?;
        conn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            format!(
                "SELECT setval('\"{relname}\"', GREATEST(s.last_value, 1), s.last_value > 0) FROM sequences s \
                 WHERE s.name = $1 AND s.period = $2 AND s.last_value > {issued}"
            ),
            [name.into(), period.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Takes `n` consecutive values of sequence `name` in `period` at once; answers the first.
pub async fn reserve(conn: &impl ConnectionTrait, name: &str, period: i32, n: i64) -> Result<i64, StoreError> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "UPDATE sequences SET last_value = last_value + {} WHERE name = {} AND period = {} RETURNING last_value",
        placeholder(backend, 1),
        placeholder(backend, 2),
        placeholder(backend, 3)
    );
    for _ in 0..2 {
        let stmt = Statement::from_sql_and_values(backend, &sql, [n.into(), name.into(), period.into()]);
        if let Some(row) = conn.query_one_raw(stmt).await? {
            let last: i64 = row.try_get("", "last_value")?;
            return Ok(last - n + 1);
        }
        ensure(conn, name, period).await?;
    }
    Err(missing(name, period))
}

/// Creates the period's counter row if it is not there (a concurrent creator's row does too).
pub async fn ensure(conn: &impl ConnectionTrait, name: &str, period: i32) -> Result<(), StoreError> {
    let row = sequences::ActiveModel { name: Set(name.to_owned()), period: Set(period), last_value: Set(0) };
    sequences::Entity::insert(row)
        .on_conflict(OnConflict::columns([sequences::Column::Name, sequences::Column::Period]).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

pub fn missing(name: &str, period: i32) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(format!("sequence {name}/{period} could not be created")))
}

/// The increment of `next` as a statement, for a caller that puts it in a larger one
/// (`RETURNING last_value`).
pub fn increment(name: &str, period: i32) -> UpdateStatement {
    Query::update()
        .table(sequences::Entity)
        .value(sequences::Column::LastValue, Expr::col(sequences::Column::LastValue).add(1))
        .and_where(Expr::col(sequences::Column::Name).eq(name))
        .and_where(Expr::col(sequences::Column::Period).eq(period))
        .returning_col(sequences::Column::LastValue)
        .to_owned()
}
