//! External references (the ERP's ids): which record of a kind carries one.

use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{ConnectionTrait, ExprTrait};
use uuid::Uuid;

use crate::error::StoreError;

/// The kinds of record that carry an external reference, by table.
pub const TABLES: [&str; 8] = ["customers", "contacts", "locations", "products", "equipment", "tickets", "tasks", "documents"];

/// The id of the `table` record with `external_ref`, if one has it.
pub async fn find(conn: &impl ConnectionTrait, table: &'static str, external_ref: &str) -> Result<Option<Uuid>, StoreError> {
    if !TABLES.contains(&table) {
        return Err(StoreError::corrupt(table, "not a table with external references"));
    }
    let mut q = Query::select();
    q.column(Alias::new("id")).from(Alias::new(table)).and_where(Expr::col(Alias::new("external_ref")).eq(external_ref)).limit(1);
    match conn.query_one(&q).await? {
        Some(row) => Ok(Some(row.try_get::<Uuid>("", "id")?)),
        None => Ok(None),
    }
}
