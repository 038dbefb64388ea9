//! Contracts, billing rates, billing runs and their statements.

pub mod contracts;
pub mod effective_time;
pub mod rates;
pub mod runs;
pub mod sources;
pub mod statements;
