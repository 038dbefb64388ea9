//! The directory: customers and their locations, contacts (with the caller lookup),
//! partners, products and equipment.

pub mod contacts;
pub mod customers;
pub mod equipment;
pub mod locations;
pub mod partners;
pub mod portal_accounts;
pub mod products;

use utoipa_actix_web::service_config::ServiceConfig;

pub(crate) use crate::conventions::validation::{clean, clean_patch, referenced};

/// The directory's routes. Contacts register `/contacts/lookup` before `/contacts/{id}`, which would otherwise take "lookup" for an id.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(customers::configure)
        .configure(locations::configure)
        .configure(contacts::configure)
        .configure(portal_accounts::configure)
        .configure(partners::configure)
        .configure(products::configure)
        .configure(equipment::configure);
}
