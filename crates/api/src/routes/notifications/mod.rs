//! Notifications for admins: templates per event and language, the switches that turn an
//! event off for everyone or one customer, and the outbox — plus a ticket's message
//! history for whoever sees the ticket.

pub mod dto;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(handlers::list_templates)
        .service(handlers::get_template)
        .service(handlers::put_template)
        .service(handlers::delete_template)
        .service(handlers::list_settings)
        .service(handlers::put_setting)
        .service(handlers::outbox)
        .service(handlers::get_message)
        .service(handlers::retry_message)
        .service(handlers::of_ticket);
}
