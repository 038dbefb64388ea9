//! Portal accounts of contacts, their one-time links and their sessions.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::portal::{LinkPurpose, PortalLink, PortalRole};
use uuid::Uuid;

use crate::entities::{contacts, portal_accounts, portal_links, portal_sessions};
use crate::error::StoreError;

/// A contact's portal account, with what of the contact decides whether it may log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub contact_id: Uuid,
    pub customer_id: Uuid,
    pub role: PortalRole,
    pub password_hash: Option<String>,
    pub invited_at: Option<DateTime<Utc>>,
    pub activated_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
    pub portal_access: bool,
    pub active: bool,
}

fn to_account(a: portal_accounts::Model, c: &contacts::Model) -> Result<Account, StoreError> {
    Ok(Account {
        role: PortalRole::parse(&a.role).ok_or_else(|| StoreError::corrupt("portal_accounts", format!("{}: role", a.contact_id)))?,
        contact_id: a.contact_id,
        customer_id: c.customer_id,
        password_hash: a.password_hash,
        invited_at: a.invited_at,
        activated_at: a.activated_at,
        last_login_at: a.last_login_at,
        portal_access: c.portal_access,
        active: c.active,
    })
}

/// The contact's portal account, if staff ever gave them one.
pub async fn account(conn: &impl ConnectionTrait, contact_id: Uuid) -> Result<Option<Account>, StoreError> {
    let Some(contact) = contacts::Entity::find_by_id(contact_id).one(conn).await? else { return Ok(None) };
    match portal_accounts::Entity::find_by_id(contact_id).one(conn).await? {
        Some(a) => Ok(Some(to_account(a, &contact)?)),
        None => Ok(None),
    }
}

/// The portal accounts of the contacts with this email address (one address may serve
/// contacts of several customers).
pub async fn accounts_by_email(conn: &impl ConnectionTrait, email: &str) -> Result<Vec<Account>, StoreError> {
    let mut out = Vec::new();
    for contact in contacts::Entity::find().filter(contacts::Column::Email.eq(email)).all(conn).await? {
        if let Some(a) = portal_accounts::Entity::find_by_id(contact.id).one(conn).await? {
            out.push(to_account(a, &contact)?);
        }
    }
    Ok(out)
}

/// Gives the contact a portal account in `role` (or changes its role), marking it invited.
pub async fn invite(conn: &impl ConnectionTrait, contact_id: Uuid, role: PortalRole, now: DateTime<Utc>) -> Result<(), StoreError> {
    match portal_accounts::Entity::find_by_id(contact_id).one(conn).await? {
        Some(existing) => {
            let mut row: portal_accounts::ActiveModel = existing.into();
            row.role = Set(role.as_str().to_owned());
            row.invited_at = Set(Some(now));
            row.updated_at = Set(now);
            row.update(conn).await?;
        }
        None => {
            portal_accounts::ActiveModel {
                contact_id: Set(contact_id),
                role: Set(role.as_str().to_owned()),
                password_hash: Set(None),
                invited_at: Set(Some(now)),
                activated_at: Set(None),
                last_login_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(conn)
            .await?;
        }
    }
    Ok(())
}

/// Sets the account's password; the first one activates it.
pub async fn set_password(conn: &impl ConnectionTrait, contact_id: Uuid, hash: String, now: DateTime<Utc>) -> Result<(), StoreError> {
    let row = portal_accounts::Entity::find_by_id(contact_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    let activated = row.activated_at.unwrap_or(now);
    let mut row: portal_accounts::ActiveModel = row.into();
    row.password_hash = Set(Some(hash));
    row.activated_at = Set(Some(activated));
    row.updated_at = Set(now);
    row.update(conn).await?;
    Ok(())
}

pub async fn record_login(conn: &impl ConnectionTrait, contact_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    portal_accounts::Entity::update_many()
        .col_expr(portal_accounts::Column::LastLoginAt, Expr::value(now))
        .col_expr(
            portal_accounts::Column::ActivatedAt,
            Expr::from(Func::coalesce([Expr::col(portal_accounts::Column::ActivatedAt), Expr::value(now)])),
        )
        .filter(portal_accounts::Column::ContactId.eq(contact_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Stores a one-time link (only the digest of its token).
pub async fn create_link(
    conn: &impl ConnectionTrait,
    contact_id: Uuid,
    purpose: LinkPurpose,
    token_hash: String,
    now: DateTime<Utc>,
) -> Result<PortalLink, StoreError> {
    let row = portal_links::ActiveModel {
        id: Set(Uuid::now_v7()),
        contact_id: Set(contact_id),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(token_hash),
        created_at: Set(now),
        expires_at: Set(now + purpose.lifetime()),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    to_link(row)
}

fn to_link(m: portal_links::Model) -> Result<PortalLink, StoreError> {
    Ok(PortalLink {
        purpose: LinkPurpose::parse(&m.purpose).ok_or_else(|| StoreError::corrupt("portal_links", format!("{}: purpose", m.id)))?,
        id: m.id,
        contact_id: m.contact_id,
        expires_at: m.expires_at,
        used_at: m.used_at,
    })
}

pub async fn link_by_token_hash(conn: &impl ConnectionTrait, token_hash: &str) -> Result<Option<PortalLink>, StoreError> {
    portal_links::Entity::find().filter(portal_links::Column::TokenHash.eq(token_hash)).one(conn).await?.map(to_link).transpose()
}

/// Marks a link used; false when it was used meanwhile (two tabs redeeming one link).
pub async fn use_link(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = portal_links::Entity::update_many()
        .col_expr(portal_links::Column::UsedAt, Expr::value(now))
        .filter(portal_links::Column::Id.eq(id))
        .filter(portal_links::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Ends the links of a contact not used yet (a new invitation replaces the old one).
pub async fn void_links(conn: &impl ConnectionTrait, contact_id: Uuid, purpose: LinkPurpose, now: DateTime<Utc>) -> Result<(), StoreError> {
    portal_links::Entity::update_many()
        .col_expr(portal_links::Column::UsedAt, Expr::value(now))
        .filter(portal_links::Column::ContactId.eq(contact_id))
        .filter(portal_links::Column::Purpose.eq(purpose.as_str()))
        .filter(portal_links::Column::UsedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn create_session(conn: &impl ConnectionTrait, contact_id: Uuid, now: DateTime<Utc>, ttl: Duration) -> Result<Uuid, StoreError> {
    let id = Uuid::now_v7();
    portal_sessions::ActiveModel {
        id: Set(id),
        contact_id: Set(contact_id),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A session's holder, as every portal request checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionHolder {
    pub account: Account,
    pub expires_at: DateTime<Utc>,
    pub revoked: bool,
}

pub async fn session_holder(conn: &impl ConnectionTrait, session_id: Uuid) -> Result<Option<SessionHolder>, StoreError> {
    let Some(session) = portal_sessions::Entity::find_by_id(session_id).one(conn).await? else { return Ok(None) };
    let Some(account) = account(conn, session.contact_id).await? else { return Ok(None) };
    Ok(Some(SessionHolder { account, expires_at: session.expires_at, revoked: session.revoked_at.is_some() }))
}

pub async fn revoke_session(conn: &impl ConnectionTrait, session_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    portal_sessions::Entity::update_many()
        .col_expr(portal_sessions::Column::RevokedAt, Expr::value(now))
        .filter(portal_sessions::Column::Id.eq(session_id))
        .filter(portal_sessions::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}
