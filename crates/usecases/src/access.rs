//! What a caller may see: tickets by role and team, tasks through their tickets (or by
//! assignment for technicians and partners). What a caller may not see is "not found".

use servdesk_domain::tasks::Task;
use servdesk_domain::tickets::Ticket;
use servdesk_domain::{Principal, Role, Visibility};
use servdesk_persistence::tasks::TaskFilter;
use servdesk_persistence::{ConnectionTrait, tasks, teams, tickets, users};
use uuid::Uuid;

use crate::{Error, Result};

/// Which tickets the caller sees: admins, coordinators, finance and integrations all; agents
/// those of their teams, assigned to them or created by them; technicians those assigned to
/// them and those with a task assigned to them; partners none.
pub async fn visibility(conn: &impl ConnectionTrait, principal: &Principal) -> Result<Visibility> {
    let teams = match principal.user_id() {
        Some(user) if Visibility::needs_teams(principal) => teams::of_user(conn, user).await?,
        _ => Vec::new(),
    };
    Ok(Visibility::of(principal, || teams))
}

/// The partner a partner user works for (`None` for everyone else).
pub async fn partner_of(conn: &impl ConnectionTrait, principal: &Principal) -> Result<Option<Uuid>> {
    match principal {
        Principal::User { id, role: Role::Partner, .. } => {
            Ok(Some(users::get(conn, *id).await?.partner_id.ok_or_else(|| Error::internal(format!("partner user {id} has no partner")))?))
        }
        _ => Ok(None),
    }
}

/// `filter` narrowed to the tasks the caller may see: technicians the tasks given to them,
/// partners those given to their partner, everyone else the tasks of the tickets they see.
/// `None` when the caller asked for tasks they cannot see (another assignee or partner).
pub async fn scope_tasks(conn: &impl ConnectionTrait, principal: &Principal, mut filter: TaskFilter) -> Result<Option<TaskFilter>> {
    match principal {
        Principal::User { id, role: Role::Technician, .. } => {
            if filter.assignee_id.is_some_and(|a| a != *id) {
                return Ok(None);
            }
            filter.assignee_id = Some(*id);
        }
        Principal::User { role: Role::Partner, .. } => {
            let partner = partner_of(conn, principal).await?;
            if filter.partner_id.is_some_and(|p| Some(p) != partner) {
                return Ok(None);
            }
            filter.partner_id = partner;
        }
        _ => filter.tickets = Some(visibility(conn, principal).await?),
    }
    Ok(Some(filter))
}

/// The ticket of a task if the caller may see it. Technicians see the tasks given to them
/// (and, through them, their tickets); partners the tasks given to their partner (but not
/// the tickets: the ticket answered is for the caller's rules only); others what they see
/// of tickets.
pub async fn visible_task(conn: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<(Task, Ticket)> {
    let task = tasks::get(conn, id).await?;
    match principal {
        Principal::User { id: user, role: Role::Technician, .. } if task.assignee_id != Some(*user) => {
            return Err(Error::not_found());
        }
        Principal::User { role: Role::Partner, .. } => {
            if task.partner_id.is_none() || task.partner_id != partner_of(conn, principal).await? {
                return Err(Error::not_found());
            }
            let ticket = tickets::get(conn, task.ticket_id).await?;
            return Ok((task, ticket));
        }
        _ => {}
    }
    let visibility = visibility(conn, principal).await?;
    let ticket = tickets::get_visible(conn, task.ticket_id, &visibility).await?;
    Ok((task, ticket))
}
