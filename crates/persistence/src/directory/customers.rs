//! Customers.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::Email;
use servdesk_domain::directory::{Customer, CustomerKind};
use servdesk_domain::errors::code;
use servdesk_domain::phone::PhoneNumber;
use uuid::Uuid;

use super::{email, in_use, phone};
use crate::entities::customers as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewCustomer {
    pub name: String,
    pub kind: CustomerKind,
    pub tax_id: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub billing_email: Option<Email>,
    pub billing_address: Option<String>,
    pub language: Option<String>,
    pub acknowledge_calls: bool,
    pub auto_resolve_alarms: bool,
    pub notes: Option<String>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
}

#[derive(Default)]
pub struct CustomerChanges {
    pub name: Option<String>,
    pub kind: Option<CustomerKind>,
    pub tax_id: Option<Option<String>>,
    pub email: Option<Option<Email>>,
    pub phone: Option<Option<PhoneNumber>>,
    pub billing_email: Option<Option<Email>>,
    pub billing_address: Option<Option<String>>,
    pub language: Option<Option<String>>,
    pub acknowledge_calls: Option<bool>,
    pub auto_resolve_alarms: Option<bool>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
    pub external_ref: Option<Option<String>>,
}

#[derive(Default)]
pub struct CustomerFilter {
    /// Name, email, phone or tax id contains it.
    pub q: Option<String>,
    pub kind: Option<CustomerKind>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

fn to_customer(m: row::Model) -> Result<Customer, StoreError> {
    Ok(Customer {
        kind: CustomerKind::parse(&m.kind).ok_or_else(|| StoreError::corrupt("customers", format!("{}: kind {}", m.id, m.kind)))?,
        email: email("customers", m.email)?,
        billing_email: email("customers", m.billing_email)?,
        phone: phone(m.phone),
        id: m.id,
        name: m.name,
        tax_id: m.tax_id,
        billing_address: m.billing_address,
        language: m.language,
        acknowledge_calls: m.acknowledge_calls,
        auto_resolve_alarms: m.auto_resolve_alarms,
        notes: m.notes,
        active: m.active,
        external_ref: m.external_ref,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn text<T: ToString>(v: Option<T>) -> Option<String> {
    v.map(|v| v.to_string())
}

pub async fn create(conn: &impl ConnectionTrait, new: NewCustomer, now: DateTime<Utc>) -> Result<Customer, StoreError> {
    to_customer(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name),
            kind: Set(new.kind.as_str().to_owned()),
            tax_id: Set(new.tax_id),
            email: Set(text(new.email)),
            phone: Set(text(new.phone)),
            billing_email: Set(text(new.billing_email)),
            billing_address: Set(new.billing_address),
            language: Set(new.language),
            acknowledge_calls: Set(new.acknowledge_calls),
            auto_resolve_alarms: Set(new.auto_resolve_alarms),
            notes: Set(new.notes),
            active: Set(true),
            external_ref: Set(new.external_ref),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?,
    )
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Customer, StoreError> {
    to_customer(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The names of customers by id (for exports that show them beside their ids).
pub async fn names(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, String>, StoreError> {
    crate::lookup::column_by_id::<row::Entity, String>(conn, row::Column::Id, row::Column::Name, ids).await
}

pub async fn list(conn: &impl ConnectionTrait, filter: &CustomerFilter, req: PageRequest) -> Result<Page<Customer>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(r) = &filter.external_ref {
        select = select.filter(row::Column::ExternalRef.eq(r.clone()));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        use row::Column::*;
        select = select.filter(versioned::contains_any(&[Name, Email, Phone, TaxId], q));
    }
    if let Some(kind) = filter.kind {
        select = select.filter(row::Column::Kind.eq(kind.as_str()));
    }
    if let Some(active) = filter.active {
        select = select.filter(row::Column::Active.eq(active));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_customer)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: CustomerChanges,
    now: DateTime<Utc>,
) -> Result<Customer, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.kind {
        u = u.col_expr(row::Column::Kind, Expr::value(v.as_str()));
    }
    if let Some(v) = changes.tax_id {
        u = u.col_expr(row::Column::TaxId, Expr::value(v));
    }
    if let Some(v) = changes.email {
        u = u.col_expr(row::Column::Email, Expr::value(text(v)));
    }
    if let Some(v) = changes.phone {
        u = u.col_expr(row::Column::Phone, Expr::value(text(v)));
    }
    if let Some(v) = changes.billing_email {
        u = u.col_expr(row::Column::BillingEmail, Expr::value(text(v)));
    }
    if let Some(v) = changes.billing_address {
        u = u.col_expr(row::Column::BillingAddress, Expr::value(v));
    }
    if let Some(v) = changes.language {
        u = u.col_expr(row::Column::Language, Expr::value(v));
    }
    if let Some(v) = changes.acknowledge_calls {
        u = u.col_expr(row::Column::AcknowledgeCalls, Expr::value(v));
    }
    if let Some(v) = changes.auto_resolve_alarms {
        u = u.col_expr(row::Column::AutoResolveAlarms, Expr::value(v));
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
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::CUSTOMER_IN_USE, "customer"))?;
    Ok(())
}
