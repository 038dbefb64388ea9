//! Checking what a ticket refers to: each reference must exist and be of the right kind, and
//! customer, location, contact and equipment must agree with each other.

use servdesk_domain::dictionaries::{DictionaryKind, Entry};
use servdesk_domain::directory::Equipment;
use servdesk_domain::errors::field;
use servdesk_domain::tickets::{check_assignable, resolve_serial};
use servdesk_persistence::directory::{contacts, equipment, locations, products};
use servdesk_persistence::{ConnectionTrait, StoreError, dictionaries, teams, users};
use uuid::Uuid;

use crate::error::referenced;
use crate::{Error, Result};

/// The referenced entry of `kind` (422 naming `field` when there is none).
pub async fn dictionary(conn: &impl ConnectionTrait, field: &str, kind: DictionaryKind, id: Option<Uuid>) -> Result<Option<Entry>> {
    let Some(id) = id else { return Ok(None) };
    match dictionaries::get(conn, kind, id).await {
        Err(StoreError::NotFound) => Err(Error::invalid_field(field, field::NOT_FOUND, format!("no such entry in {}", kind.as_str()))),
        other => Ok(Some(other?)),
    }
}

/// A category that work is filed under: a ticket category or a task category (what contracts
/// cover and category billing rates price). 422 naming `field` when it is neither.
pub async fn work_category(conn: &impl ConnectionTrait, field: &str, id: Uuid) -> Result<()> {
    for kind in [DictionaryKind::TaskCategory, DictionaryKind::TicketCategory] {
        match dictionaries::get(conn, kind, id).await {
            Ok(_) => return Ok(()),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::invalid_field(field, field::NOT_FOUND, "no such ticket or task category"))
}

pub async fn team(conn: &impl ConnectionTrait, id: Option<Uuid>) -> Result<()> {
    if let Some(id) = id {
        referenced("team_id", teams::get(conn, id).await)?;
    }
    Ok(())
}

/// A task's assignee: an active user who may work tasks.
pub async fn task_assignee(conn: &impl ConnectionTrait, id: Option<Uuid>) -> Result<()> {
    assignee(conn, id).await?;
    if let Some(id) = id {
        servdesk_domain::tasks::check_assignee(users::get(conn, id).await?.role).map_err(|e| Error::domain(&e))?;
    }
    Ok(())
}

/// A ticket's assignee: an active user who can see and work tickets.
pub async fn ticket_assignee(conn: &impl ConnectionTrait, id: Option<Uuid>) -> Result<()> {
    assignee(conn, id).await?;
    if let Some(id) = id {
        check_assignable(users::get(conn, id).await?.role).map_err(|e| Error::domain(&e))?;
    }
    Ok(())
}

async fn assignee(conn: &impl ConnectionTrait, id: Option<Uuid>) -> Result<()> {
    if let Some(id) = id {
        let user = referenced("assignee_id", users::get(conn, id).await)?;
        if !user.active {
            return Err(Error::invalid_field("assignee_id", field::INACTIVE, "this user is deactivated"));
        }
    }
    Ok(())
}

/// Customer, location and contact, made consistent: the customer defaults from the contact
/// or location, and each must belong to it.
pub async fn party(
    conn: &impl ConnectionTrait,
    customer_id: Option<Uuid>,
    location_id: Option<Uuid>,
    contact_id: Option<Uuid>,
) -> Result<Option<Uuid>> {
    let mut customer = customer_id;
    if let Some(id) = customer_id {
        referenced("customer_id", servdesk_persistence::directory::customers::get(conn, id).await)?;
    }
    if let Some(id) = contact_id {
        let contact = referenced("contact_id", contacts::get(conn, id).await)?;
        match customer {
            Some(c) if c != contact.customer_id => {
                return Err(Error::invalid_field(
                    "contact_id",
                    field::CONTACT_OF_ANOTHER_CUSTOMER,
                    "the contact belongs to another customer",
                ));
            }
            _ => customer = Some(contact.customer_id),
        }
    }
    if let Some(id) = location_id {
        let location = referenced("location_id", locations::get(conn, id).await)?;
        match customer {
            Some(c) if c != location.customer_id => {
                return Err(Error::invalid_field(
                    "location_id",
                    field::LOCATION_OF_ANOTHER_CUSTOMER,
                    "the location belongs to another customer",
                ));
            }
            _ => customer = Some(location.customer_id),
        }
    }
    Ok(customer)
}

/// The unit a ticket is about, from `equipment_id` or a serial number (checked against the
/// named product when unknown); the serial to keep on the ticket.
pub async fn unit(
    conn: &impl ConnectionTrait,
    equipment_id: Option<Uuid>,
    serial: Option<&str>,
    product_id: Option<Uuid>,
) -> Result<(Option<Equipment>, Option<String>)> {
    if let Some(id) = equipment_id {
        let unit = referenced("equipment_id", equipment::get(conn, id).await)?;
        if serial.is_some_and(|s| s != unit.serial_number) {
            return Err(Error::invalid_field("serial_number", field::SERIAL_MISMATCH, "differs from the linked equipment's serial number"));
        }
        let serial = unit.serial_number.clone();
        return Ok((Some(unit), Some(serial)));
    }
    let Some(serial) = serial else { return Ok((None, None)) };
    let product = match product_id {
        Some(id) => Some(referenced("product_id", products::get(conn, id).await)?),
        None => None,
    };
    let known = equipment::find_by_serial(conn, serial).await?;
    match resolve_serial(serial, &known, product.as_ref()) {
        Ok(unit) => Ok((unit.cloned(), Some(serial.to_owned()))),
        Err(e) => Err(Error::domain(&e)),
    }
}

/// Checks that everything a routing names exists (a web form's choice, a triage rule);
/// a missing one is reported at `at.team_id` and the like.
pub async fn routing(conn: &impl ConnectionTrait, at: &str, r: &servdesk_domain::forms::Routing) -> Result<()> {
    // The references name their own field; here it sits inside `at`.
    let wrap = |mut e: Error, _what: &str| {
        for f in &mut e.errors {
            f.field = format!("{at}.{}", f.field);
        }
        e
    };
    team(conn, r.team_id).await.map_err(|e| wrap(e, "team_id"))?;
    dictionary(conn, "category_id", DictionaryKind::TicketCategory, r.category_id).await.map_err(|e| wrap(e, "category_id"))?;
    dictionary(conn, "type_id", DictionaryKind::TicketType, r.type_id).await.map_err(|e| wrap(e, "type_id"))?;
    dictionary(conn, "priority_id", DictionaryKind::Priority, r.priority_id).await.map_err(|e| wrap(e, "priority_id"))?;
    Ok(())
}
