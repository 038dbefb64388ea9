//! Customers' locations (sites).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::directory::Location;
use servdesk_domain::errors::code;
use uuid::Uuid;

use super::in_use;
use crate::entities::locations as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewLocation {
    pub customer_id: Uuid,
    pub name: String,
    pub address_line: String,
    pub postal_code: Option<String>,
    pub city: String,
    pub country: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub notes: Option<String>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
}

#[derive(Default)]
pub struct LocationChanges {
    pub name: Option<String>,
    pub address_line: Option<String>,
    pub postal_code: Option<Option<String>>,
    pub city: Option<String>,
    pub country: Option<Option<String>>,
    pub latitude: Option<Option<f64>>,
    pub longitude: Option<Option<f64>>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
    pub external_ref: Option<Option<String>>,
}

fn to_location(m: row::Model) -> Location {
    Location {
        id: m.id,
        customer_id: m.customer_id,
        name: m.name,
        address_line: m.address_line,
        postal_code: m.postal_code,
        city: m.city,
        country: m.country,
        latitude: m.latitude,
        longitude: m.longitude,
        notes: m.notes,
        active: m.active,
        external_ref: m.external_ref,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub async fn create(conn: &impl ConnectionTrait, new: NewLocation, now: DateTime<Utc>) -> Result<Location, StoreError> {
    Ok(to_location(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            customer_id: Set(new.customer_id),
            name: Set(new.name),
            address_line: Set(new.address_line),
            postal_code: Set(new.postal_code),
            city: Set(new.city),
            country: Set(new.country),
            latitude: Set(new.latitude),
            longitude: Set(new.longitude),
            notes: Set(new.notes),
            active: Set(true),
            external_ref: Set(new.external_ref),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(conn)
        .await?,
    ))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Location, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_location).ok_or(StoreError::NotFound)
}

pub async fn list(conn: &impl ConnectionTrait, customer_id: Uuid, req: PageRequest) -> Result<Page<Location>, StoreError> {
    let select = row::Entity::find().filter(row::Column::CustomerId.eq(customer_id));
    Ok(page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.map(to_location))
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: LocationChanges,
    now: DateTime<Utc>,
) -> Result<Location, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.address_line {
        u = u.col_expr(row::Column::AddressLine, Expr::value(v));
    }
    if let Some(v) = changes.postal_code {
        u = u.col_expr(row::Column::PostalCode, Expr::value(v));
    }
    if let Some(v) = changes.city {
        u = u.col_expr(row::Column::City, Expr::value(v));
    }
    if let Some(v) = changes.country {
        u = u.col_expr(row::Column::Country, Expr::value(v));
    }
    if let Some(v) = changes.latitude {
        u = u.col_expr(row::Column::Latitude, Expr::value(v));
    }
    if let Some(v) = changes.longitude {
        u = u.col_expr(row::Column::Longitude, Expr::value(v));
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
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::LOCATION_IN_USE, "location"))?;
    Ok(())
}
