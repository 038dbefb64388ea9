//! What ticket responses sum up from other tables — tasks by status, checklist lines by mark,
//! time logged — read for a page of tickets in one round trip (three grouped scans joined by
//! `UNION ALL`), not three.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, Statement};
use servdesk_domain::tasks::{Progress, TaskStatus};
use servdesk_domain::time::Totals;
use uuid::Uuid;

use crate::db::id_list;
use crate::error::StoreError;

/// A ticket's progress and time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rollup {
    pub progress: Progress,
    pub time: Totals,
}

/// The rollups of `ticket_ids` (tickets with nothing to sum are absent).
pub async fn of_tickets(conn: &impl ConnectionTrait, ticket_ids: &[Uuid]) -> Result<HashMap<Uuid, Rollup>, StoreError> {
    if ticket_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    // One list for all three parts (see `id_list`).
    let (ids, values) = id_list(backend, ticket_ids, 1);
    let sql = format!(
        "SELECT ticket_id, 't' AS part, status AS label, CAST(COUNT(*) AS BIGINT) AS n, \
                CAST(0 AS BIGINT) AS minutes, CAST(0 AS BIGINT) AS cost, CAST(0 AS BIGINT) AS b_minutes, CAST(0 AS BIGINT) AS b_cost \
           FROM tasks WHERE ticket_id IN ({ids}) GROUP BY ticket_id, status \
         UNION ALL \
         SELECT ticket_id, 'c', CASE WHEN checked THEN 'y' ELSE 'n' END, CAST(COUNT(*) AS BIGINT), 0, 0, 0, 0 \
           FROM checklist_items WHERE ticket_id IN ({ids}) GROUP BY ticket_id, checked \
         UNION ALL \
         SELECT ticket_id, 'm', '', CAST(COUNT(*) AS BIGINT), CAST(SUM(minutes) AS BIGINT), CAST(SUM(cost_minor) AS BIGINT), \
                CAST(SUM(CASE WHEN billable THEN minutes ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN billable THEN cost_minor ELSE 0 END) AS BIGINT) \
           FROM time_entries WHERE ticket_id IN ({ids}) GROUP BY ticket_id"
    );
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    let mut out: HashMap<Uuid, Rollup> = HashMap::new();
    for row in rows {
        let ticket: Uuid = row.try_get_by_index(0)?;
        let part: String = row.try_get_by_index(1)?;
        let label: String = row.try_get_by_index(2)?;
        let n: i64 = row.try_get_by_index(3)?;
        let count = u32::try_from(n).unwrap_or(u32::MAX);
        let r = out.entry(ticket).or_default();
        match part.as_str() {
            "t" => {
                let status = TaskStatus::parse(&label).ok_or_else(|| StoreError::corrupt("tasks", format!("status {label:?}")))?;
                if status == TaskStatus::Done {
                    r.progress.tasks_done += count;
                }
                if status != TaskStatus::Cancelled {
                    r.progress.tasks_total += count;
                }
            }
            "c" => {
                if label == "y" {
                    r.progress.checklist_checked += count;
                }
                r.progress.checklist_total += count;
            }
            _ => {
                r.time = Totals {
                    entries: n,
                    minutes: row.try_get_by_index(4)?,
                    cost_minor: row.try_get_by_index(5)?,
                    billable_minutes: row.try_get_by_index(6)?,
                    billable_cost_minor: row.try_get_by_index(7)?,
                };
            }
        }
    }
    Ok(out)
}
