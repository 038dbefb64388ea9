//! The directory: customers and their locations, contacts (with the caller lookup),
//! partners, products and equipment.

pub mod contacts;
pub mod customers;
pub mod equipment;
pub mod locations;
pub mod partners;
pub mod products;

pub(crate) use crate::conventions::validation::{clean, clean_patch, referenced};
