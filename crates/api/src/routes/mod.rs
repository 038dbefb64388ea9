//! Route handlers, one module per area. Handlers only orchestrate: check the caller's
//! permission (first line, next to the route), validate, call stores inside a transaction,
//! shape the response. Every handler is registered through utoipa-actix-web, so a route
//! cannot exist without its OpenAPI operation.

pub mod api_keys;
pub mod attachments;
pub mod auth;
pub mod calls;
pub mod canned_responses;
pub mod checklists;
pub mod completion;
pub mod dictionaries;
pub mod directory;
pub mod health;
pub mod inbound;
pub mod jobs;
pub mod me;
pub mod notifications;
pub mod planner;
pub mod reports;
pub mod tasks;
pub mod teams;
pub mod tickets;
pub mod time;
pub mod users;

use utoipa_actix_web::service_config::ServiceConfig;

/// Everything under `/api/v1`.
pub fn api_v1(cfg: &mut ServiceConfig) {
    cfg.service(auth::login)
        .service(auth::refresh)
        .service(auth::logout)
        .service(me::get_me)
        .service(me::change_password)
        .service(users::list)
        .service(users::create)
        .service(users::get)
        .service(users::patch)
        .service(users::delete)
        .service(users::reset_password)
        .service(teams::list)
        .service(teams::create)
        .service(teams::get)
        .service(teams::patch)
        .service(teams::delete)
        .service(teams::add_member)
        .service(teams::remove_member)
        .service(api_keys::list)
        .service(api_keys::create)
        .service(api_keys::get)
        .service(api_keys::revoke)
        .service(jobs::list)
        .service(jobs::get)
        .service(jobs::retry)
        .configure(directory_routes)
        .service(dictionaries::list)
        .service(dictionaries::create)
        .service(dictionaries::get)
        .service(dictionaries::patch)
        .service(dictionaries::delete)
        .service(tickets::handlers::create)
        .service(tickets::handlers::list)
        .service(tickets::handlers::get)
        .service(tickets::handlers::update)
        .service(tickets::handlers::events)
        .service(tickets::handlers::similar)
        .service(tickets::actions::change_status)
        .service(tickets::actions::assign)
        .service(tickets::actions::claim)
        .service(tickets::actions::handover)
        .service(tickets::actions::close)
        .service(tickets::actions::reopen)
        .service(tickets::comments::create)
        .service(tickets::comments::list)
        .service(calls::intake::create)
        .service(calls::triage::list)
        .service(calls::triage::get)
        .service(calls::triage::convert_call)
        .service(calls::triage::merge)
        .service(calls::triage::dismiss)
        .service(canned_responses::list)
        .service(canned_responses::create)
        .service(canned_responses::get)
        .service(canned_responses::update)
        .service(canned_responses::delete)
        .service(canned_responses::render)
        .service(attachments::upload_to_ticket)
        .service(attachments::list_for_ticket)
        .service(attachments::upload_to_call)
        .service(attachments::list_for_call)
        .service(attachments::get)
        .service(attachments::content)
        .service(attachments::remove)
        .service(tasks::create)
        .service(tasks::of_ticket)
        .service(tasks::list)
        .service(tasks::get)
        .service(tasks::similar)
        .service(completion::complete)
        .service(completion::get_completion)
        .service(reports::report)
        .service(reports::ticket_documents)
        .service(tasks::update)
        .service(tasks::change_status)
        .service(checklists::of_ticket)
        .service(checklists::add_to_ticket)
        .service(checklists::of_task)
        .service(checklists::add_to_task)
        .service(checklists::change)
        .service(checklists::remove)
        .service(time::running_timer)
        .service(time::start_timer)
        .service(time::stop_timer)
        .service(time::create_entry)
        .service(time::list_entries)
        .service(time::get_entry)
        .service(time::update_entry)
        .service(time::delete_entry)
        .service(planner::planner)
        .service(planner::issue_feed_token)
        .service(planner::revoke_own_feed_token)
        .service(planner::revoke_feed_token)
        .service(planner::feed)
        .service(notifications::list_templates)
        .service(notifications::get_template)
        .service(notifications::put_template)
        .service(notifications::delete_template)
        .service(notifications::list_settings)
        .service(notifications::put_setting)
        .service(notifications::outbox)
        .service(notifications::get_message)
        .service(notifications::retry_message)
        .service(notifications::of_ticket)
        .service(inbound::receive_email);
}

fn directory_routes(cfg: &mut ServiceConfig) {
    use directory::{contacts, customers, equipment, locations, partners, products};
    cfg.service(customers::list)
        .service(customers::create)
        .service(customers::get)
        .service(customers::patch)
        .service(customers::delete)
        .service(locations::list)
        .service(locations::create)
        .service(locations::get)
        .service(locations::patch)
        .service(locations::delete)
        // Before `/contacts/{id}`, which would otherwise take "lookup" for an id.
        .service(contacts::lookup)
        .service(contacts::list)
        .service(contacts::create)
        .service(contacts::get)
        .service(contacts::patch)
        .service(contacts::delete)
        .service(partners::list)
        .service(partners::create)
        .service(partners::get)
        .service(partners::patch)
        .service(partners::delete)
        .service(products::list)
        .service(products::create)
        .service(products::get)
        .service(products::patch)
        .service(products::delete)
        .service(equipment::list)
        .service(equipment::create)
        .service(equipment::get)
        .service(equipment::patch)
        .service(equipment::delete);
}

/// Operational endpoints at the root (load balancers and Prometheus expect them there).
pub fn operational(cfg: &mut ServiceConfig) {
    cfg.service(health::health).service(health::ready).service(health::metrics);
}

/// Tags of the OpenAPI document, one per area.
pub mod tags {
    pub const AUTH: &str = "auth";
    pub const USERS: &str = "users";
    pub const TEAMS: &str = "teams";
    pub const API_KEYS: &str = "api-keys";
    pub const JOBS: &str = "jobs";
    pub const DIRECTORY: &str = "directory";
    pub const DICTIONARIES: &str = "dictionaries";
    pub const TICKETS: &str = "tickets";
    pub const CALLS: &str = "calls";
    pub const CANNED: &str = "canned-responses";
    pub const ATTACHMENTS: &str = "attachments";
    pub const TASKS: &str = "tasks";
    pub const TIME: &str = "time";
    pub const PLANNER: &str = "planner";
    pub const NOTIFICATIONS: &str = "notifications";
    pub const OPERATIONS: &str = "operations";
}
