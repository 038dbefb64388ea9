//! Tickets: create, read, list, change fields, and the timeline.

pub mod actions;
pub mod comments;
pub mod dto;
pub mod events;
pub mod export;
pub mod handlers;

use utoipa_actix_web::service_config::ServiceConfig;

/// The tickets area's routes: fields, actions, comments.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.configure(handlers::configure).configure(actions::configure).configure(comments::configure);
}
