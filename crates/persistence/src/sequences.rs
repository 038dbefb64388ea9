//! Gapless yearly sequences behind human-readable numbers (`T-2026-000123`).
//!
//! `next` increments a counter row inside the caller's transaction: PostgreSQL's row lock
//! makes concurrent transactions take turns, SQLite has one writer at a time, and a rolled
//! back transaction takes its increment with it — so numbers neither repeat nor skip.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, UpdateStatement};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, Statement};

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
