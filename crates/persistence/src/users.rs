//! Staff accounts.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use servdesk_domain::errors::code;
use servdesk_domain::{Email, Role};
use uuid::Uuid;

use crate::entities::{api_keys, sessions, team_members, users};
use crate::error::{StoreError, is_foreign_key_violation, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub use servdesk_domain::users::User;

fn to_user(m: users::Model) -> Result<User, StoreError> {
    Ok(User {
        email: Email::parse(&m.email).map_err(|e| StoreError::corrupt("users", format!("{}: {e}", m.id)))?,
        role: Role::parse(&m.role).ok_or_else(|| StoreError::corrupt("users", format!("{}: role {}", m.id, m.role)))?,
        id: m.id,
        name: m.name,
        phone: m.phone,
        extension: m.extension,
        active: m.active,
        partner_id: m.partner_id,
        cost_rate_minor: m.cost_rate_minor,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub struct NewUser {
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub phone: Option<String>,
    pub extension: Option<String>,
    pub partner_id: Option<Uuid>,
    pub cost_rate_minor: i64,
}

/// A PATCH: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Default)]
pub struct UserChanges {
    pub email: Option<Email>,
    pub name: Option<String>,
    pub role: Option<Role>,
    pub phone: Option<Option<String>>,
    pub extension: Option<Option<String>>,
    pub active: Option<bool>,
    pub partner_id: Option<Option<Uuid>>,
    pub cost_rate_minor: Option<i64>,
}

#[derive(Default)]
pub struct UserFilter {
    pub q: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

pub async fn create(conn: &impl ConnectionTrait, new: NewUser, now: DateTime<Utc>) -> Result<User, StoreError> {
    let model = users::ActiveModel {
        id: Set(Uuid::now_v7()),
        email: Set(new.email.to_string()),
        name: Set(new.name),
        role: Set(new.role.as_str().to_owned()),
        password_hash: Set(new.password_hash),
        phone: Set(new.phone),
        extension: Set(new.extension),
        active: Set(true),
        partner_id: Set(new.partner_id),
        cost_rate_minor: Set(new.cost_rate_minor),
        calendar_token_hash: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    to_user(model.insert(conn).await.map_err(email_taken)?)
}

fn email_taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) { StoreError::conflict(code::EMAIL_TAKEN, "a user with this email already exists") } else { err.into() }
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<User, StoreError> {
    to_user(users::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The names of users by id (for views that show people beside their ids); an id with no
/// user is left out.
pub async fn names(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
    crate::lookup::column_by_id::<users::Entity, String>(conn, users::Column::Id, users::Column::Name, ids).await
}

/// The user with this email and their password hash, for a login.
pub async fn credentials(conn: &impl ConnectionTrait, email: &Email) -> Result<Option<(User, String)>, StoreError> {
    match users::Entity::find().filter(users::Column::Email.eq(email.as_str())).one(conn).await? {
        Some(m) => {
            let hash = m.password_hash.clone();
            Ok(Some((to_user(m)?, hash)))
        }
        None => Ok(None),
    }
}

pub async fn password_hash(conn: &impl ConnectionTrait, id: Uuid) -> Result<String, StoreError> {
    Ok(users::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?.password_hash)
}

pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(users::Entity::find().count(conn).await?)
}

pub async fn list(conn: &impl ConnectionTrait, filter: &UserFilter, req: PageRequest) -> Result<Page<User>, StoreError> {
    let mut select = users::Entity::find();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // LIKE wildcards in q only widen the match, never hide a row: left as typed.
        let pattern = format!("%{}%", q.to_lowercase());
        select = select.filter(
            Condition::any()
                .add(Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(users::Column::Name))).like(pattern.clone()))
                .add(users::Column::Email.like(pattern)),
        );
    }
    if let Some(role) = filter.role {
        select = select.filter(users::Column::Role.eq(role.as_str()));
    }
    if let Some(active) = filter.active {
        select = select.filter(users::Column::Active.eq(active));
    }
    page::fetch(conn, select, users::Column::Id, users::Column::UpdatedAt, req, |u| (u.updated_at, u.id)).await?.try_map(to_user)
}

/// Applies `changes` if the row is still at `expected_version` (when given), bumping the version.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected_version: Option<i64>,
    changes: UserChanges,
    now: DateTime<Utc>,
) -> Result<User, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected_version, current.version)?;
    let mut update = users::Entity::update_many();
    if let Some(email) = changes.email {
        update = update.col_expr(users::Column::Email, Expr::value(email.to_string()));
    }
    if let Some(name) = changes.name {
        update = update.col_expr(users::Column::Name, Expr::value(name));
    }
    if let Some(role) = changes.role {
        update = update.col_expr(users::Column::Role, Expr::value(role.as_str()));
    }
    if let Some(phone) = changes.phone {
        update = update.col_expr(users::Column::Phone, Expr::value(phone));
    }
    if let Some(extension) = changes.extension {
        update = update.col_expr(users::Column::Extension, Expr::value(extension));
    }
    if let Some(active) = changes.active {
        update = update.col_expr(users::Column::Active, Expr::value(active));
    }
    if let Some(partner) = changes.partner_id {
        update = update.col_expr(users::Column::PartnerId, Expr::value(partner));
    }
    if let Some(rate) = changes.cost_rate_minor {
        update = update.col_expr(users::Column::CostRateMinor, Expr::value(rate));
    }
    let cols = Columns { id: users::Column::Id, version: users::Column::Version, updated_at: users::Column::UpdatedAt };
    versioned::apply(conn, update, cols, id, current.version, now, email_taken).await?;
    get(conn, id).await
}

/// Deactivates the active users of a partner; returns their ids.
pub async fn deactivate_of_partner(conn: &impl ConnectionTrait, partner_id: Uuid, now: DateTime<Utc>) -> Result<Vec<Uuid>, StoreError> {
    let ids: Vec<Uuid> = users::Entity::find()
        .select_only()
        .column(users::Column::Id)
        .filter(users::Column::PartnerId.eq(partner_id))
        .filter(users::Column::Active.eq(true))
        .into_tuple()
        .all(conn)
        .await?;
    if !ids.is_empty() {
        users::Entity::update_many()
            .col_expr(users::Column::Active, Expr::value(false))
            .col_expr(users::Column::Version, Expr::col(users::Column::Version).add(1))
            .col_expr(users::Column::UpdatedAt, Expr::value(now))
            .filter(users::Column::Id.is_in(ids.clone()))
            .exec(conn)
            .await?;
    }
    Ok(ids)
}

pub async fn set_password(conn: &impl ConnectionTrait, id: Uuid, password_hash: String, now: DateTime<Utc>) -> Result<(), StoreError> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(users::Column::Version, Expr::col(users::Column::Version).add(1))
        .col_expr(users::Column::UpdatedAt, Expr::value(now))
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Sets (or with `None` revokes) the hash of the user's calendar feed token. Not a versioned
/// change of the account: the token is a credential, like the password.
pub async fn set_calendar_token(conn: &impl ConnectionTrait, id: Uuid, token_hash: Option<String>) -> Result<(), StoreError> {
    let result = users::Entity::update_many()
        .col_expr(users::Column::CalendarTokenHash, Expr::value(token_hash))
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// The user and the hash of their calendar feed token (`None` when none was issued).
pub async fn with_calendar_token(conn: &impl ConnectionTrait, id: Uuid) -> Result<(User, Option<String>), StoreError> {
    let m = users::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    let hash = m.calendar_token_hash.clone();
    Ok((to_user(m)?, hash))
}

/// Deletes a user nobody and nothing refers to. One who ever logged in, created an API key,
/// or is referenced by any record has history: they are deactivated instead (409).
pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    let has_sessions = sessions::Entity::find().filter(sessions::Column::UserId.eq(id)).count(conn).await? > 0;
    let has_keys = api_keys::Entity::find().filter(api_keys::Column::CreatedBy.eq(id)).count(conn).await? > 0;
    if has_sessions || has_keys {
        return Err(history());
    }
    team_members::Entity::delete_many().filter(team_members::Column::UserId.eq(id)).exec(conn).await?;
    users::Entity::delete_by_id(id).exec(conn).await.map_err(|e| if is_foreign_key_violation(&e) { history() } else { e.into() })?;
    Ok(())
}

fn history() -> StoreError {
    StoreError::conflict(code::USER_HAS_HISTORY, "this user has history; deactivate them instead (PATCH active=false)")
}

pub async fn count_active_with_role(conn: &impl ConnectionTrait, role: Role) -> Result<u64, StoreError> {
    Ok(users::Entity::find().filter(users::Column::Role.eq(role.as_str())).filter(users::Column::Active.eq(true)).count(conn).await?)
}

/// Active users whose email's local part is `login` (case-insensitive): who `@login` means.
pub async fn by_login(conn: &impl ConnectionTrait, login: &str) -> Result<Vec<User>, StoreError> {
    let pattern = format!("{}@%", login.to_lowercase());
    let rows = users::Entity::find().filter(users::Column::Email.like(pattern)).filter(users::Column::Active.eq(true)).all(conn).await?;
    rows.into_iter().filter(|u| u.email.split('@').next() == Some(login)).map(to_user).collect()
}

/// The active staff member on a PBX extension, if exactly one is.
pub async fn by_extension(conn: &impl ConnectionTrait, extension: &str) -> Result<Option<User>, StoreError> {
    let found = users::Entity::find()
        .filter(users::Column::Extension.eq(extension))
        .filter(users::Column::Active.eq(true))
        .limit(2)
        .all(conn)
        .await?;
    match <[users::Model; 1]>::try_from(found) {
        Ok([one]) => Ok(Some(to_user(one)?)),
        Err(_) => Ok(None),
    }
}
