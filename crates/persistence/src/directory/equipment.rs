//! Equipment: serviced units, one serial number per product.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::directory::Equipment;
use servdesk_domain::errors::code;
use uuid::Uuid;

use super::in_use;
use crate::entities::equipment as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewEquipment {
    pub product_id: Uuid,
    pub serial_number: String,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub installed_on: Option<NaiveDate>,
    pub warranty_end: Option<NaiveDate>,
    pub warranty_end_overridden: bool,
    pub notes: Option<String>,
    pub contract_id: Option<Uuid>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
}

#[derive(Default)]
pub struct EquipmentChanges {
    pub serial_number: Option<String>,
    pub customer_id: Option<Option<Uuid>>,
    pub location_id: Option<Option<Uuid>>,
    pub installed_on: Option<Option<NaiveDate>>,
    /// The stored warranty end and whether it is an override (computed by the caller).
    pub warranty_end: Option<(Option<NaiveDate>, bool)>,
    pub notes: Option<Option<String>>,
    pub contract_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
    pub external_ref: Option<Option<String>>,
}

#[derive(Default)]
pub struct EquipmentFilter {
    /// Serial number contains it.
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

fn to_equipment(m: row::Model) -> Equipment {
    Equipment {
        id: m.id,
        product_id: m.product_id,
        serial_number: m.serial_number,
        customer_id: m.customer_id,
        location_id: m.location_id,
        installed_on: m.installed_on,
        warranty_end: m.warranty_end,
        warranty_end_overridden: m.warranty_end_overridden,
        notes: m.notes,
        contract_id: m.contract_id,
        active: m.active,
        external_ref: m.external_ref,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

fn serial_taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::conflict(code::SERIAL_NUMBER_TAKEN, "this product already has a unit with this serial number")
    } else {
        err.into()
    }
}

pub async fn create(conn: &impl ConnectionTrait, new: NewEquipment, now: DateTime<Utc>) -> Result<Equipment, StoreError> {
    Ok(to_equipment(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            product_id: Set(new.product_id),
            serial_number: Set(new.serial_number),
            customer_id: Set(new.customer_id),
            location_id: Set(new.location_id),
            installed_on: Set(new.installed_on),
            warranty_end: Set(new.warranty_end),
            warranty_end_overridden: Set(new.warranty_end_overridden),
            notes: Set(new.notes),
            contract_id: Set(new.contract_id),
            active: Set(true),
            external_ref: Set(new.external_ref),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await
        .map_err(serial_taken)?,
    ))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Equipment, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_equipment).ok_or(StoreError::NotFound)
}

/// Units with exactly this serial number (one per product at most).
pub async fn find_by_serial(conn: &impl ConnectionTrait, serial: &str) -> Result<Vec<Equipment>, StoreError> {
    let select = row::Entity::find().filter(row::Column::SerialNumber.eq(serial)).order_by_asc(row::Column::Id);
    Ok(crate::page::all_limited(conn, select, 20).await?.into_iter().map(to_equipment).collect())
}

pub async fn list(conn: &impl ConnectionTrait, filter: &EquipmentFilter, req: PageRequest) -> Result<Page<Equipment>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(r) = &filter.external_ref {
        select = select.filter(row::Column::ExternalRef.eq(r.clone()));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        select = select.filter(versioned::contains_any(&[row::Column::SerialNumber], q));
    }
    if let Some(v) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(v));
    }
    if let Some(v) = filter.product_id {
        select = select.filter(row::Column::ProductId.eq(v));
    }
    if let Some(v) = filter.contract_id {
        select = select.filter(row::Column::ContractId.eq(v));
    }
    if let Some(v) = filter.active {
        select = select.filter(row::Column::Active.eq(v));
    }
    Ok(page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.map(to_equipment))
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: EquipmentChanges,
    now: DateTime<Utc>,
) -> Result<Equipment, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.serial_number {
        u = u.col_expr(row::Column::SerialNumber, Expr::value(v));
    }
    if let Some(v) = changes.customer_id {
        u = u.col_expr(row::Column::CustomerId, Expr::value(v));
    }
    if let Some(v) = changes.location_id {
        u = u.col_expr(row::Column::LocationId, Expr::value(v));
    }
    if let Some(v) = changes.installed_on {
        u = u.col_expr(row::Column::InstalledOn, Expr::value(v));
    }
    if let Some((end, overridden)) = changes.warranty_end {
        u = u.col_expr(row::Column::WarrantyEnd, Expr::value(end)).col_expr(row::Column::WarrantyEndOverridden, Expr::value(overridden));
    }
    if let Some(v) = changes.notes {
        u = u.col_expr(row::Column::Notes, Expr::value(v));
    }
    if let Some(v) = changes.contract_id {
        u = u.col_expr(row::Column::ContractId, Expr::value(v));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, serial_taken).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::EQUIPMENT_IN_USE, "equipment"))?;
    Ok(())
}
