//! Web form definitions.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::errors::code;
use servdesk_domain::forms::{Definition, WebForm};
use uuid::Uuid;

use crate::entities::web_forms as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned;

fn corrupt(id: Uuid, e: impl std::fmt::Display) -> StoreError {
    StoreError::corrupt("web_forms", format!("{id}: {e}"))
}

fn to_form(m: row::Model) -> Result<WebForm, StoreError> {
    Ok(WebForm {
        definition: Definition {
            fields: serde_json::from_str(&m.fields).map_err(|e| corrupt(m.id, e))?,
            allowed_origins: serde_json::from_str(&m.allowed_origins).map_err(|e| corrupt(m.id, e))?,
            routing: serde_json::from_str(&m.routing).map_err(|e| corrupt(m.id, e))?,
            slug: m.slug,
            title: m.title,
            description: m.description,
            language: m.language,
            success_text: m.success_text,
            thank_you_url: m.thank_you_url,
            auto_convert: m.auto_convert,
            min_fill_seconds: m.min_fill_seconds,
            active: m.active,
        },
        id: m.id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

fn slug_taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) { StoreError::conflict(code::SLUG_TAKEN, "another web form has this slug") } else { err.into() }
}

fn fill(m: &mut row::ActiveModel, d: Definition) {
    m.slug = Set(d.slug);
    m.title = Set(d.title);
    m.description = Set(d.description);
    m.language = Set(d.language);
    m.fields = Set(json(&d.fields));
    m.allowed_origins = Set(json(&d.allowed_origins));
    m.success_text = Set(d.success_text);
    m.thank_you_url = Set(d.thank_you_url);
    m.auto_convert = Set(d.auto_convert);
    m.routing = Set(json(&d.routing));
    m.min_fill_seconds = Set(d.min_fill_seconds);
    m.active = Set(d.active);
}

pub async fn create(conn: &impl ConnectionTrait, d: Definition, now: DateTime<Utc>) -> Result<WebForm, StoreError> {
    let mut m =
        row::ActiveModel { id: Set(Uuid::now_v7()), version: Set(1), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    fill(&mut m, d);
    to_form(m.insert(conn).await.map_err(slug_taken)?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<WebForm, StoreError> {
    to_form(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The form a public URL names.
pub async fn by_slug(conn: &impl ConnectionTrait, slug: &str) -> Result<WebForm, StoreError> {
    to_form(row::Entity::find().filter(row::Column::Slug.eq(slug)).one(conn).await?.ok_or(StoreError::NotFound)?)
}

pub async fn list(conn: &impl ConnectionTrait, req: PageRequest) -> Result<Page<WebForm>, StoreError> {
    page::fetch(conn, row::Entity::find(), row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_form)
}

/// Replaces a form's definition (at `expected` version when given).
pub async fn replace(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    d: Definition,
    now: DateTime<Utc>,
) -> Result<WebForm, StoreError> {
    let current = row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let mut m: row::ActiveModel = current.into();
    fill(&mut m, d);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_form(m.update(conn).await.map_err(slug_taken)?)
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let done = row::Entity::delete_by_id(id).exec(conn).await?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
