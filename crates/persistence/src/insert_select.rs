//! Rows written by `INSERT … SELECT`: the way one statement writes a row beside the rows it
//! depends on (see `tickets::numbered_insert`), taking its values from the same ActiveModel
//! the separate insert would write.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, EntityTrait, Value};

/// What `model` holds for `column`, as an expression to select. A column left unset is
/// written as NULL, not as its default (a plain insert would leave it out): set every column
/// that has a default.
pub(crate) fn value<A: ActiveModelTrait>(model: &A, column: <A::Entity as EntityTrait>::Column) -> Expr {
    Expr::val(model.get(column).into_value().unwrap_or(Value::String(None)))
}
