//! The planner's board: the tasks planned over a range, grouped by assignee with the ones
//! that collide in a person's day found, and the open tasks not yet planned beside them.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use servdesk_domain::errors::code;
use servdesk_domain::tasks::{self as rules, Task, Window};
use servdesk_domain::time::Totals;
use servdesk_persistence::tasks::{self, PLANNER_LIMIT, PlannerFilter};
use servdesk_persistence::{ConnectionTrait, teams, time, users};
use uuid::Uuid;

use crate::{Error, Result};

/// The widest range one board covers.
pub const MAX_RANGE_DAYS: i64 = 92;

/// Which tasks a board shows.
pub struct BoardQuery {
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (exclusive).
    pub to: DateTime<Utc>,
    pub assignee_id: Option<Uuid>,
    /// Only this team's members' tasks (with `assignee_id`: that person, if a member).
    pub team_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

/// One person's planned tasks (or the planned ones nobody has yet).
pub struct Lane {
    pub assignee_id: Option<Uuid>,
    /// `None` for the unassigned lane.
    pub name: Option<String>,
    /// By planned start.
    pub tasks: Vec<Task>,
    /// The tasks whose window overlaps another of the same person's.
    pub overlapping: HashSet<Uuid>,
}

pub struct Board {
    /// By name; the unassigned lane last.
    pub lanes: Vec<Lane>,
    /// Open tasks without a planned start, oldest first.
    pub unplanned: Vec<Task>,
    /// Time logged on every task on the board.
    pub time: HashMap<Uuid, Totals>,
    /// The range held more than a board shows at once: the caller should narrow it.
    pub truncated: bool,
}

/// The board for `q`. Cancelled tasks are left out; done ones stay (the day as it went).
/// `invalid_range` when `to` is not after `from` or the range is wider than
/// [`MAX_RANGE_DAYS`].
pub async fn board(conn: &impl ConnectionTrait, q: BoardQuery) -> Result<Board> {
    if q.to <= q.from || q.to - q.from > Duration::days(MAX_RANGE_DAYS) {
        return Err(Error::new(code::INVALID_RANGE, format!("`to` must be after `from`, at most {MAX_RANGE_DAYS} days")));
    }
    let mut assignees = q.assignee_id.map(|a| vec![a]);
    if let Some(team) = q.team_id {
        let members = teams::members(conn, team).await?;
        assignees = Some(match assignees {
            Some(one) => one.into_iter().filter(|a| members.contains(a)).collect(),
            None => members,
        });
    }
    let filter = PlannerFilter { from: q.from, to: q.to, assignees, partner_id: q.partner_id };
    let planned = tasks::planned(conn, &filter).await?;
    let unplanned = tasks::unplanned(conn, &filter).await?;
    let truncated = planned.len() as u64 >= PLANNER_LIMIT || unplanned.len() as u64 >= PLANNER_LIMIT;
    let ids: Vec<Uuid> = planned.iter().chain(&unplanned).map(|t| t.id).collect();
    let time = time::totals_by_task(conn, &ids).await?;

    let mut by_assignee: BTreeMap<Option<Uuid>, Vec<Task>> = BTreeMap::new();
    for task in planned {
        by_assignee.entry(task.assignee_id).or_default().push(task);
    }
    let people: Vec<Uuid> = by_assignee.keys().flatten().copied().collect();
    let names = users::names(conn, &people).await?;
    let mut lanes: Vec<Lane> = by_assignee
        .into_iter()
        .map(|(assignee_id, tasks)| {
            // Unassigned tasks are not one person's day: they cannot collide.
            let overlapping = match assignee_id {
                Some(_) => rules::overlapping(&tasks.iter().filter_map(window).collect::<Vec<_>>()),
                None => HashSet::new(),
            };
            let name = assignee_id.and_then(|id| names.get(&id).cloned());
            Lane { assignee_id, name, tasks, overlapping }
        })
        .collect();
    lanes.sort_by(|a, b| (a.assignee_id.is_none(), &a.name).cmp(&(b.assignee_id.is_none(), &b.name)));
    Ok(Board { lanes, unplanned, time, truncated })
}

fn window(t: &Task) -> Option<Window> {
    Some(Window { task_id: t.id, start: t.planned_start?, end: t.planned_end })
}
