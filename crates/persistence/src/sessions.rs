//! Login sessions and their rotating refresh tokens.
//!
//! A session is one password check; each refresh consumes the current refresh token and
//! issues the next. Presenting a consumed token again means it was copied: the whole
//! session (the token family) is revoked, the thief's and the owner's tokens alike.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::Role;
use uuid::Uuid;

use crate::entities::{refresh_tokens, sessions, users};
use crate::error::StoreError;

/// One login: the family of refresh tokens issued from one password check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub id: Uuid,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

fn to_session(m: sessions::Model) -> Session {
    Session { id: m.id, user_id: m.user_id, created_at: m.created_at, expires_at: m.expires_at, revoked_at: m.revoked_at }
}

pub async fn create(conn: &impl ConnectionTrait, user_id: Uuid, now: DateTime<Utc>, ttl: Duration) -> Result<Session, StoreError> {
    Ok(to_session(
        sessions::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(user_id),
            created_at: Set(now),
            expires_at: Set(now + ttl),
            revoked_at: Set(None),
            revoked_reason: Set(None),
        }
        .insert(conn)
        .await?,
    ))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Session, StoreError> {
    sessions::Entity::find_by_id(id).one(conn).await?.map(to_session).ok_or(StoreError::NotFound)
}

/// Stores the hash of a new refresh token of `session`; it expires with the session.
pub async fn add_refresh_token(
    conn: &impl ConnectionTrait,
    session: &Session,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    refresh_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        session_id: Set(session.id),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(session.expires_at),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

#[derive(Debug)]
pub enum Consumed {
    /// The token was current; it is now used and the caller issues the next one.
    Fresh(Session),
    /// The token had been used before: this session is now revoked.
    Reused(Uuid),
    /// Unknown token, or its session expired or was revoked.
    Invalid,
}

/// Marks the token used exactly once, even under concurrent refreshes: the conditional
/// update lets one caller win; the other sees a reuse.
pub async fn consume_refresh_token(conn: &impl ConnectionTrait, token_hash: &str, now: DateTime<Utc>) -> Result<Consumed, StoreError> {
    let Some(token) = refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(token_hash)).one(conn).await? else {
        return Ok(Consumed::Invalid);
    };
    let session = get(conn, token.session_id).await?;
    if session.revoked_at.is_some() || session.expires_at <= now || token.expires_at <= now {
        return Ok(Consumed::Invalid);
    }
    let won = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now))
        .filter(refresh_tokens::Column::Id.eq(token.id))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected
        == 1;
    if won {
        Ok(Consumed::Fresh(session))
    } else {
        revoke(conn, session.id, "refresh_token_reused", now).await?;
        Ok(Consumed::Reused(session.id))
    }
}

pub async fn revoke(conn: &impl ConnectionTrait, session_id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(sessions::Column::RevokedReason, Expr::value(reason))
        .filter(sessions::Column::Id.eq(session_id))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Ends every session of a user (password reset, deactivation). `except` keeps the caller's.
pub async fn revoke_all_for_user(
    conn: &impl ConnectionTrait,
    user_id: Uuid,
    except: Option<Uuid>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut update = sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(sessions::Column::RevokedReason, Expr::value(reason))
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(keep) = except {
        update = update.filter(sessions::Column::Id.ne(keep));
    }
    update.exec(conn).await?;
    Ok(())
}

/// Housekeeping: forgets refresh tokens and sessions that ended before `before`.
pub async fn purge_ended(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let tokens = refresh_tokens::Entity::delete_many().filter(refresh_tokens::Column::ExpiresAt.lt(before)).exec(conn).await?;
    Ok(tokens.rows_affected)
}

/// The session a refresh token (used or not) belongs to.
pub async fn session_of_refresh_token(conn: &impl ConnectionTrait, token_hash: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(token_hash)).one(conn).await?.map(|t| t.session_id))
}

/// What authenticating a request needs to know about its session and user, in one query
/// (it runs on every request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionHolder {
    pub user_id: Uuid,
    pub revoked: bool,
    pub role: Role,
    pub active: bool,
}

pub async fn holder(conn: &impl ConnectionTrait, session_id: Uuid) -> Result<SessionHolder, StoreError> {
    let query = Query::select()
        .column((sessions::Entity, sessions::Column::UserId))
        .column((sessions::Entity, sessions::Column::RevokedAt))
        .column((users::Entity, users::Column::Role))
        .column((users::Entity, users::Column::Active))
        .from(sessions::Entity)
        .inner_join(users::Entity, Expr::col((users::Entity, users::Column::Id)).equals((sessions::Entity, sessions::Column::UserId)))
        .and_where(Expr::col((sessions::Entity, sessions::Column::Id)).eq(session_id))
        .to_owned();
    let row = conn.query_one(&query).await?.ok_or(StoreError::NotFound)?;
    let role: String = row.try_get("", "role")?;
    Ok(SessionHolder {
        user_id: row.try_get("", "user_id")?,
        revoked: row.try_get::<Option<DateTime<Utc>>>("", "revoked_at")?.is_some(),
        role: Role::parse(&role).ok_or_else(|| StoreError::corrupt("users", format!("role {role:?}")))?,
        active: row.try_get("", "active")?,
    })
}
