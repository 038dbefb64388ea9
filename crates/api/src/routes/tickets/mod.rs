//! Tickets: create, read, list, change fields, and the timeline.

pub mod actions;
pub mod comments;
pub mod dto;
pub mod handlers;
pub(crate) mod references;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::tickets::{self as rules, Ticket};
use servdesk_domain::{Principal, Role};
use servdesk_persistence::tickets::{Actor, Visibility};
use servdesk_persistence::{ConnectionTrait, dictionaries, teams, tickets};
use uuid::Uuid;

use crate::config::Config;
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

pub use servdesk_persistence::rollups::Rollup;

/// The rollups of each of `ticket_ids`: progress from their tasks' statuses and all their
/// checklist lines (the ticket's own and its tasks'), and the time logged on them.
/// Only tickets that ever had work are read; the rest have nothing to sum.
pub(crate) async fn progress<'a>(
    conn: &impl ConnectionTrait,
    tickets: impl IntoIterator<Item = &'a servdesk_domain::tickets::Ticket>,
) -> ApiResult<HashMap<Uuid, Rollup>> {
    let worked: Vec<Uuid> = tickets.into_iter().filter(|t| t.has_work).map(|t| t.id).collect();
    Ok(servdesk_persistence::rollups::of_tickets(conn, &worked).await?)
}

/// Moves a ticket to the default status of class `to` (reopening it, closing it when its
/// work is done), with the stamps that change of class calls for. Returns the changed ticket
/// and the status it took; the caller records the event.
pub(crate) async fn move_to_class(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    from: StatusClass,
    to: StatusClass,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> ApiResult<(Ticket, Entry)> {
    let target = dictionaries::default_of(conn, DictionaryKind::TicketStatus, Some(to)).await?;
    let stamps = rules::stamps_after(ticket.stamps(), from, to, now);
    let moved = tickets::set_status(conn, ticket, expected_version, target.id, stamps, now).await?;
    Ok((moved, target))
}

/// Whether a ticket of class `from`, closed at `closed_at`, may still be reopened.
pub(crate) fn check_reopen(
    config: &Config,
    from: StatusClass,
    closed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), rules::StatusError> {
    let window = chrono::Duration::from_std(config.reopen_window).unwrap_or(chrono::Duration::days(30));
    rules::check_reopen(from, closed_at, window, now)
}

pub(crate) fn actor(principal: &Principal) -> Actor {
    match principal {
        Principal::User { id, .. } => Actor { user_id: Some(*id), api_key_id: None },
        Principal::ApiKey { id, .. } => Actor { user_id: None, api_key_id: Some(*id) },
    }
}
