//! How fast the desk answers and closes: time to first response (over the tickets first
//! answered in each bucket) and time to close (over those closed in it), median and 90th
//! percentile in calendar and in business minutes; and the time those closed tickets spent
//! in each status class.

use std::collections::HashMap;

use sea_orm::ConnectionTrait;
use servdesk_domain::reports::{Bucket, ClassSeconds, Spread};

use super::{Filter, Sql, bucket_of, count_at, spreads};
use crate::error::StoreError;

/// One bucket's times.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Times {
    pub first_response: Spread,
    pub first_response_business: Spread,
    pub close: Spread,
    pub close_business: Spread,
    /// Tickets closed in the bucket, and the seconds they spent in each class in all.
    pub closed: i64,
    pub seconds_in: ClassSeconds,
}

/// The measures counted in a bucket by their instant `at`, joined to their tickets when the
/// filter needs them; ends in a `WHERE` more conditions may follow with `AND`.
fn measured(sql: &mut Sql, filter: &Filter, at: &str) -> String {
    let (join, narrow) =
        if filter.narrows_tickets() { (" JOIN tickets t ON t.id = m.ticket_id", sql.tickets(filter)) } else { ("", String::new()) };
    format!("FROM b JOIN ticket_measures m ON m.{at} >= b.lo AND m.{at} < b.hi{join} WHERE 1 = 1{narrow}")
}

/// The times of each of `buckets`.
pub async fn times(conn: &impl ConnectionTrait, buckets: &[Bucket], filter: &Filter) -> Result<Vec<Times>, StoreError> {
    let backend = conn.get_database_backend();
    let mut out = vec![Times::default(); buckets.len()];

    let mut sql = Sql::new(backend);
    let with = sql.buckets(buckets);
    let from = measured(&mut sql, filter, "first_response_at");
    let first = spreads(conn, sql, &with, &from, &["m.first_response_minutes", "m.first_response_business_minutes"]).await?;

    let mut sql = Sql::new(backend);
    let with = sql.buckets(buckets);
    let from = format!("{} AND m.close_minutes IS NOT NULL", measured(&mut sql, filter, "closed_at"));
    let close = spreads(conn, sql, &with, &from, &["m.close_minutes", "m.close_business_minutes"]).await?;

    for (i, times) in out.iter_mut().enumerate() {
        if let Some(s) = first.get(&i) {
            (times.first_response, times.first_response_business) = (s[0], s[1]);
        }
        if let Some(s) = close.get(&i) {
            (times.close, times.close_business) = (s[0], s[1]);
        }
    }

    let mut sql = Sql::new(backend);
    let with = sql.buckets(buckets);
    let from = format!("{} AND m.close_minutes IS NOT NULL", measured(&mut sql, filter, "closed_at"));
    let text = format!(
        "{with} SELECT b.i, CAST(COUNT(*) AS BIGINT), CAST(SUM(m.new_seconds) AS BIGINT), CAST(SUM(m.open_seconds) AS BIGINT), \
                CAST(SUM(m.pending_seconds) AS BIGINT), CAST(SUM(m.resolved_seconds) AS BIGINT) {from} GROUP BY b.i"
    );
    let mut classes: HashMap<usize, (i64, ClassSeconds)> = HashMap::new();
    for row in conn.query_all_raw(sql.statement(text)).await? {
        let seconds =
            ClassSeconds { new: count_at(&row, 2)?, open: count_at(&row, 3)?, pending: count_at(&row, 4)?, resolved: count_at(&row, 5)? };
        classes.insert(bucket_of(&row)?, (count_at(&row, 1)?, seconds));
    }
    for (i, times) in out.iter_mut().enumerate() {
        if let Some((closed, seconds)) = classes.get(&i) {
            (times.closed, times.seconds_in) = (*closed, *seconds);
        }
    }
    Ok(out)
}
