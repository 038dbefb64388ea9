//! Partners: subcontractor companies that may carry out tasks.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::Email;
use servdesk_domain::directory::Partner;
use servdesk_domain::errors::code;
use servdesk_domain::phone::PhoneNumber;
use uuid::Uuid;

use super::{email, in_use, phone};
use crate::entities::partners as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewPartner {
    pub name: String,
    pub tax_id: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub notes: Option<String>,
}

#[derive(Default)]
pub struct PartnerChanges {
    pub name: Option<String>,
    pub tax_id: Option<Option<String>>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<PhoneNumber>>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
}

fn to_partner(m: row::Model) -> Result<Partner, StoreError> {
    Ok(Partner {
        email: email("partners", m.email)?,
        phone: phone(m.phone),
        id: m.id,
        name: m.name,
        tax_id: m.tax_id,
        notes: m.notes,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub async fn create(conn: &impl ConnectionTrait, new: NewPartner, now: DateTime<Utc>) -> Result<Partner, StoreError> {
    to_partner(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name),
            tax_id: Set(new.tax_id),
            email: Set(new.email.map(|e| e.to_string())),
            phone: Set(new.phone.map(|p| p.to_string())),
            notes: Set(new.notes),
            active: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?,
    )
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Partner, StoreError> {
    to_partner(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    q: Option<&str>,
    active: Option<bool>,
    req: PageRequest,
) -> Result<Page<Partner>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        use row::Column::*;
        select = select.filter(versioned::contains_any(&[Name, Email, Phone, TaxId], q));
    }
    if let Some(active) = active {
        select = select.filter(row::Column::Active.eq(active));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_partner)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: PartnerChanges,
    now: DateTime<Utc>,
) -> Result<Partner, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.tax_id {
        u = u.col_expr(row::Column::TaxId, Expr::value(v));
    }
    if let Some(v) = changes.email {
        u = u.col_expr(row::Column::Email, Expr::value(v.map(|e| e.to_string())));
    }
    if let Some(v) = changes.phone {
        u = u.col_expr(row::Column::Phone, Expr::value(v.map(|p| p.to_string())));
    }
    if let Some(v) = changes.notes {
        u = u.col_expr(row::Column::Notes, Expr::value(v));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::PARTNER_IN_USE, "partner"))?;
    Ok(())
}
