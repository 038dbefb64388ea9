//! Full-text search over tickets, the same on both databases: one document per ticket,
//! rebuilt in the transaction that changes what it contains, tokenised into lower-case runs
//! of letters and digits (PostgreSQL's `simple` configuration, SQLite's `unicode61`), and
//! queried as "all these terms".

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::comments;
use crate::db::placeholder;
use crate::error::StoreError;
use crate::tickets;

/// Query terms: lower-cased runs of letters and digits (what both tokenisers index).
pub fn terms(q: &str) -> Vec<String> {
    q.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).take(16).collect()
}

/// Rebuilds the ticket's search document.
pub async fn refresh(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<(), StoreError> {
    let ticket = tickets::get(conn, ticket_id).await?;
    let (comments, _) = comments::list(conn, ticket_id, None, 10_000).await?;
    let mut document = vec![ticket.number, ticket.title];
    document.extend(ticket.description);
    document.extend(ticket.details);
    document.extend(ticket.serial_number);
    document.extend(comments.into_iter().map(|c| c.body));
    let document = document.join("\n");
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
    let terms = terms(q);
    if terms.is_empty() {
        return None;
    }
    Some(match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "tickets.id IN (SELECT ticket_id FROM ticket_search WHERE ts @@ to_tsquery('simple', $1))",
            [terms.join(" & ")],
        ),
        _ => {
            let query = terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" ");
            Expr::cust_with_values("tickets.id IN (SELECT ticket_id FROM ticket_search WHERE ticket_search MATCH ?)", [query])
        }
    })
}

/// `tickets.id IN (tickets matching any term)`: candidates for "similar".
pub fn matching_any(backend: DbBackend, terms: &[String]) -> Option<SimpleExpr> {
    if terms.is_empty() {
        return None;
    }
    Some(match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "tickets.id IN (SELECT ticket_id FROM ticket_search WHERE ts @@ to_tsquery('simple', $1))",
            [terms.join(" | ")],
        ),
        _ => {
            let query = terms.iter().map(|t| format!("\"{t}\"")).collect::<Vec<_>>().join(" OR ");
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
