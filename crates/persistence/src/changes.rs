//! The change feed (written by the database's triggers; see the `changes` migration).
//! Read in (transaction id, sequence) order and, on PostgreSQL, only up to the oldest
//! transaction still running, so an entry committed late is still ahead of every cursor.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Alias, Cond, Expr, Order, Query};
use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult};
use uuid::Uuid;

use crate::error::StoreError;

/// One entry: what happened to which record.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct Change {
    pub txid: i64,
    pub seq: i64,
    /// `ticket`, `comment`, `call`, … (the trigger's name for the table).
    pub resource: String,
    pub resource_id: Uuid,
    /// `created`, `updated` or `deleted`.
    pub action: String,
    pub at: DateTime<Utc>,
}

/// Where a reader stands: after this entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub txid: i64,
    pub seq: i64,
}

fn col(name: &str) -> Expr {
    Expr::col((Alias::new("changes"), Alias::new(name)))
}

fn select() -> sea_orm::sea_query::SelectStatement {
    let mut q = Query::select();
    q.from(Alias::new("changes")).columns(["txid", "seq", "resource", "resource_id", "action", "at"].map(Alias::new));
    q
}

/// Only what nothing can join below any more (see the module).
fn settled(q: &mut sea_orm::sea_query::SelectStatement, backend: DbBackend) {
    if backend == DbBackend::Postgres {
        // Transactions older than every running one have all ended: nothing more can appear
        // below this line. What lies above waits for its writers.
        q.and_where(col("txid").lt(Expr::cust("txid_snapshot_xmin(txid_current_snapshot())")));
    }
}

/// The feed's current end: the last entry a reader may see now.
pub async fn end(conn: &impl ConnectionTrait) -> Result<Option<Position>, StoreError> {
    let mut q = select();
    q.order_by(Alias::new("txid"), Order::Desc).order_by(Alias::new("seq"), Order::Desc).limit(1);
    let backend = conn.get_database_backend();
    settled(&mut q, backend);
    Ok(Change::find_by_statement(backend.build(&q)).one(conn).await?.map(|c| Position { txid: c.txid, seq: c.seq }))
}

/// The entries after `after` (from the start without one), at most `limit`, of the given
/// resources (all without any).
pub async fn after(
    conn: &impl ConnectionTrait,
    after: Option<Position>,
    resources: &[String],
    limit: u64,
) -> Result<Vec<Change>, StoreError> {
    let mut q = select();
    q.order_by(Alias::new("txid"), Order::Asc).order_by(Alias::new("seq"), Order::Asc).limit(limit);
    if let Some(p) = after {
        q.cond_where(Cond::any().add(col("txid").gt(p.txid)).add(Cond::all().add(col("txid").eq(p.txid)).add(col("seq").gt(p.seq))));
    }
    if !resources.is_empty() {
        q.and_where(col("resource").is_in(resources.iter().cloned()));
    }
    let backend = conn.get_database_backend();
    settled(&mut q, backend);
    Ok(Change::find_by_statement(backend.build(&q)).all(conn).await?)
}

/// Forgets entries older than `before`; the count removed.
pub async fn purge(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut q = Query::delete();
    q.from_table(Alias::new("changes")).and_where(Expr::col(Alias::new("at")).lt(before));
    Ok(conn.execute(&q).await?.rows_affected())
}
