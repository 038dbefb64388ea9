//! Dictionary entries: one table, one kind per list. The store keeps the defaults rule:
//! making an entry the default clears the others of its scope, and the last default of a
//! scope can be replaced but not removed.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder};
use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::dictionary_entries as row;
use crate::error::{StoreError, is_foreign_key_violation};
use crate::versioned::{self, Columns};

pub struct NewEntry {
    pub kind: DictionaryKind,
    pub name: String,
    /// Last when absent.
    pub position: Option<i32>,
    pub class: Option<StatusClass>,
    pub is_default: bool,
    pub parent_id: Option<Uuid>,
    pub default_checklist: Vec<String>,
}

#[derive(Default)]
pub struct EntryChanges {
    pub name: Option<String>,
    pub position: Option<i32>,
    pub class: Option<StatusClass>,
    pub is_default: Option<bool>,
    pub parent_id: Option<Uuid>,
    pub default_checklist: Option<Vec<String>>,
    pub active: Option<bool>,
}

fn to_entry(m: row::Model) -> Result<Entry, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt("dictionary_entries", format!("{}: {what}", m.id));
    Ok(Entry {
        kind: DictionaryKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        class: m.class.as_deref().map(|c| StatusClass::parse(c).ok_or_else(|| corrupt("class"))).transpose()?,
        default_checklist: match &m.default_checklist {
            Some(json) => serde_json::from_str(json).map_err(|_| corrupt("default_checklist"))?,
            None => Vec::new(),
        },
        id: m.id,
        name: m.name,
        position: m.position,
        is_default: m.is_default,
        parent_id: m.parent_id,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn checklist(lines: &[String]) -> Option<String> {
    (!lines.is_empty()).then(|| serde_json::to_string(lines).unwrap_or_else(|_| "[]".to_owned()))
}

pub async fn list(
    conn: &impl ConnectionTrait,
    kind: DictionaryKind,
    parent_id: Option<Uuid>,
    active: Option<bool>,
) -> Result<Vec<Entry>, StoreError> {
    let mut select = row::Entity::find().filter(row::Column::Kind.eq(kind.as_str()));
    if let Some(parent) = parent_id {
        select = select.filter(row::Column::ParentId.eq(parent));
    }
    if let Some(active) = active {
        select = select.filter(row::Column::Active.eq(active));
    }
    select.order_by_asc(row::Column::Position).order_by_asc(row::Column::Id).all(conn).await?.into_iter().map(to_entry).collect()
}

/// The entry `id` if it is of `kind`.
pub async fn get(conn: &impl ConnectionTrait, kind: DictionaryKind, id: Uuid) -> Result<Entry, StoreError> {
    let m = row::Entity::find_by_id(id).filter(row::Column::Kind.eq(kind.as_str())).one(conn).await?.ok_or(StoreError::NotFound)?;
    to_entry(m)
}

async fn name_taken(
    conn: &impl ConnectionTrait,
    kind: DictionaryKind,
    name: &str,
    parent_id: Option<Uuid>,
    except: Option<Uuid>,
) -> Result<bool, StoreError> {
    let mut select = row::Entity::find()
        .filter(row::Column::Kind.eq(kind.as_str()))
        .filter(Expr::expr(Func::lower(Expr::col(row::Column::Name))).eq(name.to_lowercase()));
    if let Some(parent) = parent_id {
        select = select.filter(row::Column::ParentId.eq(parent));
    }
    if let Some(id) = except {
        select = select.filter(row::Column::Id.ne(id));
    }
    Ok(select.one(conn).await?.is_some())
}

fn name_conflict() -> StoreError {
    StoreError::conflict(code::NAME_TAKEN, "this list already has an entry with that name")
}

/// Clears the default flag of the other entries in `entry`'s default scope.
async fn clear_other_defaults(
    conn: &impl ConnectionTrait,
    kind: DictionaryKind,
    class: Option<StatusClass>,
    keep: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut update = row::Entity::update_many()
        .col_expr(row::Column::IsDefault, Expr::value(false))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Kind.eq(kind.as_str()))
        .filter(row::Column::IsDefault.eq(true))
        .filter(row::Column::Id.ne(keep));
    if kind == DictionaryKind::TicketStatus {
        update = update.filter(row::Column::Class.eq(class.map(|c| c.as_str())));
    }
    update.exec(conn).await?;
    Ok(())
}

fn default_required() -> StoreError {
    StoreError::conflict(code::DEFAULT_REQUIRED, "this is the default of its list; make another entry the default first")
}

pub async fn create(conn: &impl ConnectionTrait, new: NewEntry, now: DateTime<Utc>) -> Result<Entry, StoreError> {
    if name_taken(conn, new.kind, &new.name, new.parent_id, None).await? {
        return Err(name_conflict());
    }
    let position = match new.position {
        Some(p) => p,
        None => list(conn, new.kind, None, None).await?.iter().map(|e| e.position).max().unwrap_or(0).saturating_add(1),
    };
    let id = Uuid::now_v7();
    let created = row::ActiveModel {
        id: Set(id),
        kind: Set(new.kind.as_str().to_owned()),
        name: Set(new.name),
        position: Set(position),
        class: Set(new.class.map(|c| c.as_str().to_owned())),
        is_default: Set(new.is_default),
        parent_id: Set(new.parent_id),
        default_checklist: Set(checklist(&new.default_checklist)),
        active: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await?;
    if new.is_default {
        clear_other_defaults(conn, new.kind, new.class, id, now).await?;
    }
    to_entry(created)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    kind: DictionaryKind,
    id: Uuid,
    expected: Option<i64>,
    changes: EntryChanges,
    now: DateTime<Utc>,
) -> Result<Entry, StoreError> {
    let current = get(conn, kind, id).await?;
    versioned::expect(expected, current.version)?;
    let leaves_scope =
        changes.class.is_some_and(|c| Some(c) != current.class) || changes.active == Some(false) || changes.is_default == Some(false);
    if current.is_default && changes.is_default != Some(true) && leaves_scope {
        return Err(default_required());
    }
    if let Some(name) = &changes.name
        && name_taken(conn, kind, name, changes.parent_id.or(current.parent_id), Some(id)).await?
    {
        return Err(name_conflict());
    }
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.position {
        u = u.col_expr(row::Column::Position, Expr::value(v));
    }
    if let Some(v) = changes.class {
        u = u.col_expr(row::Column::Class, Expr::value(v.as_str()));
    }
    if let Some(v) = changes.is_default {
        u = u.col_expr(row::Column::IsDefault, Expr::value(v));
    }
    if let Some(v) = changes.parent_id {
        u = u.col_expr(row::Column::ParentId, Expr::value(v));
    }
    if let Some(v) = &changes.default_checklist {
        u = u.col_expr(row::Column::DefaultChecklist, Expr::value(checklist(v)));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    let updated = get(conn, kind, id).await?;
    if updated.is_default {
        clear_other_defaults(conn, kind, updated.class, id, now).await?;
    }
    Ok(updated)
}

/// Deletes an entry nothing refers to. The default of a list cannot go (replace it first).
pub async fn delete(conn: &impl ConnectionTrait, kind: DictionaryKind, id: Uuid) -> Result<(), StoreError> {
    if get(conn, kind, id).await?.is_default {
        return Err(default_required());
    }
    row::Entity::delete_by_id(id).exec(conn).await.map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::conflict(code::DICTIONARY_ENTRY_IN_USE, "records refer to this entry; deactivate it instead (PATCH active=false)")
        } else {
            e.into()
        }
    })?;
    Ok(())
}

/// The default entry of a list (for ticket statuses: of `class`).
pub async fn default_of(conn: &impl ConnectionTrait, kind: DictionaryKind, class: Option<StatusClass>) -> Result<Entry, StoreError> {
    let mut select = row::Entity::find().filter(row::Column::Kind.eq(kind.as_str())).filter(row::Column::IsDefault.eq(true));
    if let Some(class) = class {
        select = select.filter(row::Column::Class.eq(class.as_str()));
    }
    to_entry(select.one(conn).await?.ok_or_else(|| StoreError::corrupt("dictionary_entries", format!("no default {}", kind.as_str())))?)
}
