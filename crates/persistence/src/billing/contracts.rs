//! Contracts: the row, its services, covered locations and categories, and its status history.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::billing::contracts::{Contract, ContractStatus, Service, ServiceKind, StatusChange};
use servdesk_domain::billing::fees::Timing;
use servdesk_domain::billing::periods::Cycle;
use servdesk_domain::numbering;
use uuid::Uuid;

use crate::entities::{contract_categories as categories, contract_locations as locations, contract_services as services};
use crate::entities::{contract_status_changes as history, contracts as row};
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::sequences;

#[derive(Default)]
pub struct ContractFilter {
    pub customer_id: Option<Uuid>,
    pub status: Option<ContractStatus>,
    /// Name or number contains it.
    pub q: Option<String>,
}

fn parse<T>(value: Option<T>, column: &str, text: &str) -> Result<T, StoreError> {
    value.ok_or_else(|| StoreError::corrupt("contracts", format!("{column} {text:?}")))
}

/// Reads the rows of `contracts` with their children, in the given order.
async fn assemble(conn: &impl ConnectionTrait, rows: Vec<row::Model>) -> Result<Vec<Contract>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut services_of: HashMap<Uuid, Vec<Service>> = HashMap::new();
    let mut locations_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let mut categories_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found = services::Entity::find()
            .filter(services::Column::ContractId.is_in(chunk.iter().copied()))
            .order_by_asc(services::Column::ContractId)
            .order_by_asc(services::Column::Position)
            .all(conn)
            .await?;
        for s in found {
            let kind = parse(ServiceKind::parse(&s.kind), "service kind", &s.kind)?;
            services_of.entry(s.contract_id).or_default().push(Service {
                id: s.id,
                kind,
                description: s.description,
                fee_minor: s.fee_minor,
            });
        }
        for l in locations::Entity::find().filter(locations::Column::ContractId.is_in(chunk.iter().copied())).all(conn).await? {
            locations_of.entry(l.contract_id).or_default().push(l.location_id);
        }
        for c in categories::Entity::find().filter(categories::Column::ContractId.is_in(chunk.iter().copied())).all(conn).await? {
            categories_of.entry(c.contract_id).or_default().push(c.category_id);
        }
    }
    rows.into_iter()
        .map(|m| {
            let mut location_ids = locations_of.remove(&m.id).unwrap_or_default();
            let mut category_ids = categories_of.remove(&m.id).unwrap_or_default();
            location_ids.sort();
            category_ids.sort();
            Ok(Contract {
                status: parse(ContractStatus::parse(&m.status), "status", &m.status)?,
                cycle: parse(Cycle::parse(&m.cycle), "cycle", &m.cycle)?,
                timing: parse(Timing::parse(&m.timing), "timing", &m.timing)?,
                services: services_of.remove(&m.id).unwrap_or_default(),
                location_ids,
                category_ids,
                id: m.id,
                number: m.number,
                customer_id: m.customer_id,
                name: m.name,
                starts_on: m.starts_on,
                ends_on: m.ends_on,
                currency: m.currency,
                included_minutes: m.included_minutes,
                hourly_rate_minor: m.hourly_rate_minor,
                notes: m.notes,
                version: m.version,
                created_at: m.created_at,
                updated_at: m.updated_at,
            })
        })
        .collect()
}

/// The next contract number, `CT-2027-000001`, issued inside the caller's transaction.
pub async fn next_number(conn: &impl ConnectionTrait, year: i32) -> Result<String, StoreError> {
    Ok(numbering::format("CT", year, sequences::next(conn, "contract", year).await?))
}

async fn write_children(conn: &impl ConnectionTrait, contract: &Contract) -> Result<(), StoreError> {
    services::Entity::delete_many().filter(services::Column::ContractId.eq(contract.id)).exec(conn).await?;
    locations::Entity::delete_many().filter(locations::Column::ContractId.eq(contract.id)).exec(conn).await?;
    categories::Entity::delete_many().filter(categories::Column::ContractId.eq(contract.id)).exec(conn).await?;
    for (position, s) in contract.services.iter().enumerate() {
        services::ActiveModel {
            id: Set(s.id),
            contract_id: Set(contract.id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            kind: Set(s.kind.as_str().to_owned()),
            description: Set(s.description.clone()),
            fee_minor: Set(s.fee_minor),
        }
        .insert(conn)
        .await?;
    }
    for location_id in &contract.location_ids {
        locations::ActiveModel { contract_id: Set(contract.id), location_id: Set(*location_id) }.insert(conn).await?;
    }
    for category_id in &contract.category_ids {
        categories::ActiveModel { contract_id: Set(contract.id), category_id: Set(*category_id) }.insert(conn).await?;
    }
    Ok(())
}

/// Inserts a new contract (id, number and timestamps set by the caller) with its children.
pub async fn insert(conn: &impl ConnectionTrait, contract: &Contract) -> Result<(), StoreError> {
    row::ActiveModel {
        id: Set(contract.id),
        number: Set(contract.number.clone()),
        customer_id: Set(contract.customer_id),
        name: Set(contract.name.clone()),
        status: Set(contract.status.as_str().to_owned()),
        starts_on: Set(contract.starts_on),
        ends_on: Set(contract.ends_on),
        cycle: Set(contract.cycle.as_str().to_owned()),
        timing: Set(contract.timing.as_str().to_owned()),
        currency: Set(contract.currency.clone()),
        included_minutes: Set(contract.included_minutes),
        hourly_rate_minor: Set(contract.hourly_rate_minor),
        notes: Set(contract.notes.clone()),
        version: Set(contract.version),
        created_at: Set(contract.created_at),
        updated_at: Set(contract.updated_at),
    }
    .insert(conn)
    .await?;
    write_children(conn, contract).await
}

/// Writes `next` over the contract at version `current.version`, unless nothing changed.
/// Returns the stored contract.
pub async fn replace(conn: &impl ConnectionTrait, current: &Contract, next: Contract, now: DateTime<Utc>) -> Result<Contract, StoreError> {
    let unchanged = Contract { version: current.version, created_at: current.created_at, updated_at: current.updated_at, ..next.clone() };
    if &unchanged == current {
        return Ok(current.clone());
    }
    let result = row::Entity::update_many()
        .col_expr(row::Column::Name, Expr::value(next.name.clone()))
        .col_expr(row::Column::Status, Expr::value(next.status.as_str()))
        .col_expr(row::Column::StartsOn, Expr::value(next.starts_on))
        .col_expr(row::Column::EndsOn, Expr::value(next.ends_on))
        .col_expr(row::Column::Cycle, Expr::value(next.cycle.as_str()))
        .col_expr(row::Column::Timing, Expr::value(next.timing.as_str()))
        .col_expr(row::Column::Currency, Expr::value(next.currency.clone()))
        .col_expr(row::Column::IncludedMinutes, Expr::value(next.included_minutes))
        .col_expr(row::Column::HourlyRateMinor, Expr::value(next.hourly_rate_minor))
        .col_expr(row::Column::Notes, Expr::value(next.notes.clone()))
        .col_expr(row::Column::Version, Expr::value(current.version + 1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(current.id))
        .filter(row::Column::Version.eq(current.version))
        .exec(conn)
        .await?;
    if result.rows_affected != 1 {
        return Err(StoreError::StaleVersion);
    }
    write_children(conn, &next).await?;
    get(conn, current.id).await
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Contract, StoreError> {
    let found = row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(assemble(conn, vec![found]).await?.remove(0))
}

/// All contracts of a customer, oldest first.
pub async fn of_customer(conn: &impl ConnectionTrait, customer_id: Uuid) -> Result<Vec<Contract>, StoreError> {
    let rows = row::Entity::find()
        .filter(row::Column::CustomerId.eq(customer_id))
        .order_by_asc(row::Column::StartsOn)
        .order_by_asc(row::Column::Id)
        .all(conn)
        .await?;
    assemble(conn, rows).await
}

/// Contracts in force (active or ended) that run on some day up to `last` and did not end
/// before `first`, of one customer or all — what a billing run bills and covers work with.
pub async fn in_force(
    conn: &impl ConnectionTrait,
    first: NaiveDate,
    last: NaiveDate,
    customer_id: Option<Uuid>,
) -> Result<Vec<Contract>, StoreError> {
    let mut select = row::Entity::find()
        .filter(row::Column::Status.is_in([ContractStatus::Active.as_str(), ContractStatus::Ended.as_str()]))
        .filter(row::Column::StartsOn.lte(last))
        .filter(sea_orm::Condition::any().add(row::Column::EndsOn.is_null()).add(row::Column::EndsOn.gte(first)));
    if let Some(customer_id) = customer_id {
        select = select.filter(row::Column::CustomerId.eq(customer_id));
    }
    let rows = select.order_by_asc(row::Column::CustomerId).order_by_asc(row::Column::StartsOn).all(conn).await?;
    assemble(conn, rows).await
}

pub async fn list(conn: &impl ConnectionTrait, filter: &ContractFilter, req: PageRequest) -> Result<Page<Contract>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(v) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(v));
    }
    if let Some(v) = filter.status {
        select = select.filter(row::Column::Status.eq(v.as_str()));
    }
    if let Some(q) = filter.q.as_deref().filter(|q| !q.trim().is_empty()) {
        select = select.filter(crate::versioned::contains_any(&[row::Column::Name, row::Column::Number], q));
    }
    let rows = page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?;
    let assembled = assemble(conn, rows.items).await?;
    Ok(Page { items: assembled, next: rows.next })
}

pub async fn record_status_change(conn: &impl ConnectionTrait, contract_id: Uuid, change: &StatusChange) -> Result<(), StoreError> {
    history::ActiveModel {
        id: Set(Uuid::now_v7()),
        contract_id: Set(contract_id),
        from_status: Set(change.from.map(|s| s.as_str().to_owned())),
        to_status: Set(change.to.as_str().to_owned()),
        effective_on: Set(change.on),
        note: Set(change.note.clone()),
        changed_by: Set(change.changed_by),
        changed_at: Set(change.changed_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// The status history, oldest first.
pub async fn status_history(conn: &impl ConnectionTrait, contract_id: Uuid) -> Result<Vec<StatusChange>, StoreError> {
    let rows =
        history::Entity::find().filter(history::Column::ContractId.eq(contract_id)).order_by_asc(history::Column::Id).all(conn).await?;
    rows.into_iter()
        .map(|h| {
            Ok(StatusChange {
                from: match h.from_status.as_deref() {
                    Some(s) => Some(parse(ContractStatus::parse(s), "from_status", s)?),
                    None => None,
                },
                to: parse(ContractStatus::parse(&h.to_status), "to_status", &h.to_status)?,
                on: h.effective_on,
                note: h.note,
                changed_by: h.changed_by,
                changed_at: h.changed_at,
            })
        })
        .collect()
}
