//! Contracts and billing: money in integer minor units with its currency, calendar billing
//! periods, flat fees prorated by days, billing rates and the pricing of work.

pub mod contracts;
pub mod fees;
pub mod labour;
pub mod money;
pub mod periods;
pub mod rates;
pub mod runs;
pub mod statements;
