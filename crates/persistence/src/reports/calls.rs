//! What came in and what became of it: calls received in each bucket by what triage made of
//! them (dismissals by reason), and the tickets opened in it with how many got tasks — the
//! seed's "requests converted into work orders".

use std::collections::BTreeMap;

use sea_orm::ConnectionTrait;
use servdesk_domain::reports::Bucket;

use super::{Filter, Sql, bucket_of, count_at};
use crate::error::StoreError;

/// One bucket's intake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Intake {
    pub received: i64,
    pub untriaged: i64,
    pub converted: i64,
    pub merged: i64,
    pub dismissed: i64,
    /// Dismissals by reason (`spam`, `duplicate`, …).
    pub dismissed_by_reason: BTreeMap<String, i64>,
    pub tickets_opened: i64,
    pub tickets_with_tasks: i64,
}

impl Intake {
    /// Adds `other`'s figures (the buckets of a period add up to it).
    pub fn add(&mut self, other: &Intake) {
        self.received += other.received;
        self.untriaged += other.untriaged;
        self.converted += other.converted;
        self.merged += other.merged;
        self.dismissed += other.dismissed;
        for (reason, n) in &other.dismissed_by_reason {
            *self.dismissed_by_reason.entry(reason.clone()).or_default() += n;
        }
        self.tickets_opened += other.tickets_opened;
        self.tickets_with_tasks += other.tickets_with_tasks;
    }
}

/// The intake of each of `buckets`. Calls have no team, agent nor category: those filters
/// narrow the tickets only.
pub async fn intake(conn: &impl ConnectionTrait, buckets: &[Bucket], filter: &Filter) -> Result<Vec<Intake>, StoreError> {
    let mut sql = Sql::new(conn.get_database_backend());
    let with = sql.buckets(buckets);
    let mut calls = String::new();
    if let Some(customer) = filter.customer_id {
        calls.push_str(&format!(" AND c.customer_id = {}", sql.bind(customer)));
    }
    if let Some(channel) = filter.channel {
        calls.push_str(&format!(" AND c.channel = {}", sql.bind(channel.as_str())));
    }
    let f = sql.tickets(filter);
    let text = format!(
        "{with} \
         SELECT b.i, c.state, c.dismiss_reason, CAST(COUNT(*) AS BIGINT), CAST(0 AS BIGINT) \
           FROM b JOIN calls c ON c.created_at >= b.lo AND c.created_at < b.hi WHERE 1 = 1{calls} \
          GROUP BY b.i, c.state, c.dismiss_reason \
         UNION ALL \
         SELECT b.i, 'ticket', NULL, CAST(COUNT(*) AS BIGINT), \
                CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM tasks k WHERE k.ticket_id = t.id) THEN 1 ELSE 0 END) AS BIGINT) \
           FROM b JOIN tickets t ON t.created_at >= b.lo AND t.created_at < b.hi WHERE 1 = 1{f} GROUP BY b.i"
    );
    let mut out = vec![Intake::default(); buckets.len()];
    for row in conn.query_all_raw(sql.statement(text)).await? {
        let Some(intake) = out.get_mut(bucket_of(&row)?) else { continue };
        let state: Option<String> = row.try_get_by_index(1)?;
        let n = count_at(&row, 3)?;
        match state.as_deref() {
            Some("ticket") => {
                intake.tickets_opened += n;
                intake.tickets_with_tasks += count_at(&row, 4)?;
                continue;
            }
            Some("untriaged") => intake.untriaged += n,
            Some("converted") => intake.converted += n,
            Some("merged") => intake.merged += n,
            Some("dismissed") => {
                intake.dismissed += n;
                let reason: Option<String> = row.try_get_by_index(2)?;
                *intake.dismissed_by_reason.entry(reason.unwrap_or_else(|| "none".to_owned())).or_default() += n;
            }
            _ => {}
        }
        intake.received += n;
    }
    Ok(out)
}
