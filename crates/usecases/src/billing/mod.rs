//! Contracts, billing runs and their statements.

pub mod contracts;
pub mod documents;
pub mod runs;
pub mod statements;
