//! Full-text search over tickets, the same on both databases: one document per ticket,
//! rebuilt in the transaction that changes what it contains, tokenised into lower-case runs
//! of letters and digits (PostgreSQL's `simple` configuration, SQLite's `unicode61`), and
//! queried as "all these terms".

use sea_orm::sea_query::{Alias, Expr, InsertStatement, SelectStatement, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use servdesk_domain::tickets::Ticket;
use uuid::Uuid;

use crate::comments;
use crate::db::placeholder;
use crate::error::StoreError;
use crate::tickets;

mod first_matches;
mod rarity;
pub use first_matches::{Chunks, Words};

/// Query terms: lower-cased runs of letters and digits (what both tokenisers index).
pub fn terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).take(16).collect()
}

/// Rebuilds the ticket's search document.
pub async fn refresh(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<(), StoreError> {
    let ticket = tickets::get(conn, ticket_id).await?;
    let (comments, _) = comments::list(conn, ticket_id, None, 10_000).await?;
    store(conn, ticket_id, document(&ticket, comments.iter().map(|c| c.body.as_str()))).await
}

/// What is searched: number, title, description, details, serial and every comment.
pub fn document<'a>(ticket: &'a Ticket, comments: impl Iterator<Item = &'a str>) -> String {
    let mut parts = vec![ticket.number.as_str(), ticket.title.as_str()];
    parts.extend(ticket.description.as_deref());
    parts.extend(ticket.details.as_deref());
    parts.extend(ticket.serial_number.as_deref());
    parts.extend(comments);
    parts.join("\n")
}

/// The insert of a new ticket's document from `select` (ticket id, document): PostgreSQL
/// makes it part of the ticket's creating statement.
pub fn insert_from(select: SelectStatement) -> Result<InsertStatement, StoreError> {
    crate::insert_select::insert(Alias::new("ticket_search"), [Alias::new("ticket_id"), Alias::new("document")], select)
}

/// Writes the ticket's search document (a new ticket's needs no re-reading: it has no comments).
pub async fn store(conn: &impl ConnectionTrait, ticket_id: Uuid, document: String) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    let (p1, p2) = (placeholder(backend, 1), placeholder(backend, 2));
    let statements = match backend {
        DbBackend::Postgres => vec![format!(
            "INSERT INTO ticket_search (ticket_id, document) VALUES ({p1}, {p2}) ON CONFLICT (ticket_id) DO UPDATE SET document = EXCLUDED.document"
        )],
        _ => vec![
            format!("DELETE FROM ticket_search WHERE ticket_id = {p1}"),
            format!("INSERT INTO ticket_search (ticket_id, document) VALUES ({p1}, {p2})"),
        ],
    };
    for sql in statements {
        let values: Vec<sea_orm::Value> =
            if sql.contains(&p2) { vec![ticket_id.into(), document.clone().into()] } else { vec![ticket_id.into()] };
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    }
    Ok(())
}

/// `tickets.id IN (tickets matching every term)`; `None` when `q` has no terms.
pub fn matching(backend: DbBackend, q: &str) -> Option<SimpleExpr> {
    matching_terms(backend, &terms(q), Join::All)
}

/// `tickets.id IN (tickets matching any term)`: candidates for "similar".
pub fn matching_any(backend: DbBackend, terms: &[String]) -> Option<SimpleExpr> {
    matching_terms(backend, terms, Join::Any)
}

enum Join {
    All,
    Any,
}

fn matching_terms(backend: DbBackend, terms: &[String], join: Join) -> Option<SimpleExpr> {
    if terms.is_empty() {
        return None;
    }
    Some(match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "tickets.id IN (SELECT ticket_id FROM ticket_search WHERE ts @@ to_tsquery('simple', $1))",
            [terms.join(match join {
                Join::All => " & ",
                Join::Any => " | ",
            })],
        ),
        _ => {
            let quoted = terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>();
            let query = quoted.join(match join {
                Join::All => " ",
                Join::Any => " OR ",
            });
            Expr::cust_with_values("tickets.id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH ?)", [query])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_lower_case_runs_of_letters_and_digits() {
        assert_eq!(terms("Pump P-7: pressure LOW!"), ["pump", "p", "7", "pressure", "low"]);
        assert_eq!(terms("Črpalka šumi"), ["črpalka", "šumi"]);
        assert!(terms(" -- ").is_empty());
    }
}
