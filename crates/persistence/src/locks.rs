//! Named locks for the length of a transaction, on both databases: the row is created if
//! missing, then updated — PostgreSQL holds the row lock until the transaction ends, and
//! SQLite has a single writer anyway. Used where "check, then insert" must not race.

use sea_orm::{ConnectionTrait, Statement};

use crate::db::placeholder;
use crate::error::StoreError;

pub async fn hold(conn: &impl ConnectionTrait, name: &str) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    let p = placeholder(backend, 1);
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("INSERT INTO named_locks (name) VALUES ({p}) ON CONFLICT DO NOTHING"),
        [name.into()],
    ))
    .await?;
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("UPDATE named_locks SET name = name WHERE name = {p}"),
        [name.into()],
    ))
    .await?;
    Ok(())
}
