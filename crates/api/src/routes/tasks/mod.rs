//! Tasks (work orders) of tickets: create on a ticket, read, list, and move through their
//! statuses. Every change is an event on the ticket's timeline; completing a ticket's last
//! open task closes the ticket (as the system).

pub mod dto;
pub mod export;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::upsert)
        .service(handlers::by_external_ref)
        .service(handlers::create)
        .service(handlers::of_ticket)
        .service(handlers::list)
        .service(handlers::get)
        .service(handlers::similar)
        .service(handlers::update)
        .service(handlers::change_status);
}
