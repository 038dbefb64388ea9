//! Rows written by `INSERT … SELECT`: the way one statement writes a row beside the rows it
//! depends on (see `tickets::numbered_insert`), taking its values from the same ActiveModel
//! the separate insert would write.

use sea_orm::sea_query::{Expr, InsertStatement, IntoIden, IntoTableRef, Query, SelectStatement};
use sea_orm::{ActiveModelTrait, DbErr, EntityTrait, Value};

use crate::error::StoreError;

/// `INSERT INTO table (columns) select`. The select yields the columns' values in that order
/// (a count that differs is a mistake in our code, reported as a database error).
pub(crate) fn insert<C: IntoIden>(
    table: impl IntoTableRef,
    columns: impl IntoIterator<Item = C>,
    select: SelectStatement,
) -> Result<InsertStatement, StoreError> {
    let mut insert = Query::insert();
    insert
        .into_table(table)
        .columns(columns)
        .select_from(select)
        .map_err(|e| StoreError::Db(DbErr::Custom(format!("INSERT … SELECT: {e}"))))?;
    Ok(insert)
}

/// What `model` holds for `column`, as an expression to select. A column left unset is
/// written as NULL, not as its default (a plain insert would leave it out): set every column
/// that has a default.
pub(crate) fn value<A: ActiveModelTrait>(model: &A, column: <A::Entity as EntityTrait>::Column) -> Expr {
    Expr::val(model.get(column).into_value().unwrap_or(Value::String(None)))
}
