//! Time worked: the stopwatch (`/timer`) and time entries (`/time-entries`). Every entry
//! keeps the user's cost rate of the moment and its cost; each write is an event on the
//! ticket's timeline, in the same transaction.

pub mod dto;
pub mod handlers;
pub mod report;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::running_timer)
        .service(handlers::start_timer)
        .service(handlers::stop_timer)
        .service(handlers::create_entry)
        .service(handlers::list_entries)
        .service(handlers::get_entry)
        .service(handlers::update_entry)
        .service(handlers::delete_entry)
        .service(report::effective_time);
}
