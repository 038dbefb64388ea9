//! The directory: customers and their locations, contacts (with the caller lookup),
//! partners, products and equipment.

pub mod contacts;
pub mod customers;
pub mod equipment;
pub mod locations;
pub mod partners;
pub mod products;

use servdesk_persistence::StoreError;

use crate::error::{ApiError, ApiResult};

/// A referenced record that does not exist is a field error of the request, not a 404 of
/// the route.
pub(crate) fn referenced<T>(field: &str, found: Result<T, StoreError>) -> ApiResult<T> {
    match found {
        Err(StoreError::NotFound) => Err(ApiError::invalid_field(field, "not_found", "no such record")),
        other => Ok(other?),
    }
}

/// Trims optional free text; blank becomes absent.
pub(crate) fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The same for a PATCH field: `null` and blank both clear it.
pub(crate) fn clean_patch(v: Option<Option<String>>) -> Option<Option<String>> {
    v.map(clean)
}
