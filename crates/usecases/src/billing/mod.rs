//! Contracts, billing runs and their statements.

pub mod contracts;
