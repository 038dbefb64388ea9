//! Canned responses.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::canned_responses as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub use servdesk_domain::canned_responses::CannedResponse;

fn to_canned(m: row::Model) -> CannedResponse {
    CannedResponse {
        id: m.id,
        name: m.name,
        language: m.language,
        body: m.body,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

#[derive(Default)]
pub struct CannedChanges {
    pub name: Option<String>,
    pub language: Option<String>,
    pub body: Option<String>,
    pub active: Option<bool>,
}

fn taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::conflict(code::NAME_TAKEN, "a canned response with this name and language exists")
    } else {
        err.into()
    }
}

pub async fn create(
    conn: &impl ConnectionTrait,
    name: String,
    language: String,
    body: String,
    now: DateTime<Utc>,
) -> Result<CannedResponse, StoreError> {
    row::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        language: Set(language),
        body: Set(body),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map(to_canned)
    .map_err(taken)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<CannedResponse, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_canned).ok_or(StoreError::NotFound)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    language: Option<&str>,
    q: Option<&str>,
    req: PageRequest,
) -> Result<Page<CannedResponse>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(language) = language {
        select = select.filter(row::Column::Language.eq(language));
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        select = select.filter(versioned::contains_any(&[row::Column::Name, row::Column::Body], q));
    }
    Ok(page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.map(to_canned))
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: CannedChanges,
    now: DateTime<Utc>,
) -> Result<CannedResponse, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.language {
        u = u.col_expr(row::Column::Language, Expr::value(v));
    }
    if let Some(v) = changes.body {
        u = u.col_expr(row::Column::Body, Expr::value(v));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, taken).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}
