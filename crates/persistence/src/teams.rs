//! Teams: named queues of staff that tickets can be assigned to.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::{team_members, teams};
use crate::error::{StoreError, is_foreign_key_violation, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub use servdesk_domain::users::Team;

fn to_team(m: teams::Model) -> Team {
    Team { id: m.id, name: m.name, description: m.description, version: m.version, created_at: m.created_at, updated_at: m.updated_at }
}

#[derive(Default)]
pub struct TeamChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

fn name_taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) { StoreError::conflict(code::TEAM_NAME_TAKEN, "a team with this name already exists") } else { err.into() }
}

pub async fn create(
    conn: &impl ConnectionTrait,
    name: String,
    description: Option<String>,
    now: DateTime<Utc>,
) -> Result<Team, StoreError> {
    teams::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        description: Set(description),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map(to_team)
    .map_err(name_taken)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Team, StoreError> {
    teams::Entity::find_by_id(id).one(conn).await?.map(to_team).ok_or(StoreError::NotFound)
}

pub async fn list(conn: &impl ConnectionTrait, req: PageRequest) -> Result<Page<Team>, StoreError> {
    Ok(page::fetch(conn, teams::Entity::find(), teams::Column::Id, teams::Column::UpdatedAt, req, |t| (t.updated_at, t.id))
        .await?
        .map(to_team))
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: Option<i64>,
    changes: TeamChanges,
    now: DateTime<Utc>,
) -> Result<Team, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected_version, current.version)?;
    let mut update = teams::Entity::update_many();
    if let Some(name) = changes.name {
        update = update.col_expr(teams::Column::Name, Expr::value(name));
    }
    if let Some(description) = changes.description {
        update = update.col_expr(teams::Column::Description, Expr::value(description));
    }
    let cols = Columns { id: teams::Column::Id, version: teams::Column::Version, updated_at: teams::Column::UpdatedAt };
    versioned::apply(conn, update, cols, id, current.version, now, name_taken).await?;
    get(conn, id).await
}

/// Membership changes are changes of the team: they bump its version and `updated_at`,
/// so a sync by `updated_since` sees them.
async fn touch(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    let result = teams::Entity::update_many()
        .col_expr(teams::Column::Version, Expr::col(teams::Column::Version).add(1))
        .col_expr(teams::Column::UpdatedAt, Expr::value(now))
        .filter(teams::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    teams::Entity::delete_by_id(id).exec(conn).await.map_err(|e| {
        if is_foreign_key_violation(&e) { StoreError::conflict(code::TEAM_IN_USE, "records refer to this team") } else { e.into() }
    })?;
    Ok(())
}

pub async fn members(conn: &impl ConnectionTrait, team_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::TeamId.eq(team_id))
        .order_by_asc(team_members::Column::UserId)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.user_id)
        .collect())
}

/// Adds a member; adding one already there is not an error (the call is idempotent).
pub async fn add_member(conn: &impl ConnectionTrait, team_id: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    touch(conn, team_id, now).await?;
    let existing = team_members::Entity::find_by_id((team_id, user_id)).one(conn).await?;
    if existing.is_none() {
        team_members::ActiveModel { team_id: Set(team_id), user_id: Set(user_id), created_at: Set(now) }.insert(conn).await?;
    }
    Ok(())
}

pub async fn remove_member(conn: &impl ConnectionTrait, team_id: Uuid, user_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    let result = team_members::Entity::delete_by_id((team_id, user_id)).exec(conn).await?;
    if result.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    touch(conn, team_id, now).await
}

/// The teams a user is a member of.
pub async fn of_user(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(team_members::Entity::find()
        .filter(team_members::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.team_id)
        .collect())
}
