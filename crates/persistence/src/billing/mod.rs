//! Contracts, billing rates, billing runs and their statements.

pub mod contracts;
pub mod rates;
