//! What each staff member did in each bucket: public replies written, first responses given,
//! tickets closed, time logged, and the tickets handled — those they did any of it on.

use sea_orm::ConnectionTrait;
use servdesk_domain::reports::Bucket;
use uuid::Uuid;

use super::{Filter, Sql, bucket_of, count_at};
use crate::error::StoreError;

/// One staff member's work in one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentWork {
    pub bucket: usize,
    pub user_id: Uuid,
    pub name: String,
    pub handled: i64,
    pub replies: i64,
    pub first_responses: i64,
    pub closed: i64,
    pub minutes: i64,
}

/// The work of each staff member with any, per bucket, by bucket and name.
pub async fn work(conn: &impl ConnectionTrait, buckets: &[Bucket], filter: &Filter) -> Result<Vec<AgentWork>, StoreError> {
    let mut sql = Sql::new(conn.get_database_backend());
    let with = sql.buckets(buckets);
    // Each part: (bucket, who, ticket, what, minutes), the ticket narrowed by the filter.
    let narrowed = |sql: &mut Sql, ticket: &str| -> String {
        let ticket_filter = Filter { agent_id: None, ..*filter };
        if ticket_filter.narrows_tickets() {
            format!(" JOIN tickets t ON t.id = {ticket} WHERE 1 = 1{}", sql.tickets(&ticket_filter))
        } else {
            " WHERE 1 = 1".to_owned()
        }
    };
    let replies = narrowed(&mut sql, "c.ticket_id");
    let first = narrowed(&mut sql, "m.ticket_id");
    let closes = narrowed(&mut sql, "m.ticket_id");
    let time = narrowed(&mut sql, "e.ticket_id");
    let who = match filter.agent_id {
        Some(agent) => format!(" AND y.who = {}", sql.bind(agent)),
        None => String::new(),
    };
    // Per person and ticket first (a hash of a few rows each), then per person: the tickets
    // handled are the rows of the first, with no distinct count to sort for.
    let text = format!(
        "{with} SELECT y.i, y.who, u.name, CAST(COUNT(*) AS BIGINT), CAST(SUM(y.r) AS BIGINT), CAST(SUM(y.f) AS BIGINT), \
                CAST(SUM(y.c) AS BIGINT), CAST(SUM(y.minutes) AS BIGINT) \
           FROM ( \
             SELECT x.i AS i, x.who AS who, x.ticket AS ticket, \
                    SUM(CASE WHEN x.what = 'r' THEN 1 ELSE 0 END) AS r, SUM(CASE WHEN x.what = 'f' THEN 1 ELSE 0 END) AS f, \
                    SUM(CASE WHEN x.what = 'c' THEN 1 ELSE 0 END) AS c, SUM(x.minutes) AS minutes \
               FROM ( \
                 SELECT b.i AS i, c.author_user_id AS who, c.ticket_id AS ticket, 'r' AS what, 0 AS minutes \
                   FROM b JOIN ticket_comments c ON c.created_at >= b.lo AND c.created_at < b.hi{replies} \
                    AND c.visibility = 'public' AND c.author_user_id IS NOT NULL \
                 UNION ALL \
                 SELECT b.i, m.first_response_by, m.ticket_id, 'f', 0 \
                   FROM b JOIN ticket_measures m ON m.first_response_at >= b.lo AND m.first_response_at < b.hi{first} \
                    AND m.first_response_by IS NOT NULL \
                 UNION ALL \
                 SELECT b.i, m.closed_by, m.ticket_id, 'c', 0 \
                   FROM b JOIN ticket_measures m ON m.closed_at >= b.lo AND m.closed_at < b.hi{closes} \
                    AND m.closed_by IS NOT NULL AND m.close_minutes IS NOT NULL \
                 UNION ALL \
                 SELECT b.i, e.user_id, e.ticket_id, 't', e.minutes \
                   FROM b JOIN time_entries e ON e.work_date >= b.d0 AND e.work_date <= b.d1{time} \
               ) x GROUP BY x.i, x.who, x.ticket \
           ) y JOIN users u ON u.id = y.who \
          WHERE 1 = 1{who} \
          GROUP BY y.i, y.who, u.name ORDER BY y.i, u.name, y.who"
    );
    conn.query_all_raw(sql.statement(text))
        .await?
        .into_iter()
        .map(|row| {
            Ok(AgentWork {
                bucket: bucket_of(&row)?,
                user_id: row.try_get_by_index(1)?,
                name: row.try_get_by_index(2)?,
                handled: count_at(&row, 3)?,
                replies: count_at(&row, 4)?,
                first_responses: count_at(&row, 5)?,
                closed: count_at(&row, 6)?,
                minutes: count_at(&row, 7)?,
            })
        })
        .collect()
}
