//! Contracts, billing runs and their statements.

pub mod contracts;
pub mod runs;
pub mod statements;
