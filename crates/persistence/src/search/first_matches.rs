//! PostgreSQL: the first matches of a search in id order, read from the postings
//! (`ticket_terms`: one row per word of each document, keyed `(term, ticket_id)`).
//!
//! Testing documents one by one in id order costs ~0.3 µs a document, and the documents
//! between matches are most of them: 2,100 documents for a page of 51 when 2.4 % match, and a
//! second per search for a word only old tickets have, asked newest first. The postings
//! give each word's tickets in id order from the key alone, so a search reads the rarest
//! word's tickets (merged with the next rarest one's when that is about as rare: a merge
//! join of two index-only scans) and tests only those documents against the whole query,
//! which keeps the answer exact whatever the tokeniser made of each word; when those one or
//! two words are the whole query, the postings are the answer and no document is read.
//!
//! The rarest word's postings are read in chunks (the first 5,000, then four times more each
//! round) so that a merge never runs through one word's postings where the other has none:
//! the other word's scan starts at the chunk's first ticket and ends with the chunk. Each
//! statement is exact on its own and none has a plan that depends on the words, so all are
//! prepared once: the words go through sub-selects the planner cannot look into, or it would
//! plan every execution afresh for the words' own statistics.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};
use uuid::Uuid;

use super::{rarity, terms};
use crate::error::StoreError;

/// How many of the rarest word's postings a search reads first (each next chunk is four
/// times longer).
#[derive(Debug, Clone, Copy)]
pub struct Chunks {
    pub first: u64,
}

impl Chunks {
    /// 5,000 postings (~1.5 ms when a chunk is read whole).
    pub const MEASURED: Chunks = Chunks { first: 5_000 };
}

/// The next rarest word is merged when it is in at most this many times more documents than
/// the rarest; otherwise testing the rarest word's documents costs less than merging.
const MERGE_WITHIN: f32 = 4.0;

/// A lexeme longer than this is dropped by the tokeniser, so it cannot lead a search.
const LONGEST_LEXEME: usize = 2046;

/// A search by words alone: its query and the one or two words whose postings lead it.
pub struct Words {
    /// `to_tsquery('simple', …)` text: every term.
    query: String,
    leaders: Vec<String>,
    /// The leaders are every word of the query: their postings are the answer, unless a
    /// word is more than one lexeme to the tokeniser.
    covered: bool,
    descending: bool,
}

impl Words {
    /// The search for `q` in id order (down when `descending`), led by its rarest word and,
    /// when about as rare, the next one; `None` when `q` has no word that can lead.
    pub async fn plan(conn: &impl ConnectionTrait, q: &str, descending: bool) -> Result<Option<Words>, StoreError> {
        let terms = terms(q);
        let can_lead: Vec<String> = terms.iter().filter(|t| t.len() <= LONGEST_LEXEME).cloned().collect();
        if can_lead.is_empty() {
            return Ok(None);
        }
        let shares = rarity::shares(conn, &can_lead).await?;
        let mut by_rarity: Vec<(f32, &String)> = shares.into_iter().zip(&can_lead).collect();
        by_rarity.sort_by(|a, b| a.0.total_cmp(&b.0));
        let rarest = by_rarity[0].0;
        let leaders = by_rarity.iter().take(2).filter(|(share, _)| *share <= rarest * MERGE_WITHIN).map(|(_, t)| t.as_str());
        Ok(Some(Words::of_terms(&terms, descending, &leaders.collect::<Vec<_>>())))
    }

    /// The search for `q` led by `leaders` (one or two of its words; tests choose them).
    pub fn led_by(q: &str, descending: bool, leaders: &[&str]) -> Words {
        Words::of_terms(&terms(q), descending, leaders)
    }

    fn of_terms(terms: &[String], descending: bool, leaders: &[&str]) -> Words {
        Words {
            query: terms.join(" & "),
            leaders: leaders.iter().map(|t| t.to_string()).collect(),
            covered: terms.iter().all(|t| leaders.contains(&t.as_str())),
            descending,
        }
    }

    /// `tickets.id IN (the first `n` matches among the first chunk of postings after
    /// `after`)`: the page in the ticket list's own statement, one round trip, when the first
    /// chunk holds it, as it does for the words a desk searches most. When the page comes out
    /// short, the caller asks [`Words::first_matches`].
    pub fn in_first_chunk(&self, after: Option<Uuid>, n: u64) -> SimpleExpr {
        let (sql, values) = self.chunk_statement(after, Chunks::MEASURED.first, n);
        Expr::cust_with_values(format!("tickets.id IN ({sql})"), values)
    }

    /// The ids of the first `n` matching tickets after `after`.
    pub async fn first_matches(&self, conn: &impl ConnectionTrait, after: Option<Uuid>, n: u64) -> Result<Vec<Uuid>, StoreError> {
        self.first_matches_in(conn, after, n, Chunks::MEASURED).await
    }

    /// [`Words::first_matches`] with the given chunks (tests read a few postings at a time).
    pub async fn first_matches_in(
        &self,
        conn: &impl ConnectionTrait,
        after: Option<Uuid>,
        n: u64,
        chunks: Chunks,
    ) -> Result<Vec<Uuid>, StoreError> {
        let (mut found, mut from, mut chunk) = (Vec::new(), after, chunks.first.max(1));
        loop {
            let (sql, values) = self.chunk_statement(from, chunk, n - found.len() as u64);
            found.extend(ids(conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?)?);
            if found.len() as u64 >= n {
                return Ok(found);
            }
            // The chunk was read whole: its last posting is where the next one starts, and
            // when there is none the postings ended inside it and the answer is complete.
            let Some(end) = self.chunk_end(conn, from, chunk).await? else {
                return Ok(found);
            };
            (from, chunk) = (Some(end), chunk * 4);
        }
    }

    fn direction(&self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    /// `ticket_id` beyond `bound` in this search's order.
    fn beyond(&self, bound: &str) -> String {
        format!("ticket_id {} {bound}", if self.descending { "<" } else { ">" })
    }

    /// The matches among the next `chunk` postings of the leading word after `from`, at most
    /// `n`: those postings, merged with the second leader's from the chunk's first ticket on,
    /// each document then tested against the whole query.
    fn chunk_statement(&self, from: Option<Uuid>, chunk: u64, n: u64) -> (String, Vec<Value>) {
        let mut binds = Binds(vec![self.query.clone().into()]);
        let dir = self.direction();
        let first = self.postings(&mut binds, from, 0, chunk);
        let candidates = match self.leaders.get(1) {
            None => first,
            Some(second) => {
                let start = self.postings(&mut binds, from, 0, 1);
                let not_before = if self.descending { "<=" } else { ">=" };
                format!(
                    "SELECT p.ticket_id FROM ({first}) p JOIN ticket_terms r ON r.term = {} AND r.ticket_id = p.ticket_id \
                     AND r.ticket_id {not_before} ({start}) ORDER BY p.ticket_id {dir} OFFSET 0",
                    binds.lexeme(second.clone())
                )
            }
        };
        // The candidates stay a subquery of their own (LIMIT, OFFSET 0), read in order and
        // each tested by a sub-select until the page is full: as a join, a plan made for the
        // chunk's size hashed every document that has the words instead (25 ms for "fax").
        let mut test = "(SELECT s.ts FROM ticket_search s WHERE s.ticket_id = c.ticket_id) @@ (SELECT to_tsquery('simple', $1))".to_owned();
        if self.covered {
            // When the leaders are all the words and each is one lexeme, a candidate is a
            // match: the one-off check (an InitPlan) answers and the OR never reads a
            // document — half the statement for a search of one or two words. A word the
            // tokeniser splits ("x½y" is 'x' <-> 'y') keeps the test.
            let single = self.leaders.iter().map(|l| format!("numnode(to_tsquery('simple', {})) = 1", binds.bind(l.clone().into())));
            test = format!("(SELECT {}) OR {test}", single.collect::<Vec<_>>().join(" AND "));
        }
        let sql = format!("SELECT c.ticket_id FROM ({candidates}) c WHERE {test} ORDER BY c.ticket_id {dir} LIMIT {n}");
        (sql, binds.0)
    }

    /// The `chunk`-th posting of the leading word after `from`.
    async fn chunk_end(&self, conn: &impl ConnectionTrait, from: Option<Uuid>, chunk: u64) -> Result<Option<Uuid>, StoreError> {
        let mut binds = Binds(Vec::new());
        let sql = self.postings(&mut binds, from, chunk - 1, 1);
        Ok(ids(conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, binds.0)).await?)?.pop())
    }

    /// The leading word's postings after `from` in this search's order, `skip`ped, `limit`ed
    /// (read from the key alone).
    fn postings(&self, binds: &mut Binds, from: Option<Uuid>, skip: u64, limit: u64) -> String {
        let word = binds.lexeme(self.leaders[0].clone());
        // The cursor in a sub-select too: the planner's estimates, and so the plan, are then
        // the same wherever the page starts.
        let after = from.map(|f| format!(" AND {}", self.beyond(&format!("(SELECT {}::uuid)", binds.bind(f.into()))))).unwrap_or_default();
        format!(
            "SELECT ticket_id FROM ticket_terms WHERE term = {word}{after} ORDER BY ticket_id {} OFFSET {skip} LIMIT {limit}",
            self.direction()
        )
    }
}

/// A statement's values, each bound where it is used.
struct Binds(Vec<Value>);

impl Binds {
    fn bind(&mut self, value: Value) -> String {
        self.0.push(value);
        format!("${}", self.0.len())
    }

    /// The word as the tokeniser makes it a lexeme (the first one, should it make several:
    /// every document with the word has them all).
    fn lexeme(&mut self, word: String) -> String {
        format!("(SELECT (tsvector_to_array(to_tsvector('simple', {})))[1])", self.bind(word.into()))
    }
}

fn ids(rows: Vec<QueryResult>) -> Result<Vec<Uuid>, StoreError> {
    Ok(rows.iter().map(|r| r.try_get_by_index::<Uuid>(0)).collect::<Result<Vec<_>, _>>()?)
}
