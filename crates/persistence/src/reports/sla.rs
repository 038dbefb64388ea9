//! SLA compliance: for the tickets opened in each bucket, per policy, how many met and missed
//! each target and how many are still running. A running clock past its due time counts as
//! missed (whether or not the watcher has told of it yet); next responses count each
//! customer reply answered, and the one waiting now.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use servdesk_domain::reports::Bucket;
use servdesk_domain::sla::Target;
use uuid::Uuid;

use super::{Filter, Sql, bucket_of, count_at};
use crate::error::StoreError;

/// How one target fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub met: i64,
    pub missed: i64,
    pub running: i64,
}

/// One policy's compliance in one bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compliance {
    pub bucket: usize,
    pub policy_id: Uuid,
    pub policy_name: Option<String>,
    pub tickets: i64,
    pub targets: Vec<(Target, Tally)>,
}

/// The compliance over a whole period of `figures` (its buckets'), per policy, in the order
/// first seen; tagged with `bucket`.
pub fn over_all(figures: &[Compliance], bucket: usize) -> Vec<Compliance> {
    let mut out: Vec<Compliance> = Vec::new();
    for c in figures {
        let i = match out.iter().position(|t| t.policy_id == c.policy_id) {
            Some(i) => i,
            None => {
                out.push(Compliance { bucket, tickets: 0, targets: Vec::new(), ..c.clone() });
                out.len() - 1
            }
        };
        let total = &mut out[i];
        total.tickets += c.tickets;
        for (target, tally) in &c.targets {
            match total.targets.iter_mut().find(|(t, _)| t == target) {
                Some((_, sum)) => {
                    sum.met += tally.met;
                    sum.missed += tally.missed;
                    sum.running += tally.running;
                }
                None => total.targets.push((*target, *tally)),
            }
        }
    }
    for total in &mut out {
        total.targets.sort_by_key(|(t, _)| *t);
    }
    out.sort_by(|a, b| (&a.policy_name, a.policy_id).cmp(&(&b.policy_name, b.policy_id)));
    out
}

/// The `met`, `missed` and `running` sums of a target kept as `<prefix>_state` and
/// `<prefix>_due_at` on the measures.
fn tally(sql: &mut Sql, prefix: &str, now: DateTime<Utc>) -> String {
    let (due1, due2) = (sql.bind(now), sql.bind(now));
    format!(
        "CAST(SUM(CASE WHEN m.{prefix}_state = 'met' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN m.{prefix}_state = 'missed' OR (m.{prefix}_state = 'running' AND m.{prefix}_due_at <= {due1}) THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN m.{prefix}_state = 'running' AND (m.{prefix}_due_at IS NULL OR m.{prefix}_due_at > {due2}) THEN 1 ELSE 0 END) AS BIGINT)"
    )
}

/// Compliance per bucket and policy as of `now`, by bucket and policy name.
pub async fn compliance(
    conn: &impl ConnectionTrait,
    buckets: &[Bucket],
    filter: &Filter,
    now: DateTime<Utc>,
) -> Result<Vec<Compliance>, StoreError> {
    let mut sql = Sql::new(conn.get_database_backend());
    let with = sql.buckets(buckets);
    let first = tally(&mut sql, "first_response", now);
    let next = tally(&mut sql, "next_response", now);
    let resolution = tally(&mut sql, "resolution", now);
    let f = sql.tickets(filter);
    let text = format!(
        "{with} SELECT b.i, t.sla_policy_id, p.name, CAST(COUNT(*) AS BIGINT), {first}, {next}, \
                CAST(SUM(m.next_responses_met) AS BIGINT), CAST(SUM(m.next_responses_missed) AS BIGINT), \
                CAST(SUM(CASE WHEN m.next_response_state IS NOT NULL OR m.next_responses_met > 0 OR m.next_responses_missed > 0 THEN 1 ELSE 0 END) AS BIGINT), \
                {resolution} \
           FROM b JOIN tickets t ON t.created_at >= b.lo AND t.created_at < b.hi \
                JOIN ticket_measures m ON m.ticket_id = t.id LEFT JOIN sla_policies p ON p.id = t.sla_policy_id \
          WHERE t.sla_policy_id IS NOT NULL{f} \
          GROUP BY b.i, t.sla_policy_id, p.name ORDER BY b.i, p.name, t.sla_policy_id"
    );
    conn.query_all_raw(sql.statement(text))
        .await?
        .into_iter()
        .map(|row| {
            let at = |i| count_at(&row, i);
            let first = Tally { met: at(4)?, missed: at(5)?, running: at(6)? };
            // The reply waiting now (met it cannot be yet), and the replies answered.
            let next = Tally { met: at(7)? + at(10)?, missed: at(8)? + at(11)?, running: at(9)? };
            let measured_next = at(12)? > 0;
            let resolution = Tally { met: at(13)?, missed: at(14)?, running: at(15)? };
            let mut targets = Vec::new();
            for (target, tally) in [(Target::FirstResponse, first), (Target::NextResponse, next), (Target::Resolution, resolution)] {
                let measured = tally != Tally::default() || (target == Target::NextResponse && measured_next);
                if measured {
                    targets.push((target, tally));
                }
            }
            Ok(Compliance {
                bucket: bucket_of(&row)?,
                policy_id: row.try_get_by_index(1)?,
                policy_name: row.try_get_by_index(2)?,
                tickets: at(3)?,
                targets,
            })
        })
        .collect()
}
