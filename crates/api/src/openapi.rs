//! The OpenAPI 3.1 document, collected from the handlers by utoipa-actix-web (a route cannot
//! exist undocumented), completed here with the security schemes and the error responses
//! every operation shares.

use std::collections::BTreeMap;

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, OpenApi};
use utoipa_actix_web::{AppExt, scope};

use crate::error::{FieldErrorOut, PROBLEM_CONTENT_TYPE, Problem};
use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Servdesk API",
        description = "The backend of a service desk with light field service: calls, tickets, tasks, time, \
                       billing, channels. Errors are RFC 9457 problem documents with a stable `code`. \
                       Lists use cursor pagination (`limit`, `cursor`, `updated_since`). POSTs accept \
                       `Idempotency-Key`. Mutable resources carry an `ETag`; send it as `If-Match` on PATCH.",
        license(name = "AGPL-3.0-or-later")
    ),
    tags(
        (name = tags::AUTH, description = "Login, tokens and the caller"),
        (name = tags::USERS, description = "Staff accounts"),
        (name = tags::TEAMS, description = "Teams of staff"),
        (name = tags::API_KEYS, description = "API keys for integrations"),
        (name = tags::JOBS, description = "The background job queue"),
        (name = tags::DIRECTORY, description = "Customers, locations, contacts, partners, products and equipment"),
        (name = tags::CALLS, description = "Incoming calls from every channel and their triage"),
        (name = tags::TICKETS, description = "Tickets and their timeline"),
        (name = tags::TASKS, description = "Tasks (work orders) of tickets and their statuses"),
        (name = tags::TIME, description = "The stopwatch and time entries with their cost and totals"),
        (name = tags::BILLING, description = "Contracts, billing rates, month-end billing runs and their statements"),
        (name = tags::PLANNER, description = "Planned tasks by assignee, and each person's iCalendar feed"),
        (name = tags::ATTACHMENTS, description = "Files of calls, tickets and comments: metadata, download, removal"),
        (name = tags::CANNED, description = "Reply templates rendered for a ticket"),
        (name = tags::NOTIFICATIONS, description = "Notification templates and switches, the outbox of email and SMS"),
        (name = tags::DICTIONARIES, description = "Ticket statuses, priorities, categories and types; task categories and types"),
        (name = tags::OPERATIONS, description = "Health, readiness and metrics"),
        (name = tags::SYNC, description = "The change feed integrators follow to stay in sync"),
        (name = tags::WEBHOOKS, description = "Signed deliveries of events to an integrator's URL, with retries, a delivery log and redelivery"),
        (name = tags::SLA, description = "Business calendars (time zone, working hours, holidays) and the SLA policies whose clocks run on them"),
        (name = tags::REPORTS, description = "The figures a service manager runs the desk by: intake, ticket flow and backlog, response and close times, work per agent, SLA compliance; over any period, by day, week or month, as JSON or CSV"),
        (name = tags::IMPORTS, description = "Bulk imports of customers, contacts, locations, products and equipment from CSV or JSON, with a dry run and a report of the rows not taken"),
        (name = tags::FORMS, description = "Web forms that websites embed or post (admins define them; `public` serves them)"),
        (name = tags::PORTAL, description = "The customers' portal: a contact's own requests, replies, equipment and documents (a portal token)"),
        (name = tags::PUBLIC, description = "No login: tracking links of requests, web forms and their submissions")
    ),
    components(schemas(Problem, FieldErrorOut))
)]
struct Base;

/// The document as served at `/api/v1/openapi.json` and printed by `servdesk openapi`.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(Base::openapi())
        .service(scope::scope("/api/v1").configure(routes::api_v1))
        .configure(routes::operational)
        .split_for_parts();
    add_security_schemes(&mut api);
    mark_public_operations(&mut api);
    add_shared_errors(&mut api);
    describe_responses(&mut api);
    describe_error_codes(&mut api);
    drop_unused_schemas(&mut api);
    if let Some(license) = api.info.license.as_mut() {
        license.identifier = Some("AGPL-3.0-or-later".to_owned());
    }
    // Relative to where the document is served: the API and its document share an origin.
    api.servers = Some(vec![utoipa::openapi::server::ServerBuilder::new().url("/").description(Some("this server")).build()]);
    api
}

/// Operations without a security requirement are public (login, refresh, the calendar feed
/// with its token, health): say so explicitly with the empty requirement `{}`, so a reader
/// (and a linter) can tell "anyone may call this" from "forgot to say".
fn mark_public_operations(api: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    for (_, op) in operations_mut(api) {
        if op.security.as_ref().is_none_or(|s| s.is_empty()) {
            op.security = Some(vec![SecurityRequirement::default()]);
        }
    }
}

/// Every operation of the document, with its path.
fn operations_mut(api: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = (&String, &mut utoipa::openapi::path::Operation)> {
    api.paths.paths.iter_mut().flat_map(|(path, item)| {
        [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten().map(move |op| (&*path, op))
    })
}

/// Every response has a description (OpenAPI requires one): a handler that documented only
/// a status and a body gets its status's meaning.
fn describe_responses(api: &mut utoipa::openapi::OpenApi) {
    for (_, op) in operations_mut(api) {
        for (status, response) in op.responses.responses.iter_mut() {
            if let RefOr::T(response) = response
                && response.description.trim().is_empty()
            {
                response.description = status_meaning(status).to_owned();
            }
        }
    }
}

fn status_meaning(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "204" => "No content",
        "304" => "Not modified",
        "400" => "Bad request",
        "404" => "Not found",
        "409" => "Conflict",
        "422" => "Unprocessable",
        _ => "Response",
    }
}

/// Schemas no operation or schema refers to (types registered by a derive but inlined where
/// used) are left out: a generated client would carry them for nothing.
fn drop_unused_schemas(api: &mut utoipa::openapi::OpenApi) {
    loop {
        let Ok(text) = serde_json::to_string(&api.paths) else { return };
        let Some(components) = api.components.as_mut() else { return };
        let Ok(schemas_text) = serde_json::to_string(&components.schemas) else { return };
        let referenced = |name: &str| {
            let target = format!("\"#/components/schemas/{name}\"");
            text.contains(&target) || schemas_text.contains(&target)
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !matches!(name.as_str(), "Problem" | "FieldError") && !referenced(name))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}

/// Lists every code of the domain's error table on the schemas that carry them: a client
/// generated from the document sees each code with what it means, and a code the server
/// can produce is always among them (both come from `servdesk_domain::errors`).
fn describe_error_codes(api: &mut utoipa::openapi::OpenApi) {
    use servdesk_domain::errors::{Code, code, field};
    use utoipa::openapi::schema::Schema;
    let listing = |intro: &str, table: &[Code]| {
        let lines: Vec<String> = table.iter().map(|c| format!("- `{}`: {}", c.as_str(), c.summary())).collect();
        format!("{intro}\n\n{}", lines.join("\n"))
    };
    let Some(components) = api.components.as_mut() else { return };
    let targets = [
        ("Problem", listing("Stable and machine-readable: clients branch on this, never on `title` or `detail`. One of:", code::ALL)),
        ("FieldError", listing("The rule the field broke (or a validator's rule name). One of:", field::ALL)),
    ];
    for (schema, description) in targets {
        if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
            && let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut("code")
        {
            property.description = Some(description);
        }
    }
}

fn add_security_schemes(api: &mut utoipa::openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some("Access token from `POST /api/v1/auth/login`"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "api_key",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("sdk_<prefix>_<secret>")
                .description(Some("API key created by an admin at `POST /api/v1/api-keys`, sent as `Authorization: Bearer`"))
                .build(),
        ),
    );
}

/// The 404 of an operation on one resource: none with that id, or one the caller may not see.
pub struct NotFound;

impl IntoResponses for NotFound {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([("404".to_owned(), problem("`not_found`: no such resource, or one the caller may not see"))])
    }
}

/// The problems of a report's query (`/reports/...`): a period missing, malformed, backwards
/// or too long; an unknown grouping, zone, channel or format.
pub struct ReportProblems;

impl IntoResponses for ReportProblems {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([
            ("400".to_owned(), problem("`invalid_query`: neither a period nor both ends of one, or an unknown format")),
            (
                "422".to_owned(),
                problem(
                    "`validation_failed`: the period (`period`, `before_start`, `too_long`, `range`), the grouping or the \
                     channel (`unknown`), the time zone (`time_zone`)",
                ),
            ),
        ])
    }
}

/// The 412 of a write with `If-Match`: the resource changed since that version was read.
pub struct StaleVersion;

impl IntoResponses for StaleVersion {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        BTreeMap::from([("412".to_owned(), problem("`stale_version`: the resource changed since you read it; fetch it again"))])
    }
}

/// The 429 of every API operation: the caller's bucket of this class is empty.
fn rate_limited() -> RefOr<Response> {
    use utoipa::openapi::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let text = |description: &str| {
        HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::String))).description(Some(description)).build()
    };
    RefOr::T(
        ResponseBuilder::new()
            .description("`rate_limited`: too many requests of this class (reads, writes, public, inbound) from this caller; nothing was done. Retry after `Retry-After` seconds. Every API response carries `RateLimit-Policy` and `RateLimit` (IETF httpapi draft).")
            .header("Retry-After", HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::Integer))).description(Some("seconds")).build())
            .header("RateLimit-Policy", text("`\"<class>\";q=<burst>;w=<seconds to refill it>`"))
            .header("RateLimit", text("`\"<class>\";r=<requests left>;t=<seconds until full>`"))
            .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
            .build(),
    )
}

/// The 503 every operation can answer: a dependency did not answer in time.
fn unavailable() -> RefOr<Response> {
    use utoipa::openapi::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    RefOr::T(
        ResponseBuilder::new()
            .description("`database_unavailable` (or `storage_unavailable`): a dependency did not answer in time; nothing was written. Retry after `Retry-After` seconds")
            .header("Retry-After", HeaderBuilder::new().schema(Some(ObjectBuilder::new().schema_type(Type::Integer))).description(Some("seconds")).build())
            .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
            .build(),
    )
}

fn problem(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(PROBLEM_CONTENT_TYPE, ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
            .build(),
    )
}

/// Errors any operation can answer, added where the handler did not document them itself.
/// The problem codes a description names: its snake_case words in backticks (not a header
/// such as `If-Match`, nor the `errors` field).
fn codes_in(description: &str) -> Vec<&str> {
    description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| *w != "errors" && !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect()
}

fn add_shared_errors(api: &mut utoipa::openapi::OpenApi) {
    for (path, op) in operations_mut(api) {
        // Operations (health, readiness, metrics) are not rate limited; the API is.
        let limited = path.starts_with("/api/");
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty() && s.iter().any(|r| r != &Default::default()));
        let has_body = op.request_body.is_some();
        let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
        let conditional = op.parameters.as_ref().is_some_and(|p| p.iter().any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match")));
        let responses = &mut op.responses.responses;
        // A status the operation documents already keeps its own words and gains the shared
        // codes it does not name: a 409 of the route's own rule still lists the idempotency
        // conflicts. A 401 the route explains (the portal's) is its own.
        let mut add = |status: &str, description: &str| match responses.get_mut(status) {
            Some(RefOr::T(existing)) if existing.description.trim().is_empty() => existing.description = description.to_owned(),
            Some(RefOr::T(existing)) if status != "401" => {
                let missing: Vec<&str> =
                    codes_in(description).into_iter().filter(|c| !existing.description.contains(&format!("`{c}`"))).collect();
                if !missing.is_empty() {
                    let listed: Vec<String> = missing.iter().map(|c| format!("`{c}`")).collect();
                    existing.description = format!("{}; {}", existing.description.trim_end_matches('.'), listed.join(", "));
                }
            }
            Some(_) => {}
            None => {
                responses.insert(status.to_owned(), problem(description));
            }
        };
        if secured {
            add(
                "401",
                "not authenticated: `missing_credentials`, `invalid_token`, `token_expired`, `session_revoked`, `user_inactive`, `invalid_api_key`",
            );
            add("403", "`forbidden`: the caller's role or key scopes do not allow this");
        }
        if has_body {
            add("400", "`malformed_json`, `invalid_idempotency_key`");
            add("413", "`payload_too_large`");
            add("415", "`unsupported_media_type`");
            add("422", "`validation_failed` (per-field `errors`), `invalid_body`, `idempotency_key_reused`");
        } else if has_params {
            add("400", "`invalid_query`, `invalid_cursor`, `invalid_path_parameter`");
        }
        if secured && op.request_body.is_some() {
            add(
                "409",
                "`idempotency_key_in_flight`: the first request with this key is still running; `idempotent_request_carried_out`: it ran, its response was lost",
            );
        }
        if has_body || has_params {
            add("422", "`invalid_character`: a NUL character in the body, path or query");
        }
        if conditional {
            add("412", "`stale_version`: the resource changed since the version in `If-Match`; fetch it again");
        }
        add("500", "`internal_error`: logged with the request id; details hidden");
        responses.entry("503".to_owned()).or_insert_with(unavailable);
        if limited {
            responses.entry("429".to_owned()).or_insert_with(rate_limited);
        }
    }
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
    pub const BILLING: &str = "billing";
    pub const PLANNER: &str = "planner";
    pub const NOTIFICATIONS: &str = "notifications";
    pub const OPERATIONS: &str = "operations";
    pub const PORTAL: &str = "portal";
    pub const FORMS: &str = "forms";
    pub const SYNC: &str = "sync";
    pub const WEBHOOKS: &str = "webhooks";
    pub const IMPORTS: &str = "imports";
    pub const SLA: &str = "sla";
    pub const REPORTS: &str = "reports";
    pub const PUBLIC: &str = "public";
}
