//! PostgreSQL: the first matches of a search in id order, found at a cost that follows how
//! common the words are where the page is, not the planner's guess.
//!
//! The planner, left to itself, reads tickets in id order and tests each document while it
//! estimates matches are spread evenly (cheap for common words), and otherwise collects every
//! match from the GIN index, fetching each document to read its ticket id (~8 µs a match:
//! 0.2 s for a word in 24,000 tickets), and sorts them. Words are not spread evenly over time
//! (a model, a site, a customer's name come and go): a word only old tickets had, asked newest
//! first, made it test every document — a second per search on a million tickets.
//!
//! So the walk goes in chunks (5,000 documents, then four times more each round, ~0.45 µs a
//! document). A chunk that yields the page ends the search; one where the words are rarer
//! than one document in a thousand hands the rest to the index (`MATERIALIZED` keeps the
//! planner from turning that back into an unbounded walk): past that density, fetching each
//! match costs less than reading the documents between them. Each statement is exact on its
//! own and none has a plan that depends on the words, so all are prepared once: the query is
//! computed in a sub-select the planner cannot look into, or it would plan every execution
//! afresh for the words' own statistics (a seventh of the walk's time) to the same plan.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use uuid::Uuid;

use super::terms;
use crate::error::StoreError;

/// How a search walks: the first chunk of documents, each next one four times longer, and
/// the density below which the index collects the rest.
#[derive(Debug, Clone, Copy)]
pub struct Chunks {
    pub first: u64,
    /// Below one match in this many documents of a chunk, the index collects the rest.
    pub sparse: u64,
}

impl Chunks {
    /// 5,000 documents (~2 ms); one match in a thousand.
    pub const MEASURED: Chunks = Chunks { first: 5_000, sparse: 1_000 };
}

/// The ids of the first `n` tickets in id order (down when `descending`, after `after`) whose
/// document has every term of `q`; `None` when `q` has no terms.
pub async fn first_matches(
    conn: &impl ConnectionTrait,
    q: &str,
    descending: bool,
    after: Option<Uuid>,
    n: u64,
) -> Result<Option<Vec<Uuid>>, StoreError> {
    first_matches_in(conn, q, descending, after, n, Chunks::MEASURED).await
}

/// [`first_matches`] with the given chunks (tests walk a small table in small ones).
pub async fn first_matches_in(
    conn: &impl ConnectionTrait,
    q: &str,
    descending: bool,
    after: Option<Uuid>,
    n: u64,
    chunks: Chunks,
) -> Result<Option<Vec<Uuid>>, StoreError> {
    let terms = terms(q);
    if terms.is_empty() {
        return Ok(None);
    }
    let search = Search { query: terms.join(" & "), descending };
    let (mut found, mut from, mut chunk) = (Vec::new(), after, chunks.first.max(1));
    loop {
        let hits = search.walk(conn, from, chunk, n - found.len() as u64).await?;
        let in_chunk = hits.len() as u64;
        found.extend(hits);
        if found.len() as u64 >= n {
            return Ok(Some(found));
        }
        // The walk read the whole chunk: its last document is where the next one starts,
        // and when there is none the table ended inside it and the answer is complete.
        let Some(end) = search.chunk_end(conn, from, chunk).await? else {
            return Ok(Some(found));
        };
        if in_chunk * chunks.sparse < chunk {
            found.extend(search.collect(conn, end, n - found.len() as u64).await?);
            return Ok(Some(found));
        }
        (from, chunk) = (Some(end), chunk * 4);
    }
}

/// `tickets.id IN (the first `n` matches among the first chunk of documents after `after`)`:
/// the page in the ticket list's own statement, one round trip, when the first chunk holds
/// it, as it does for the words a desk searches most. When the page comes out short, the
/// caller asks [`first_matches`]. `None` when `q` has no terms.
pub fn in_first_chunk(q: &str, descending: bool, after: Option<Uuid>, n: u64) -> Option<SimpleExpr> {
    let terms = terms(q);
    if terms.is_empty() {
        return None;
    }
    let (sql, values) = Search { query: terms.join(" & "), descending }.walk_statement(after, Chunks::MEASURED.first, n);
    Some(Expr::cust_with_values(format!("tickets.id IN ({sql})"), values))
}

struct Search {
    /// `to_tsquery('simple', …)` text: every term.
    query: String,
    descending: bool,
}

impl Search {
    fn direction(&self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    /// `ticket_id` beyond `$n` in this search's order.
    fn beyond(&self, n: usize) -> String {
        format!("ticket_id {} ${n}", if self.descending { "<" } else { ">" })
    }

    /// The matches among the next `chunk` documents after `from`, at most `n`.
    async fn walk(&self, conn: &impl ConnectionTrait, from: Option<Uuid>, chunk: u64, n: u64) -> Result<Vec<Uuid>, StoreError> {
        let (sql, values) = self.walk_statement(from, chunk, n);
        ids(conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?)
    }

    fn walk_statement(&self, from: Option<Uuid>, chunk: u64, n: u64) -> (String, Vec<Value>) {
        let direction = self.direction();
        let after = from.map(|_| format!("WHERE {}", self.beyond(2))).unwrap_or_default();
        let sql = format!(
            "SELECT ticket_id FROM (SELECT ticket_id, ts FROM ticket_search {after} ORDER BY ticket_id {direction} LIMIT {chunk}) chunk \
             WHERE ts @@ (SELECT to_tsquery('simple', $1)) ORDER BY ticket_id {direction} LIMIT {n}"
        );
        let mut values: Vec<Value> = vec![self.query.clone().into()];
        values.extend(from.map(Value::from));
        (sql, values)
    }

    /// The `chunk`-th document after `from` (read from the primary key alone).
    async fn chunk_end(&self, conn: &impl ConnectionTrait, from: Option<Uuid>, chunk: u64) -> Result<Option<Uuid>, StoreError> {
        let after = from.map(|_| format!("WHERE {}", self.beyond(1))).unwrap_or_default();
        let sql =
            format!("SELECT ticket_id FROM ticket_search {after} ORDER BY ticket_id {} OFFSET {} LIMIT 1", self.direction(), chunk - 1);
        let values: Vec<Value> = from.map(Value::from).into_iter().collect();
        Ok(ids(conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?)?.pop())
    }

    /// The first `n` matches after `from`, from the index. The bound on `from` stays outside
    /// the collected set: inside, a prepared plan intersected the matches with the primary
    /// key's range (the whole table's ids, 80 ms) instead of filtering a few thousand rows.
    async fn collect(&self, conn: &impl ConnectionTrait, from: Uuid, n: u64) -> Result<Vec<Uuid>, StoreError> {
        let sql = format!(
            "WITH matches AS MATERIALIZED (SELECT ticket_id FROM ticket_search WHERE ts @@ (SELECT to_tsquery('simple', $1))) \
             SELECT ticket_id FROM matches WHERE {} ORDER BY ticket_id {} LIMIT {n}",
            self.beyond(2),
            self.direction()
        );
        let values: Vec<Value> = vec![self.query.clone().into(), from.into()];
        ids(conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?)
    }
}

fn ids(rows: Vec<QueryResult>) -> Result<Vec<Uuid>, StoreError> {
    Ok(rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect::<Result<Vec<_>, _>>()?)
}
