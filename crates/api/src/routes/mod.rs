//! Route handlers, one module per area. Handlers only orchestrate: check the caller's
//! permission (first line, next to the route), validate, call stores inside a transaction,
//! shape the response. Every handler is registered through utoipa-actix-web, so a route
//! cannot exist without its OpenAPI operation.

pub mod api_keys;
pub mod attachments;
pub mod auth;
pub mod billing;
pub mod calls;
pub mod canned_responses;
pub mod changes;
pub mod checklists;
pub mod completion;
pub mod custom_fields;
pub mod dictionaries;
pub mod directory;
pub mod documents;
pub mod forms;
pub mod health;
pub mod imports;
pub mod inbound;
pub mod jobs;
pub mod me;
pub mod notifications;
pub mod planner;
pub mod portal;
pub mod reports;
pub mod sla;
pub mod stream;
pub mod tasks;
pub mod teams;
pub mod tickets;
pub mod time;
pub mod tracking;
pub mod users;
pub mod webhooks;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`: each area registers its own routes.
pub fn api_v1(cfg: &mut ServiceConfig) {
    // actix tries routes in registration order, and each pattern with a parameter is a regular
    // expression run against the path: the busiest areas (tickets, tasks, time, calls) come
    // first, so their requests do not first fail to match some sixty others.
    cfg.configure(tickets::configure)
        .configure(tasks::configure)
        .configure(time::configure)
        .configure(calls::configure)
        .configure(attachments::configure)
        .configure(checklists::configure)
        .configure(completion::configure)
        .configure(me::configure)
        .configure(auth::configure)
        .configure(users::configure)
        .configure(teams::configure)
        .configure(api_keys::configure)
        .configure(jobs::configure)
        .configure(directory::configure)
        .configure(dictionaries::configure)
        .configure(canned_responses::configure)
        .configure(documents::configure)
        .configure(reports::configure)
        .configure(planner::configure)
        .configure(billing::configure)
        .configure(notifications::configure)
        .configure(inbound::configure)
        .configure(forms::configure)
        .configure(changes::configure)
        .configure(stream::configure)
        .configure(webhooks::configure)
        .configure(imports::configure)
        .configure(sla::configure)
        .configure(custom_fields::configure)
        .configure(portal::configure)
        .configure(tracking::configure);
}

/// Operational endpoints at the root (load balancers and Prometheus expect them there).
pub fn operational(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(health::metrics).service(tracking::page);
}
