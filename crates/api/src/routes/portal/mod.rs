//! The customers' portal (`/portal/...`): a separate surface for customers' contacts, like
//! Zendesk's Requests API. A portal token never opens a staff route, nor a staff token a
//! portal route; what a contact may not see answers 404.

pub mod requests;
pub mod session;

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(cfg: &mut ServiceConfig) {
    session::configure(cfg);
    requests::configure(cfg);
}
