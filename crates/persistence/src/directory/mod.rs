//! The directory's stores: customers, their locations and contacts, partners, products and
//! equipment. Rows come back as the domain's types.

pub mod contacts;
pub mod customers;
pub mod equipment;
pub mod locations;
pub mod partners;
pub mod products;

use servdesk_domain::Email;
use servdesk_domain::phone::PhoneNumber;

use crate::error::StoreError;

pub(crate) fn email(table: &str, raw: Option<String>) -> Result<Option<Email>, StoreError> {
    raw.map(|e| Email::parse(&e).map_err(|err| StoreError::corrupt(table, format!("{e}: {err}")))).transpose()
}

pub(crate) fn phone(raw: Option<String>) -> Option<PhoneNumber> {
    raw.map(PhoneNumber::from_e164)
}

/// 409 when rows elsewhere still refer to the one being deleted.
pub(crate) fn in_use(code: servdesk_domain::errors::Code, what: &str) -> impl FnOnce(sea_orm::DbErr) -> StoreError {
    let message = format!("records refer to this {what}; deactivate it instead (PATCH active=false)");
    move |err| if crate::error::is_foreign_key_violation(&err) { StoreError::conflict(code, message) } else { err.into() }
}
