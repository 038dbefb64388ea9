//! Tickets: create, read, list, change fields, and the timeline.

pub mod actions;
pub mod comments;
pub mod dto;
pub mod handlers;
mod references;

use servdesk_domain::{Principal, Role};
use servdesk_persistence::tickets::{Actor, Visibility};
use servdesk_persistence::{ConnectionTrait, teams};

use crate::error::ApiResult;

/// Which tickets the caller sees: admins, coordinators, finance and integrations all; agents
/// those of their teams, assigned to them or created by them; technicians those assigned to
/// them (and, once tasks exist, those of their tasks); partners none.
pub(crate) async fn visibility(conn: &impl ConnectionTrait, principal: &Principal) -> ApiResult<Visibility> {
    Ok(match principal {
        Principal::ApiKey { .. } => Visibility::All,
        Principal::User { role: Role::Admin | Role::Coordinator | Role::Finance, .. } => Visibility::All,
        Principal::User { id, role: Role::Agent, .. } => Visibility::Agent { user_id: *id, team_ids: teams::of_user(conn, *id).await? },
        Principal::User { id, role: Role::Technician, .. } => Visibility::Assigned { user_id: *id },
        Principal::User { role: Role::Partner, .. } => Visibility::Nothing,
    })
}

pub(crate) fn actor(principal: &Principal) -> Actor {
    match principal {
        Principal::User { id, .. } => Actor { user_id: Some(*id), api_key_id: None },
        Principal::ApiKey { id, .. } => Actor { user_id: None, api_key_id: Some(*id) },
    }
}
