//! PostgreSQL: how common each word is, to choose which words' postings a search reads.
//!
//! `ANALYZE` keeps, for the search documents' tsvectors, the most common words (up to ten
//! times the statistics target) and the share of documents that have each; a word not among
//! them is rarer than all of them. The list is read at most every ten minutes per process.
//! It only orders the work: a stale or missing list costs time, never a wrong answer.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Statement};

use crate::error::StoreError;

const REREAD_AFTER: Duration = Duration::from_secs(600);

/// The share of documents having each common word, as of `read_at`.
struct Shares {
    read_at: Instant,
    of: Arc<HashMap<String, f32>>,
}

static SHARES: RwLock<Option<Shares>> = RwLock::new(None);

/// The share of documents that have each of `terms` (0 for a word rarer than the common ones).
pub async fn shares(conn: &impl ConnectionTrait, terms: &[String]) -> Result<Vec<f32>, StoreError> {
    let of = current(conn).await?;
    Ok(terms.iter().map(|t| of.get(t).copied().unwrap_or(0.0)).collect())
}

async fn current(conn: &impl ConnectionTrait) -> Result<Arc<HashMap<String, f32>>, StoreError> {
    let fresh_enough = |s: &Shares| s.read_at.elapsed() < REREAD_AFTER;
    if let Some(s) = SHARES.read().unwrap_or_else(|e| e.into_inner()).as_ref().filter(|s| fresh_enough(s)) {
        return Ok(s.of.clone());
    }
    if let Some(s) = SHARES.write().unwrap_or_else(|e| e.into_inner()).as_mut() {
        if fresh_enough(s) {
            return Ok(s.of.clone());
        }
        // This request re-reads; the others go on with the old list meanwhile.
        s.read_at = Instant::now();
    }
    let fresh = read(conn).await?;
    SHARES.write().unwrap_or_else(|e| e.into_inner()).replace(Shares { read_at: Instant::now(), of: fresh.clone() });
    Ok(fresh)
}

async fn read(conn: &impl ConnectionTrait) -> Result<Arc<HashMap<String, f32>>, StoreError> {
    // The frequency array has three more entries than the words (minimum, maximum and the
    // share of empty documents): unnest pairs them with no word, and they are left out.
    let sql = "SELECT w, f FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS x(w, f) \
               WHERE schemaname = current_schema() AND tablename = 'ticket_search' AND attname = 'ts' AND w IS NOT NULL";
    let rows = conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql)).await?;
    let mut of = HashMap::with_capacity(rows.len());
    for row in rows {
        of.insert(row.try_get_by_index::<String>(0)?, row.try_get_by_index::<f32>(1)?);
    }
    Ok(Arc::new(of))
}
