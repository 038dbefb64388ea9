//! Tickets: create, read, list, change fields, and the timeline.

pub mod actions;
pub mod comments;
pub mod dto;
pub mod handlers;
pub(crate) mod references;

use std::collections::HashMap;

use servdesk_domain::tasks::{Progress, TaskStatus};
use servdesk_domain::worktime::Totals;
use servdesk_domain::{Principal, Role};
use servdesk_persistence::tickets::{Actor, Visibility};
use servdesk_persistence::{ConnectionTrait, teams};
use uuid::Uuid;

use crate::error::ApiResult;

/// Which tickets the caller sees: admins, coordinators, finance and integrations all; agents
/// those of their teams, assigned to them or created by them; technicians those assigned to
/// them and those with a task assigned to them; partners none.
pub(crate) async fn visibility(conn: &impl ConnectionTrait, principal: &Principal) -> ApiResult<Visibility> {
    Ok(match principal {
        Principal::ApiKey { .. } => Visibility::All,
        Principal::User { role: Role::Admin | Role::Coordinator | Role::Finance, .. } => Visibility::All,
        Principal::User { id, role: Role::Agent, .. } => Visibility::Agent { user_id: *id, team_ids: teams::of_user(conn, *id).await? },
        Principal::User { id, role: Role::Technician, .. } => Visibility::Assigned { user_id: *id },
        Principal::User { role: Role::Partner, .. } => Visibility::Nothing,
    })
}

/// What a ticket response sums up from elsewhere: progress of tasks and checklists, and time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rollup {
    pub progress: Progress,
    pub time: Totals,
}

/// The rollups of each of `ticket_ids`: progress from their tasks' statuses and all their
/// checklist lines (the ticket's own and its tasks'), and the time logged on them.
pub(crate) async fn progress(conn: &impl ConnectionTrait, ticket_ids: &[Uuid]) -> ApiResult<HashMap<Uuid, Rollup>> {
    let mut by_ticket: HashMap<Uuid, (Vec<TaskStatus>, Vec<bool>)> = HashMap::new();
    for (ticket, status) in servdesk_persistence::tasks::statuses_of(conn, ticket_ids).await? {
        by_ticket.entry(ticket).or_default().0.push(status);
    }
    for (ticket, checked) in servdesk_persistence::checklists::marks_of(conn, ticket_ids).await? {
        by_ticket.entry(ticket).or_default().1.push(checked);
    }
    let mut time = servdesk_persistence::worktime::totals_by_ticket(conn, ticket_ids).await?;
    let mut rollups: HashMap<Uuid, Rollup> = by_ticket
        .into_iter()
        .map(|(t, (s, c))| (t, Rollup { progress: Progress::of(&s, &c), time: time.remove(&t).unwrap_or_default() }))
        .collect();
    for (t, totals) in time {
        rollups.insert(t, Rollup { time: totals, ..Rollup::default() });
    }
    Ok(rollups)
}

pub(crate) fn actor(principal: &Principal) -> Actor {
    match principal {
        Principal::User { id, .. } => Actor { user_id: Some(*id), api_key_id: None },
        Principal::ApiKey { id, .. } => Actor { user_id: None, api_key_id: Some(*id) },
    }
}
