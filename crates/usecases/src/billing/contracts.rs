//! Contracts: entering and changing one (its terms checked against the customer's other
//! contracts), moving it through its life with a dated history, and what it prepays.

use chrono::{Datelike, NaiveDate};
use servdesk_domain::Principal;
use servdesk_domain::billing::contracts::{self as rules, Contract, ContractStatus, Service, ServiceKind, StatusChange};
use servdesk_domain::billing::fees::{self, MonthCharge, Timing};
use servdesk_domain::billing::periods::{Cycle, Days};
use servdesk_domain::errors::field;
use servdesk_persistence::billing::contracts as store;
use servdesk_persistence::directory::{customers, locations};
use servdesk_persistence::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::error::referenced;
use crate::{Desk, Error, Result, now};

/// A flat-fee service as a request gives it.
#[derive(Debug, Clone)]
pub struct ServiceTerms {
    pub kind: ServiceKind,
    pub description: String,
    pub fee_minor: i64,
}

/// A new contract's terms.
#[derive(Debug, Clone)]
pub struct NewContract {
    pub customer_id: Uuid,
    pub name: String,
    /// `draft` or `active` (the default).
    pub status: Option<ContractStatus>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub cycle: Cycle,
    pub timing: Timing,
    /// The installation's currency when absent.
    pub currency: Option<String>,
    pub included_minutes: i64,
    pub hourly_rate_minor: Option<i64>,
    pub location_ids: Vec<Uuid>,
    pub category_ids: Vec<Uuid>,
    pub services: Vec<ServiceTerms>,
    pub notes: Option<String>,
}

/// A change of terms: what is `Some` is set (the inner `None` clears).
#[derive(Debug, Clone, Default)]
pub struct ContractChanges {
    pub name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<Option<NaiveDate>>,
    pub cycle: Option<Cycle>,
    pub timing: Option<Timing>,
    pub currency: Option<String>,
    pub included_minutes: Option<i64>,
    pub hourly_rate_minor: Option<Option<i64>>,
    pub location_ids: Option<Vec<Uuid>>,
    pub category_ids: Option<Vec<Uuid>>,
    pub services: Option<Vec<ServiceTerms>>,
    pub notes: Option<Option<String>>,
}

fn services(terms: Vec<ServiceTerms>) -> Vec<Service> {
    terms.into_iter().map(|s| Service { id: Uuid::now_v7(), kind: s.kind, description: s.description, fee_minor: s.fee_minor }).collect()
}

fn dedup(mut ids: Vec<Uuid>) -> Vec<Uuid> {
    ids.sort();
    ids.dedup();
    ids
}

/// Locations must be the customer's; categories ticket or task categories.
async fn check_references(conn: &impl ConnectionTrait, contract: &Contract) -> Result<()> {
    for (i, id) in contract.location_ids.iter().enumerate() {
        let location = referenced(&format!("location_ids[{i}]"), locations::get(conn, *id).await)?;
        if location.customer_id != contract.customer_id {
            return Err(Error::invalid_field(
                &format!("location_ids[{i}]"),
                field::LOCATION_OF_ANOTHER_CUSTOMER,
                "the location belongs to another customer",
            ));
        }
    }
    for (i, id) in contract.category_ids.iter().enumerate() {
        crate::references::work_category(conn, &format!("category_ids[{i}]"), *id).await?;
    }
    Ok(())
}

async fn check_terms(conn: &impl ConnectionTrait, contract: &Contract) -> Result<()> {
    let others = store::of_customer(conn, contract.customer_id).await?;
    rules::check_terms(contract, &others).map_err(|e| Error::domain(&e))
}

fn actor_id(principal: &Principal) -> Option<Uuid> {
    principal.user_id()
}

pub async fn create(desk: &Desk, principal: &Principal, new: NewContract) -> Result<Contract> {
    let now = now();
    let status = new.status.unwrap_or(ContractStatus::Active);
    if !matches!(status, ContractStatus::Draft | ContractStatus::Active) {
        return Err(Error::invalid_field("status", field::UNKNOWN, "a contract starts as draft or active"));
    }
    let txn = desk.db.begin().await?;
    referenced("customer_id", customers::get(&txn, new.customer_id).await)?;
    let mut contract = Contract {
        id: Uuid::now_v7(),
        number: String::new(),
        customer_id: new.customer_id,
        name: new.name,
        status,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        cycle: new.cycle,
        timing: new.timing,
        currency: new.currency.unwrap_or_else(|| desk.config.currency.clone()),
        included_minutes: new.included_minutes,
        hourly_rate_minor: new.hourly_rate_minor,
        location_ids: dedup(new.location_ids),
        category_ids: dedup(new.category_ids),
        services: services(new.services),
        notes: new.notes,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    check_references(&txn, &contract).await?;
    check_terms(&txn, &contract).await?;
    contract.number = store::next_number(&txn, now.year()).await?;
    store::insert(&txn, &contract).await?;
    let opened =
        StatusChange { from: None, to: status, on: now.date_naive(), note: None, changed_by: actor_id(principal), changed_at: now };
    store::record_status_change(&txn, contract.id, &opened).await?;
    refresh_ticket_coverage(&txn, contract.customer_id).await?;
    crate::commit(txn).await?;
    Ok(contract)
}

pub async fn change(desk: &Desk, id: Uuid, expected_version: Option<i64>, changes: ContractChanges) -> Result<Contract> {
    let now = now();
    let txn = desk.db.begin().await?;
    let current = store::get(&txn, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(Error::stale_version());
    }
    let c = current.clone();
    let next = Contract {
        name: changes.name.unwrap_or(c.name),
        starts_on: changes.starts_on.unwrap_or(c.starts_on),
        ends_on: changes.ends_on.unwrap_or(c.ends_on),
        cycle: changes.cycle.unwrap_or(c.cycle),
        timing: changes.timing.unwrap_or(c.timing),
        currency: changes.currency.unwrap_or(c.currency),
        included_minutes: changes.included_minutes.unwrap_or(c.included_minutes),
        hourly_rate_minor: changes.hourly_rate_minor.unwrap_or(c.hourly_rate_minor),
        location_ids: changes.location_ids.map(dedup).unwrap_or(c.location_ids),
        category_ids: changes.category_ids.map(dedup).unwrap_or(c.category_ids),
        // Unchanged services keep their ids; a new list is new services.
        services: match changes.services {
            Some(terms) if !same_services(&terms, &c.services) => services(terms),
            _ => c.services,
        },
        notes: changes.notes.unwrap_or(c.notes),
        ..c
    };
    check_references(&txn, &next).await?;
    check_terms(&txn, &next).await?;
    let stored = store::replace(&txn, &current, next, now).await?;
    refresh_ticket_coverage(&txn, stored.customer_id).await?;
    crate::commit(txn).await?;
    Ok(stored)
}

fn same_services(terms: &[ServiceTerms], services: &[Service]) -> bool {
    terms.len() == services.len()
        && terms.iter().zip(services).all(|(t, s)| t.kind == s.kind && t.description == s.description && t.fee_minor == s.fee_minor)
}

/// Moves a contract to `to` as of `effective_on` (today by default). Ending one without an
/// end date ends it on that day; activating a draft checks it against the customer's others.
pub async fn change_status(
    desk: &Desk,
    principal: &Principal,
    id: Uuid,
    expected_version: Option<i64>,
    to: ContractStatus,
    effective_on: Option<NaiveDate>,
    note: Option<String>,
) -> Result<Contract> {
    let now = now();
    let on = effective_on.unwrap_or_else(|| now.date_naive());
    let txn = desk.db.begin().await?;
    let current = store::get(&txn, id).await?;
    if expected_version.is_some_and(|v| v != current.version) {
        return Err(Error::stale_version());
    }
    rules::check_transition(current.status, to).map_err(|e| Error::domain(&e))?;
    let mut next = Contract { status: to, ..current.clone() };
    if to == ContractStatus::Ended {
        let end = rules::end_date_when_ended(current.ends_on, on);
        if end < current.starts_on {
            return Err(Error::invalid_field("effective_on", field::BEFORE_START, "the contract would end before it starts"));
        }
        next.ends_on = Some(end);
    }
    check_terms(&txn, &next).await?;
    let stored = store::replace(&txn, &current, next, now).await?;
    let change = StatusChange { from: Some(current.status), to, on, note, changed_by: actor_id(principal), changed_at: now };
    store::record_status_change(&txn, id, &change).await?;
    refresh_ticket_coverage(&txn, stored.customer_id).await?;
    crate::commit(txn).await?;
    Ok(stored)
}

/// One service's charge in one month.
#[derive(Debug, Clone)]
pub struct ServiceCharge {
    pub service: Service,
    pub charge: MonthCharge,
}

/// What a contract charges for a span: per service and calendar month (each with its days).
#[derive(Debug, Clone)]
pub struct Prepayment {
    pub contract: Contract,
    pub span: Days,
    pub charges: Vec<ServiceCharge>,
    pub total_minor: i64,
}

/// The amount due for any span of the contract's flat fees, whatever its status (a draft's
/// answers "what would it cost").
pub async fn prepayment(desk: &Desk, id: Uuid, span: Days) -> Result<Prepayment> {
    let contract = store::get(&desk.db, id).await?;
    let active = contract.active_days();
    let charges: Vec<ServiceCharge> = contract
        .services
        .iter()
        .flat_map(|service| {
            fees::charges(service.fee_minor, contract.cycle, active, span)
                .into_iter()
                .map(|charge| ServiceCharge { service: service.clone(), charge })
        })
        .collect();
    let total_minor = charges.iter().map(|c| c.charge.amount).sum();
    Ok(Prepayment { contract, span, charges, total_minor })
}

pub async fn history(desk: &Desk, id: Uuid) -> Result<Vec<StatusChange>> {
    store::get(&desk.db, id).await?;
    Ok(store::status_history(&desk.db, id).await?)
}

/// The contract that covers a ticket's work on `day`: through its equipment's contract, its
/// location or its category, among the customer's contracts in force.
pub async fn covering_ticket(
    conn: &impl ConnectionTrait,
    customer_id: Option<Uuid>,
    location_id: Option<Uuid>,
    equipment_id: Option<Uuid>,
    category_id: Option<Uuid>,
    day: NaiveDate,
) -> Result<Option<Uuid>> {
    let Some(customer_id) = customer_id else { return Ok(None) };
    let contracts = store::of_customer(conn, customer_id).await?;
    if contracts.is_empty() {
        return Ok(None);
    }
    let equipment_contract_id = match equipment_id {
        Some(id) => servdesk_persistence::directory::equipment::get(conn, id).await?.contract_id,
        None => None,
    };
    let work = rules::WorkScope {
        customer_id: Some(customer_id),
        location_id,
        equipment_contract_id,
        category_ids: category_id.into_iter().collect(),
    };
    Ok(rules::covering(&contracts, &work, day).map(|c| c.id))
}

/// Re-marks the coverage of a customer's open tickets after its contracts (or its units'
/// contracts) changed: a ticket
/// opened before its contract was entered is covered from then on, one whose contract ended
/// before its reported day is not.
pub async fn refresh_ticket_coverage(conn: &impl ConnectionTrait, customer_id: Uuid) -> Result<()> {
    let contracts = store::of_customer(conn, customer_id).await?;
    let now = now();
    for ticket in servdesk_persistence::tickets::coverage_of_open(conn, customer_id).await? {
        let work = rules::WorkScope {
            customer_id: Some(customer_id),
            location_id: ticket.location_id,
            equipment_contract_id: ticket.equipment_contract_id,
            category_ids: ticket.category_id.into_iter().collect(),
        };
        let covering = rules::covering(&contracts, &work, ticket.reported_on).map(|c| c.id);
        if covering != ticket.contract_id {
            servdesk_persistence::tickets::set_contract(conn, ticket.id, covering, now).await?;
        }
    }
    Ok(())
}
