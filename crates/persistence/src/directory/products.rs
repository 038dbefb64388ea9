//! Products: equipment models with their warranty and serial-number format.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::directory::{Product, SerialPattern};
use servdesk_domain::errors::code;
use uuid::Uuid;

use super::in_use;
use crate::entities::products as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewProduct {
    pub name: String,
    pub sku: Option<String>,
    pub default_warranty_months: u32,
    pub serial_pattern: Option<SerialPattern>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
}

#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub sku: Option<Option<String>>,
    pub default_warranty_months: Option<u32>,
    pub serial_pattern: Option<Option<SerialPattern>>,
    pub active: Option<bool>,
    pub external_ref: Option<Option<String>>,
}

fn to_product(m: row::Model) -> Result<Product, StoreError> {
    Ok(Product {
        serial_pattern: m
            .serial_pattern
            .as_deref()
            .map(SerialPattern::parse)
            .transpose()
            .map_err(|e| StoreError::corrupt("products", format!("{}: {e}", m.id)))?,
        default_warranty_months: u32::try_from(m.default_warranty_months).unwrap_or(0),
        id: m.id,
        name: m.name,
        sku: m.sku,
        active: m.active,
        external_ref: m.external_ref,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn sku_taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) { StoreError::conflict(code::SKU_TAKEN, "a product with this SKU already exists") } else { err.into() }
}

fn months(m: u32) -> i32 {
    i32::try_from(m).unwrap_or(i32::MAX)
}

pub async fn create(conn: &impl ConnectionTrait, new: NewProduct, now: DateTime<Utc>) -> Result<Product, StoreError> {
    to_product(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name),
            sku: Set(new.sku),
            default_warranty_months: Set(months(new.default_warranty_months)),
            serial_pattern: Set(new.serial_pattern.map(|p| p.as_str().to_owned())),
            active: Set(true),
            external_ref: Set(new.external_ref),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await
        .map_err(sku_taken)?,
    )
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Product, StoreError> {
    to_product(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    q: Option<&str>,
    active: Option<bool>,
    external_ref: Option<&str>,
    req: PageRequest,
) -> Result<Page<Product>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(r) = external_ref {
        select = select.filter(row::Column::ExternalRef.eq(r));
    }
    if let Some(q) = q.filter(|q| !q.trim().is_empty()) {
        select = select.filter(versioned::contains_any(&[row::Column::Name, row::Column::Sku], q));
    }
    if let Some(active) = active {
        select = select.filter(row::Column::Active.eq(active));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_product)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: ProductChanges,
    now: DateTime<Utc>,
) -> Result<Product, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.sku {
        u = u.col_expr(row::Column::Sku, Expr::value(v));
    }
    if let Some(v) = changes.default_warranty_months {
        u = u.col_expr(row::Column::DefaultWarrantyMonths, Expr::value(months(v)));
    }
    if let Some(v) = changes.serial_pattern {
        u = u.col_expr(row::Column::SerialPattern, Expr::value(v.map(|p| p.as_str().to_owned())));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, sku_taken).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::PRODUCT_IN_USE, "product"))?;
    Ok(())
}
