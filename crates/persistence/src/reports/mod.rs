//! The figures of the reports a service manager runs the desk by, each worked out by the
//! database over a report's buckets.
//!
//! The buckets go into the statement as a table, `b (i, lo, hi, d0, d1)`: the bucket's index,
//! the instants it runs between and its first and last local day. A report joins its rows to
//! `b` by the instant (or the day) each is counted at, so every bucket is one index range and
//! the buckets may overlap (the whole period is one more bucket, for the totals). Medians and
//! 90th percentiles are PostgreSQL's `percentile_cont`; on SQLite the values are read and the
//! domain computes the same figure.

pub mod agents;
pub mod calls;
pub mod flow;
pub mod sla;
pub mod times;

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, QueryResult, Statement, TransactionTrait, Value};
use servdesk_domain::reports::{Bucket, Spread};
use servdesk_domain::tickets::Channel;
use uuid::Uuid;

use crate::db::placeholder;
use crate::error::StoreError;

/// A read-only transaction for a report's statements: one snapshot, so its figures agree with
/// one another, and on PostgreSQL the memory to sort and hash a year of rows (`work_mem`)
/// rather than spilling them to disk, and no JIT compilation (a report's statement is
/// planned afresh each time, and compiling it took seconds of the year-long agents report).
pub async fn snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, StoreError> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET TRANSACTION READ ONLY").await?;
        txn.execute_unprepared("SET LOCAL work_mem = '64MB'").await?;
        txn.execute_unprepared("SET LOCAL jit = off").await?;
    }
    Ok(txn)
}

/// What a report counts: the tickets of a team, on an agent's desk, of a customer, that came
/// by a channel or are of a category (all of those given).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub team_id: Option<Uuid>,
    pub agent_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub channel: Option<Channel>,
    pub category_id: Option<Uuid>,
}

impl Filter {
    /// Whether it narrows the tickets (else a report need not look at them).
    pub fn narrows_tickets(&self) -> bool {
        self.team_id.is_some()
            || self.agent_id.is_some()
            || self.customer_id.is_some()
            || self.channel.is_some()
            || self.category_id.is_some()
    }
}

/// A statement being written: its text's parameters numbered as they are bound.
struct Sql {
    backend: DbBackend,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Self { backend, values: Vec::new() }
    }

    /// Binds `value`; answers its placeholder.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        placeholder(self.backend, self.values.len())
    }

    /// `WITH b (i, lo, hi, d0, d1) AS (VALUES …)`: the buckets as a table.
    fn buckets(&mut self, buckets: &[Bucket]) -> String {
        let rows: Vec<String> = buckets
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let (lo, hi, d0, d1) = (self.bind(b.from), self.bind(b.until), self.bind(b.first_day), self.bind(b.last_day));
                format!("(CAST({i} AS BIGINT), {lo}, {hi}, {d0}, {d1})")
            })
            .collect();
        format!("WITH b (i, lo, hi, d0, d1) AS (VALUES {})", rows.join(", "))
    }

    /// `AND …` narrowing the tickets aliased `t` to `filter`.
    fn tickets(&mut self, filter: &Filter) -> String {
        let mut out = String::new();
        for (column, value) in [
            ("team_id", filter.team_id),
            ("assignee_id", filter.agent_id),
            ("customer_id", filter.customer_id),
            ("category_id", filter.category_id),
        ] {
            if let Some(v) = value {
                out.push_str(&format!(" AND t.{column} = {}", self.bind(v)));
            }
        }
        if let Some(channel) = filter.channel {
            out.push_str(&format!(" AND t.channel = {}", self.bind(channel.as_str())));
        }
        out
    }

    fn statement(self, sql: String) -> Statement {
        Statement::from_sql_and_values(self.backend, sql, self.values)
    }
}

/// The bucket index of a row (column 0).
fn bucket_of(row: &QueryResult) -> Result<usize, StoreError> {
    let i: i64 = row.try_get_by_index(0)?;
    usize::try_from(i).map_err(|_| StoreError::corrupt("report", format!("bucket {i}")))
}

/// A count column as a number (SQLite answers sums as integers, PostgreSQL as numerics cast).
fn count_at(row: &QueryResult, i: usize) -> Result<i64, StoreError> {
    Ok(row.try_get_by_index::<Option<i64>>(i)?.unwrap_or(0))
}

/// The spreads of `columns` per bucket over the rows `from` selects (`from` starts with
/// `FROM` and joins `b`; the first statement part, `with`, is the buckets table).
async fn spreads(
    conn: &impl ConnectionTrait,
    sql: Sql,
    with: &str,
    from: &str,
    columns: &[&str],
) -> Result<HashMap<usize, Vec<Spread>>, StoreError> {
    let mut out: HashMap<usize, Vec<Spread>> = HashMap::new();
    if sql.backend == DbBackend::Postgres {
        let figures: Vec<String> = columns
            .iter()
            .map(|c| {
                format!(
                    "CAST(COUNT({c}) AS BIGINT), percentile_cont(0.5) WITHIN GROUP (ORDER BY {c}), \
                     percentile_cont(0.9) WITHIN GROUP (ORDER BY {c})"
                )
            })
            .collect();
        let text = format!("{with} SELECT b.i, {} {from} GROUP BY b.i", figures.join(", "));
        for row in conn.query_all_raw(sql.statement(text)).await? {
            let mut per_column = Vec::with_capacity(columns.len());
            for k in 0..columns.len() {
                let count: i64 = row.try_get_by_index(1 + 3 * k)?;
                let median: Option<f64> = row.try_get_by_index(2 + 3 * k)?;
                let p90: Option<f64> = row.try_get_by_index(3 + 3 * k)?;
                per_column.push(Spread::of_sorted(u64::try_from(count).unwrap_or(0), median, p90));
            }
            out.insert(bucket_of(&row)?, per_column);
        }
        return Ok(out);
    }
    let text = format!("{with} SELECT b.i, {} {from}", columns.join(", "));
    let mut values: HashMap<usize, Vec<Vec<f64>>> = HashMap::new();
    for row in conn.query_all_raw(sql.statement(text)).await? {
        let lists = values.entry(bucket_of(&row)?).or_insert_with(|| vec![Vec::new(); columns.len()]);
        for (k, list) in lists.iter_mut().enumerate() {
            if let Some(v) = row.try_get_by_index::<Option<i64>>(1 + k)? {
                list.push(v as f64);
            }
        }
    }
    for (bucket, lists) in values {
        out.insert(bucket, lists.into_iter().map(Spread::of).collect());
    }
    Ok(out)
}
