//! Billing: contracts, billing rates, month-end billing runs and their statements.

pub mod contracts;
pub mod documents;
pub mod rates;
pub mod runs;
pub mod statements;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this area's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(contracts::configure)
        .configure(documents::configure)
        .configure(rates::configure)
        .configure(runs::configure)
        .configure(statements::configure);
}
