//! Tickets in and out: opened, closed, cancelled and reopened in each bucket, and the backlog
//! at each bucket's end — counted the way the ticket list filters (`created_at`, `closed_at`
//! as the tickets keep them), so the report and the list agree.

use sea_orm::ConnectionTrait;
use servdesk_domain::reports::Bucket;

use super::{Filter, Sql, bucket_of, count_at};
use crate::error::StoreError;

/// One bucket's flow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flow {
    pub opened: i64,
    pub closed: i64,
    pub cancelled: i64,
    pub reopened: i64,
    /// Open (not closed nor cancelled) at the bucket's end.
    pub backlog: i64,
}

/// The flow of each of `buckets` (in order and back to back), and of the period they make up.
pub async fn flow(conn: &impl ConnectionTrait, buckets: &[Bucket], filter: &Filter) -> Result<(Vec<Flow>, Flow), StoreError> {
    let mut sql = Sql::new(conn.get_database_backend());
    let with = sql.buckets(buckets);
    let f = sql.tickets(filter);
    let text = format!(
        "{with} \
         SELECT b.i, 'opened', CAST(COUNT(*) AS BIGINT) FROM b JOIN tickets t ON t.created_at >= b.lo AND t.created_at < b.hi \
          WHERE 1 = 1{f} GROUP BY b.i \
         UNION ALL \
         SELECT b.i, d.class, CAST(COUNT(*) AS BIGINT) FROM b JOIN tickets t ON t.closed_at >= b.lo AND t.closed_at < b.hi \
                JOIN dictionary_entries d ON d.id = t.status_id WHERE 1 = 1{f} GROUP BY b.i, d.class \
         UNION ALL \
         SELECT b.i, 'reopened', CAST(COUNT(*) AS BIGINT) FROM b JOIN ticket_events e ON e.kind = 'reopened' AND e.at >= b.lo AND e.at < b.hi \
                JOIN tickets t ON t.id = e.ticket_id WHERE 1 = 1{f} GROUP BY b.i"
    );
    let mut flows = vec![Flow::default(); buckets.len()];
    for row in conn.query_all_raw(sql.statement(text)).await? {
        let Some(flow) = flows.get_mut(bucket_of(&row)?) else { continue };
        let what: Option<String> = row.try_get_by_index(1)?;
        let n = count_at(&row, 2)?;
        match what.as_deref() {
            Some("opened") => flow.opened += n,
            Some("reopened") => flow.reopened += n,
            Some("cancelled") => flow.cancelled += n,
            // Closed, or a closing stamp on a status of another class: counted as closed.
            _ => flow.closed += n,
        }
    }
    // The backlog at an instant: opened before it less closed before it (a ticket is closed
    // after it is opened). From the count at the period's start, each bucket adds its own.
    let Some(start) = buckets.first().map(|b| b.from) else { return Ok((flows, Flow::default())) };
    let mut sql = Sql::new(conn.get_database_backend());
    let (before, f1) = (sql.bind(start), sql.tickets(filter));
    let (before_again, f2) = (sql.bind(start), sql.tickets(filter));
    let text = format!(
        "SELECT CAST(COUNT(*) AS BIGINT), 0 FROM tickets t WHERE t.created_at < {before}{f1} \
         UNION ALL SELECT CAST(COUNT(*) AS BIGINT), 1 FROM tickets t WHERE t.closed_at < {before_again}{f2}"
    );
    let mut backlog = 0;
    for row in conn.query_all_raw(sql.statement(text)).await? {
        let n = count_at(&row, 0)?;
        let closing: i32 = row.try_get_by_index(1)?;
        backlog += if closing == 1 { -n } else { n };
    }
    let mut total = Flow::default();
    for flow in &mut flows {
        backlog += flow.opened - flow.closed - flow.cancelled;
        flow.backlog = backlog;
        total.opened += flow.opened;
        total.closed += flow.closed;
        total.cancelled += flow.cancelled;
        total.reopened += flow.reopened;
    }
    total.backlog = backlog;
    Ok((flows, total))
}
