//! Checking what a ticket refers to: each reference must exist and be of the right kind, and
//! customer, location, contact and equipment must agree with each other.

use servdesk_domain::dictionaries::{DictionaryKind, Entry};
use servdesk_domain::directory::Equipment;
use servdesk_domain::tickets::{SerialError, resolve_serial};
use servdesk_persistence::directory::{contacts, equipment, locations, products};
use servdesk_persistence::{ConnectionTrait, StoreError, dictionaries, teams, users};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::routes::directory::referenced;

/// The referenced entry of `kind` (422 naming `field` when there is none).
pub(crate) async fn dictionary(
    conn: &impl ConnectionTrait,
    field: &str,
    kind: DictionaryKind,
    id: Option<Uuid>,
) -> ApiResult<Option<Entry>> {
    let Some(id) = id else { return Ok(None) };
    match dictionaries::get(conn, kind, id).await {
        Err(StoreError::NotFound) => Err(ApiError::invalid_field(field, "not_found", format!("no such entry in {}", kind.as_str()))),
        other => Ok(Some(other?)),
    }
}

pub(crate) async fn team(conn: &impl ConnectionTrait, id: Option<Uuid>) -> ApiResult<()> {
    if let Some(id) = id {
        referenced("team_id", teams::get(conn, id).await)?;
    }
    Ok(())
}

pub(crate) async fn assignee(conn: &impl ConnectionTrait, id: Option<Uuid>) -> ApiResult<()> {
    if let Some(id) = id {
        let user = referenced("assignee_id", users::get(conn, id).await)?;
        if !user.active {
            return Err(ApiError::invalid_field("assignee_id", "inactive", "this user is deactivated"));
        }
    }
    Ok(())
}

/// Customer, location and contact, made consistent: the customer defaults from the contact
/// or location, and each must belong to it.
pub(crate) async fn party(
    conn: &impl ConnectionTrait,
    customer_id: Option<Uuid>,
    location_id: Option<Uuid>,
    contact_id: Option<Uuid>,
) -> ApiResult<Option<Uuid>> {
    let mut customer = customer_id;
    if let Some(id) = customer_id {
        referenced("customer_id", servdesk_persistence::directory::customers::get(conn, id).await)?;
    }
    if let Some(id) = contact_id {
        let contact = referenced("contact_id", contacts::get(conn, id).await)?;
        match customer {
            Some(c) if c != contact.customer_id => {
                return Err(ApiError::invalid_field(
                    "contact_id",
                    "contact_of_another_customer",
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
                return Err(ApiError::invalid_field(
                    "location_id",
                    "location_of_another_customer",
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
pub(crate) async fn unit(
    conn: &impl ConnectionTrait,
    equipment_id: Option<Uuid>,
    serial: Option<&str>,
    product_id: Option<Uuid>,
) -> ApiResult<(Option<Equipment>, Option<String>)> {
    if let Some(id) = equipment_id {
        let unit = referenced("equipment_id", equipment::get(conn, id).await)?;
        if serial.is_some_and(|s| s != unit.serial_number) {
            return Err(ApiError::invalid_field("serial_number", "serial_mismatch", "differs from the linked equipment's serial number"));
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
        Err(e @ SerialError::ProductRequired) | Err(e @ SerialError::Ambiguous) => {
            Err(ApiError::invalid_field("product_id", "product_required", e.to_string()))
        }
        Err(e @ SerialError::PatternMismatch(_)) => Err(ApiError::invalid_field("serial_number", "serial_pattern", e.to_string())),
    }
}
