//! The authorisation matrix: every documented route × every role, × an API key per scope,
//! generated from the OpenAPI document (a route missing from a table fails the test, so each
//! new route states who may call it); and what a caller may not see (another's task, time,
//! a hidden ticket's parts) answering 404 through every route while its owner gets it.

use reqwest::Method;
use serde_json::{Value, json};

use reqwest::multipart::{Form, Part};

use crate::attachments::PNG;
use crate::support::{TestApp, attach, concrete, create, id};

const ALL: &[&str] = &["admin", "coordinator", "agent", "technician", "finance", "partner"];
const STAFF: &[&str] = &["admin", "coordinator", "agent", "technician", "finance"];
const ADMIN: &[&str] = &["admin"];
const DESK: &[&str] = &["admin", "coordinator", "agent"];
const LEADS: &[&str] = &["admin", "coordinator"];
/// Everyone who works on tasks in the field or at the desk (finance does not).
const FIELD: &[&str] = &["admin", "coordinator", "agent", "technician", "partner"];

/// Who reads contracts, rates, runs and statements; who writes them.
const BILLING_READERS: &[&str] = &["admin", "coordinator", "finance"];
const BILLING_WRITERS: &[&str] = &["admin", "finance"];
const BILLING: [&str; 5] = ["/contracts", "/billing-rates", "/billing-runs", "/statements", "/documents"];

fn is_billing(path: &str) -> bool {
    let p = path.trim_start_matches("/api/v1");
    BILLING.iter().any(|b| p.starts_with(b))
}

const DIRECTORY: [&str; 6] =
    ["/api/v1/customers", "/api/v1/locations", "/api/v1/contacts", "/api/v1/partners", "/api/v1/products", "/api/v1/equipment"];

/// The portal's login routes, which take no token.
const PORTAL_PUBLIC: [&str; 4] = [
    "/api/v1/portal/auth/login",
    "/api/v1/portal/auth/login-link",
    "/api/v1/portal/auth/login-link/redeem",
    "/api/v1/portal/auth/invitation",
];
const NOBODY: &[&str] = &[];

/// Who may call each route (`None`: public, no authentication).
pub(crate) fn allowed(method: &str, path: &str) -> Option<Option<&'static [&'static str]>> {
    Some(match (method, path) {
        ("GET", "/health" | "/ready" | "/metrics") => None,
        ("POST", "/api/v1/auth/login" | "/api/v1/auth/refresh" | "/api/v1/auth/logout") => None,
        (_, p) if PORTAL_PUBLIC.contains(&p) || p.starts_with("/api/v1/public/") || p.starts_with("/track/") => None,
        // The portal is for customers' contacts: every staff role is refused (`staff_token`).
        (_, p) if p.starts_with("/api/v1/portal/") => Some(NOBODY),
        ("GET", "/api/v1/me") | ("POST", "/api/v1/me/password") => Some(ALL),
        ("POST", "/api/v1/tickets/{id}/documents") => Some(BILLING_WRITERS),
        ("POST" | "DELETE", "/api/v1/me/calendar-token") => Some(ALL),
        ("GET", "/api/v1/users/{id}/calendar.ics") => None,
        ("GET", "/api/v1/time-entries" | "/api/v1/time-entries/{id}") => Some(ALL),
        (_, p) if p.starts_with("/api/v1/timer") || p.starts_with("/api/v1/time-entries") => Some(FIELD),
        ("GET", "/api/v1/planner") => Some(DESK),
        ("GET", "/api/v1/reports/effective-time") => Some(BILLING_READERS),
        // Managers and finance read the desk's reports.
        ("GET", p) if p.starts_with("/api/v1/reports/") => Some(BILLING_READERS),
        ("GET", "/api/v1/users" | "/api/v1/users/{id}" | "/api/v1/teams" | "/api/v1/teams/{id}") => Some(STAFF),
        (_, p) if p.starts_with("/api/v1/users") || p.starts_with("/api/v1/teams") => Some(ADMIN),
        (_, p) if p.starts_with("/api/v1/api-keys") || p.starts_with("/api/v1/jobs") || p.starts_with("/api/v1/forms") => Some(ADMIN),
        (_, p) if p.starts_with("/api/v1/triage-rules") => Some(LEADS),
        (_, p) if p.starts_with("/api/v1/webhooks") => Some(ADMIN),
        // Imports write the directory: who writes it may import into it and read the reports.
        (_, p) if p.starts_with("/api/v1/imports") => Some(DESK),
        ("GET", p) if p.starts_with("/api/v1/custom-fields") || p.starts_with("/api/v1/sla/") => Some(ALL),
        (_, p) if p.starts_with("/api/v1/sla/") => Some(ADMIN),
        (_, p) if p.starts_with("/api/v1/custom-fields") => Some(ADMIN),
        ("POST", "/api/v1/telephony/calls") => Some(DESK),
        ("GET", "/api/v1/changes") => Some(LEADS),
        // Everyone hears what they may see.
        ("GET", "/api/v1/stream") => Some(ALL),
        ("POST", "/api/v1/inbound/email") => Some(ADMIN),
        (_, p)
            if ["/api/v1/templates", "/api/v1/notification-settings", "/api/v1/outbox", "/api/v1/messages"]
                .iter()
                .any(|a| p.starts_with(a)) =>
        {
            Some(ADMIN)
        }
        ("GET", p) if is_billing(p) => Some(BILLING_READERS),
        (_, p) if is_billing(p) => Some(BILLING_WRITERS),
        ("GET", p) if p.starts_with("/api/v1/dictionaries") => Some(ALL),
        ("GET", p) if p.starts_with("/api/v1/tickets") => Some(STAFF),
        ("POST", "/api/v1/calls/{id}/convert" | "/api/v1/calls/{id}/merge" | "/api/v1/calls/{id}/dismiss") => Some(LEADS),
        (_, p) if p.starts_with("/api/v1/calls") => Some(DESK),
        ("GET", p) if p.starts_with("/api/v1/canned-responses") => Some(STAFF),
        ("POST", "/api/v1/canned-responses/{id}/render") => Some(STAFF),
        (_, p) if p.starts_with("/api/v1/canned-responses") => Some(LEADS),
        ("POST", "/api/v1/tickets/{id}/assign" | "/api/v1/tickets/{id}/close") => Some(LEADS),
        ("POST", "/api/v1/tickets/{id}/comments" | "/api/v1/tickets/{id}/attachments") | ("DELETE", "/api/v1/attachments/{id}") => {
            Some(&["admin", "coordinator", "agent", "technician"])
        }
        ("GET", p) if p.starts_with("/api/v1/attachments") => Some(STAFF),
        ("GET", "/api/v1/tickets/{id}/documents") => Some(STAFF),
        (
            "GET",
            "/api/v1/tasks"
            | "/api/v1/tasks/{id}"
            | "/api/v1/tasks/{id}/checklist"
            | "/api/v1/tasks/{id}/similar"
            | "/api/v1/tasks/by-external-ref/{ref}",
        ) => Some(ALL),
        ("PUT", "/api/v1/tasks/by-external-ref/{ref}") => Some(DESK),
        ("POST", "/api/v1/tasks/{id}/status" | "/api/v1/tasks/{id}/checklist") | ("PATCH" | "DELETE", "/api/v1/checklist-items/{id}") => {
            Some(FIELD)
        }
        ("PATCH", "/api/v1/tasks/{id}") => Some(DESK),
        ("POST", "/api/v1/tasks/{id}/completion") => Some(FIELD),
        ("GET", "/api/v1/tasks/{id}/completion" | "/api/v1/tasks/{id}/report.pdf") => Some(ALL),
        (_, p) if p.starts_with("/api/v1/tickets") => Some(DESK),
        (_, p) if p.starts_with("/api/v1/dictionaries") => Some(ADMIN),
        (m, p) if DIRECTORY.iter().any(|d| p.starts_with(d)) => Some(match m {
            "GET" => STAFF,
            "DELETE" => LEADS,
            _ => DESK,
        }),
        _ => return None,
    })
}

#[tokio::test]
async fn every_route_answers_403_exactly_to_the_roles_it_does_not_allow() {
    let app = TestApp::spawn().await;
    let mut tokens = vec![("admin", app.admin_token().await)];
    for role in &ALL[1..] {
        tokens.push((role, app.user(role).await.1));
    }
    let doc: Value = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str())) {
            let method = method.to_uppercase();
            let rule = allowed(&method, path).unwrap_or_else(|| panic!("{method} {path} is not in the access matrix"));
            let Some(roles) = rule else { continue };
            let concrete = concrete(path);
            for (role, token) in &tokens {
                let m = Method::from_bytes(method.as_bytes()).unwrap();
                let mut req = app.request(m.clone(), &concrete, Some(token));
                if m == Method::POST || m == Method::PATCH {
                    req = req.json(&json!({}));
                }
                let status = req.send().await.unwrap().status().as_u16();
                let may = roles.contains(role);
                assert_eq!(status == 403, !may, "{role} {method} {path} answered {status}");
                assert!(status < 500, "{role} {method} {path} answered {status}");
            }
        }
    }
}

/// `GET`s `path` as `token` and returns the status.
async fn status_of(app: &TestApp, method: Method, path: &str, token: &str) -> u16 {
    let mut req = app.request(method.clone(), path, Some(token));
    if method == Method::POST || method == Method::PATCH {
        req = req.json(&json!({}));
    }
    req.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn what_a_caller_may_not_see_is_not_found_through_any_route_while_its_owner_gets_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let coordinator = app.user("coordinator").await.1;
    let agent = app.user("agent").await.1;
    let (tech_a_id, tech_a) = app.user("technician").await;
    let tech_b = app.user("technician").await.1;
    let partner_a = create(&app, &admin, "/api/v1/partners", json!({"name": "Subco A"})).await;
    let partner_b = create(&app, &admin, "/api/v1/partners", json!({"name": "Subco B"})).await;
    let (_, partner_user_a) = app.user_with("partner", json!({"partner_id": id(&partner_a)})).await;
    let (_, partner_user_b) = app.user_with("partner", json!({"partner_id": id(&partner_b)})).await;

    // A ticket the agent cannot open, with a technician's task, a partner's task, a file,
    // a comment and time.
    let hidden = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Board matter"})).await;
    let h = id(&hidden);
    let tech_task =
        create(&app, &coordinator, &format!("/api/v1/tickets/{h}/tasks"), json!({"title": "Inspect", "assignee_id": tech_a_id})).await;
    let partner_task =
        create(&app, &coordinator, &format!("/api/v1/tickets/{h}/tasks"), json!({"title": "Dig", "partner_id": id(&partner_a)})).await;
    let form = Form::new().part("file", Part::bytes(PNG.to_vec()).file_name("plate.png").mime_str("image/png").unwrap());
    let file = attach(&app, &coordinator, &h, form).await;
    create(&app, &coordinator, &format!("/api/v1/tickets/{h}/comments"), json!({"visibility": "internal", "body": "Keep quiet"})).await;
    let entry = create(
        &app,
        &tech_a,
        "/api/v1/time-entries",
        json!({"task_id": id(&tech_task), "work_date": chrono::Utc::now().date_naive(), "minutes": 30}),
    )
    .await;

    let ticket_routes: Vec<String> =
        ["", "/tasks", "/attachments", "/documents", "/events", "/comments", "/messages", "/checklist", "/similar"]
            .iter()
            .map(|suffix| format!("/api/v1/tickets/{h}{suffix}"))
            .chain([format!("/api/v1/attachments/{file}"), format!("/api/v1/attachments/{file}/content")])
            .collect();
    for path in &ticket_routes {
        assert_eq!(status_of(&app, Method::GET, path, &agent).await, 404, "agent GET {path}");
        assert_eq!(status_of(&app, Method::GET, path, &coordinator).await, 200, "coordinator GET {path}");
    }
    for (method, path) in [
        (Method::POST, format!("/api/v1/tickets/{h}/comments")),
        (Method::PATCH, format!("/api/v1/tickets/{h}")),
        (Method::POST, format!("/api/v1/tickets/{h}/status")),
        (Method::POST, format!("/api/v1/tickets/{h}/tasks")),
        (Method::DELETE, format!("/api/v1/attachments/{file}")),
    ] {
        let status = status_of(&app, method.clone(), &path, &agent).await;
        assert!(status == 404 || status == 422, "agent {method} {path}: {status}");
    }

    // Tasks: the other technician and the other partner see none of them.
    let task_routes = |task: &Value| {
        let t = id(task);
        [
            format!("/api/v1/tasks/{t}"),
            format!("/api/v1/tasks/{t}/checklist"),
            format!("/api/v1/tasks/{t}/similar"),
            format!("/api/v1/tasks/{t}/report.pdf"),
        ]
    };
    for path in task_routes(&tech_task) {
        assert_eq!(status_of(&app, Method::GET, &path, &tech_b).await, 404, "other technician GET {path}");
        assert_eq!(status_of(&app, Method::GET, &path, &tech_a).await, 200, "its technician GET {path}");
    }
    for path in task_routes(&partner_task) {
        assert_eq!(status_of(&app, Method::GET, &path, &partner_user_b).await, 404, "other partner GET {path}");
        assert_eq!(status_of(&app, Method::GET, &path, &partner_user_a).await, 200, "its partner GET {path}");
    }
    let status_path = format!("/api/v1/tasks/{}/status", id(&partner_task));
    let res = app.post(&status_path, &partner_user_b, json!({"status": "in_progress"})).await;
    assert_eq!(res.status(), 404, "another partner cannot move it");
    let listed: Value = app.get("/api/v1/tasks", &partner_user_b).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));

    // Time: another technician's entry is not theirs to read, change or remove.
    let e = id(&entry);
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let status = status_of(&app, method.clone(), &format!("/api/v1/time-entries/{e}"), &tech_b).await;
        assert_eq!(status, 404, "other technician {method} a colleague's entry");
    }
    assert_eq!(status_of(&app, Method::GET, &format!("/api/v1/time-entries/{e}"), &tech_a).await, 200);
}

/// What each API key scope lets an integration do, by the permission a route needs.
pub(crate) fn scopes_for(permission: &str) -> &'static [&'static str] {
    match permission {
        "DictionariesRead" => {
            &["tickets:read", "tickets:write", "calls:write", "billing:read", "billing:write", "sync:read", "reports:read"]
        }
        "BillingRead" => &["billing:read", "billing:write", "sync:read"],
        "BillingManage" => &["billing:write"],
        "TicketsRead" | "TasksRead" => &["tickets:read", "tickets:write", "sync:read"],
        "CallsRead" | "ChangesRead" => &["sync:read"],
        "TicketsWrite" | "TicketsComment" | "TasksWrite" | "TasksWork" => &["tickets:write"],
        "CallsCreate" => &["calls:write"],
        "DirectoryRead" => &["directory:read", "directory:write", "sync:read"],
        "DirectoryWrite" => &["directory:write"],
        "CallerLookup" => &["directory:read", "directory:write", "telephony:read", "telephony:write"],
        "TelephonyLog" => &["telephony:write"],
        "TimeRead" | "TimeReadAll" => &["billing:read", "billing:write", "sync:read"],
        "UsersRead" | "TeamsRead" => &["users:read", "sync:read"],
        "InboundEmail" => &["inbound:write"],
        "ReportsRead" => &["reports:read"],
        _ => &[],
    }
}

/// The permission each route needs (the handler's `Authorized<can::…>`), `None` for the
/// public ones and those only a person can call.
pub(crate) fn permission_of(method: &str, path: &str) -> Option<&'static str> {
    let p = path.trim_start_matches("/api/v1");
    Some(match (method, p) {
        ("GET", "/health" | "/ready" | "/metrics" | "/users/{id}/calendar.ics")
        | ("POST", "/auth/login" | "/auth/refresh" | "/auth/logout") => {
            return None;
        }
        ("GET", "/me" | "/stream") | ("POST", "/me/password") => return None,
        _ if PORTAL_PUBLIC.contains(&path) || p.starts_with("/public/") || p.starts_with("/track/") => return None,
        // No scope opens the portal: it is for customers' contacts.
        _ if p.starts_with("/portal/") => "Portal",
        ("GET", "/contacts/lookup") => "CallerLookup",
        ("POST", "/tickets/{id}/documents") => "BillingManage",
        ("GET", x) if is_billing(x) => "BillingRead",
        (_, x) if is_billing(x) => "BillingManage",
        ("POST", "/calls" | "/calls/{id}/attachments") => "CallsCreate",
        ("GET", x) if x.starts_with("/calls") => "CallsRead",
        ("POST", x) if x.starts_with("/calls") => "CallsTriage",
        (_, x) if x.starts_with("/api-keys") => "ApiKeysManage",
        (_, x) if x.starts_with("/jobs") => "JobsManage",
        (_, x) if x.starts_with("/forms") => "FormsManage",
        (_, x) if x.starts_with("/triage-rules") => "CallsTriage",
        (_, x) if x.starts_with("/webhooks") => "WebhooksManage",
        (_, x) if x.starts_with("/imports") => "DirectoryWrite",
        ("GET", x) if x.starts_with("/custom-fields") || x.starts_with("/sla/") => "DictionariesRead",
        (_, x) if x.starts_with("/sla/") => "DictionariesManage",
        (_, x) if x.starts_with("/custom-fields") => "DictionariesManage",
        ("POST", "/telephony/calls") => "TelephonyLog",
        ("GET", "/changes") => "ChangesRead",
        ("GET", x) if x.starts_with("/canned-responses") => "CannedRead",
        ("POST", "/canned-responses/{id}/render") => "CannedRead",
        (_, x) if x.starts_with("/canned-responses") => "CannedManage",
        ("GET", x) if x.starts_with("/dictionaries") => "DictionariesRead",
        (_, x) if x.starts_with("/dictionaries") => "DictionariesManage",
        ("DELETE", x) if DIRECTORY.iter().any(|d| path.starts_with(d)) && x.contains('{') => "DirectoryDelete",
        ("GET", _) if DIRECTORY.iter().any(|d| path.starts_with(d)) => "DirectoryRead",
        (_, _) if DIRECTORY.iter().any(|d| path.starts_with(d)) => "DirectoryWrite",
        ("POST", "/inbound/email") => "InboundEmail",
        (_, x) if ["/templates", "/notification-settings", "/outbox", "/messages"].iter().any(|a| x.starts_with(a)) => {
            "NotificationsManage"
        }
        ("GET", "/planner") => "PlannerRead",
        ("GET", "/reports/effective-time") => "TimeReadAll",
        ("GET", x) if x.starts_with("/reports/") => "ReportsRead",
        ("POST" | "DELETE", "/me/calendar-token") => "TasksRead",
        ("POST", "/tasks/{id}/completion" | "/tasks/{id}/checklist" | "/tasks/{id}/status")
        | ("PATCH" | "DELETE", "/checklist-items/{id}") => "TasksWork",
        ("POST", "/tickets/{id}/tasks") | ("PATCH", "/tasks/{id}") | ("PUT", "/tasks/by-external-ref/{ref}") => "TasksWrite",
        ("GET", "/tickets/{id}/tasks") => "TasksRead",
        ("GET", x) if x.starts_with("/tasks") => "TasksRead",
        ("GET", "/teams" | "/teams/{id}") => "TeamsRead",
        (_, x) if x.starts_with("/teams") => "TeamsManage",
        ("POST", "/tickets/{id}/attachments" | "/tickets/{id}/comments") | ("DELETE", "/attachments/{id}") => "TicketsComment",
        ("POST", "/tickets/{id}/assign" | "/tickets/{id}/close") => "TicketsCoordinate",
        ("GET", x) if x.starts_with("/tickets") || x.starts_with("/attachments") => "TicketsRead",
        (_, x) if x.starts_with("/tickets") => "TicketsWrite",
        ("GET", x) if x.starts_with("/time-entries") => "TimeRead",
        (_, x) if x.starts_with("/timer") || x.starts_with("/time-entries") => "TimeTrack",
        ("GET", "/users" | "/users/{id}") => "UsersRead",
        (_, x) if x.starts_with("/users") => "UsersManage",
        _ => panic!("{method} {path} is not in the key matrix"),
    })
}

/// Routes that need a person even when a scope grants their permission: they act as the
/// caller (their calendar link, taking a ticket from their team's queue, handing their ticket
/// to a colleague).
pub(crate) fn person_only(method: &str, path: &str) -> bool {
    matches!(
        (method, path.trim_start_matches("/api/v1")),
        ("POST" | "DELETE", "/me/calendar-token") | ("POST", "/tickets/{id}/claim" | "/tickets/{id}/handover")
    )
}

#[tokio::test]
async fn every_route_answers_403_exactly_to_the_api_keys_whose_scopes_do_not_allow_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let scopes = [
        "calls:write",
        "tickets:read",
        "tickets:write",
        "inbound:write",
        "telephony:read",
        "telephony:write",
        "billing:read",
        "billing:write",
        "sync:read",
        "users:read",
        "directory:read",
        "directory:write",
        "reports:read",
    ];
    let mut keys = Vec::new();
    for scope in scopes {
        let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": scope, "scopes": [scope]})).await;
        keys.push((scope, key["secret"].as_str().unwrap().to_owned()));
    }
    let doc: Value = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let mut mismatches = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "patch", "delete"].contains(&m.as_str())) {
            let method = method.to_uppercase();
            let Some(permission) = permission_of(&method, path) else { continue };
            let allowed = if person_only(&method, path) { &[][..] } else { scopes_for(permission) };
            for (scope, key) in &keys {
                let status = status_of(&app, Method::from_bytes(method.as_bytes()).unwrap(), &concrete(path), key).await;
                assert!(status < 500, "{scope} {method} {path} answered {status}");
                if (status == 403) == allowed.contains(scope) {
                    mismatches.push(format!("{scope} {method} {path} answered {status}"));
                }
            }
        }
    }
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

/// Real resources of every kind a `GET /…/{id}` route reads, created by the admin: the id to
/// put in a route, by the collection before its `{id}`.
async fn one_of_everything(app: &TestApp, admin: &str) -> std::collections::HashMap<&'static str, String> {
    let mut ids = std::collections::HashMap::new();
    let customer = create(app, admin, "/api/v1/customers", json!({"name": "Acme", "external_ref": "fixture"})).await;
    let acme = id(&customer);
    let location = create(
        app,
        admin,
        &format!("/api/v1/customers/{acme}/locations"),
        json!({"name": "Plant", "address_line": "Main 1", "city": "Kranj", "external_ref": "fixture"}),
    )
    .await;
    let contact = create(
        app,
        admin,
        "/api/v1/contacts",
        json!({"name": "Ana", "customer_id": acme, "email": "ana@acme.example", "external_ref": "fixture"}),
    )
    .await;
    create(app, admin, &format!("/api/v1/contacts/{}/portal-invitation", id(&contact)), json!({"role": "manager"})).await;
    let partner = create(app, admin, "/api/v1/partners", json!({"name": "Subcontractor"})).await;
    let product = create(app, admin, "/api/v1/products", json!({"name": "Pump", "external_ref": "fixture"})).await;
    let unit = create(
        app,
        admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "P-1", "customer_id": acme, "external_ref": "fixture"}),
    )
    .await;
    let call = create(app, admin, "/api/v1/calls", json!({"channel": "phone", "subject": "Pump leaks", "customer_id": acme})).await;
    let ticket = create(
        app,
        admin,
        "/api/v1/tickets",
        json!({"title": "Pump leaks", "customer_id": acme, "contact_id": id(&contact), "external_ref": "fixture"}),
    )
    .await;
    let task = create(
        app,
        admin,
        &format!("/api/v1/tickets/{}/tasks", id(&ticket)),
        json!({"title": "Replace the seal", "external_ref": "fixture"}),
    )
    .await;
    let file = Form::new().part("file", Part::bytes(PNG.to_vec()).file_name("photo.png").mime_str("image/png").unwrap());
    let attachment = attach(app, admin, &id(&ticket), file).await;
    let reply = json!({"visibility": "public", "body": "On our way.", "attachment_ids": [attachment]});
    create(app, admin, &format!("/api/v1/tickets/{}/comments", id(&ticket)), reply).await;
    let today = chrono::Utc::now().date_naive();
    let entry = create(app, admin, "/api/v1/time-entries", json!({"task_id": id(&task), "work_date": today, "minutes": 30})).await;
    let done = app
        .request(Method::POST, &format!("/api/v1/tasks/{}/completion", id(&task)), Some(admin))
        .multipart(Form::new().text("data", json!({"work_done": "Seal replaced"}).to_string()))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 201);
    let (user, _) = app.user("technician").await;
    let team = create(app, admin, "/api/v1/teams", json!({"name": "Field"})).await;
    let key = create(app, admin, "/api/v1/api-keys", json!({"name": "ERP", "scopes": ["billing:read"]})).await;
    let canned = create(app, admin, "/api/v1/canned-responses", json!({"name": "Thanks", "language": "en", "body": "Thank you."})).await;
    let contract = create(app, admin, "/api/v1/contracts", json!({"customer_id": acme, "name": "Support", "starts_on": "2026-01-01", "cycle": "monthly", "timing": "in_arrears", "services": [{"kind": "support", "description": "Support", "fee_minor": 1000}]})).await;
    let rate =
        create(app, admin, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 5000, "valid_from": "2020-01-01"})).await;
    let document = create(
        app,
        admin,
        &format!("/api/v1/tickets/{}/documents", id(&ticket)),
        json!({"kind": "invoice", "number": "FV/1", "issued_on": today}),
    )
    .await;
    let period = format!("{}", today.format("%Y-%m"));
    let run: Value = app.post("/api/v1/billing-runs", admin, json!({"period": period})).await.json().await.unwrap();
    app.run_jobs().await;
    let statements: Value = app.get(&format!("/api/v1/statements?run_id={}", id(&run)), admin).await.json().await.unwrap();
    let jobs: Value = app.get("/api/v1/jobs", admin).await.json().await.unwrap();
    let message = app.outbox().await.first().map(id).expect("the public reply is in the outbox");
    let category: Value = app.get("/api/v1/dictionaries/ticket-categories", admin).await.json().await.unwrap();
    let rule = create(
        app,
        admin,
        "/api/v1/triage-rules",
        json!({"name": "Spam", "conditions": {"sender_domains": ["spam.example"]}, "action": {"kind": "dismiss"}}),
    )
    .await;
    // A public address written as one: no name to resolve (the tests have no DNS), and no
    // worker runs here to deliver to it.
    let webhook = create(app, admin, "/api/v1/webhooks", json!({"url": "https://93.184.216.34/hook"})).await;
    let calendar =
        create(app, admin, "/api/v1/sla/calendars", json!({"name": "Office", "time_zone": "Europe/Ljubljana", "week": {}})).await;
    let policy =
        create(app, admin, "/api/v1/sla/policies", json!({"name": "All", "calendar_id": id(&calendar), "resolution_minutes": 480})).await;
    let import: Value = app
        .request(reqwest::Method::POST, "/api/v1/imports?kind=products&dry_run=true", Some(admin))
        .header("Content-Type", "text/csv")
        .body("name\nPump\n")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let field =
        create(app, admin, "/api/v1/custom-fields", json!({"entity": "ticket", "key": "meter", "label": "Meter", "kind": "number"})).await;
    let form = create(
        app,
        admin,
        "/api/v1/forms",
        json!({"slug": "contact", "title": "Contact", "success_text": "Thanks.",
               "fields": [{"name": "email", "label": "Email", "kind": "email", "required": true, "role": "sender_email"}]}),
    )
    .await;
    for (collection, value) in [
        ("customers", acme.clone()),
        ("locations", id(&location)),
        ("contacts", id(&contact)),
        ("partners", id(&partner)),
        ("products", id(&product)),
        ("equipment", id(&unit)),
        ("calls", id(&call["call"])),
        ("tickets", id(&ticket)),
        ("tasks", id(&task)),
        ("files", attachment.clone()),
        ("forms", id(&form)),
        ("triage-rules", id(&rule)),
        ("webhooks", id(&webhook)),
        ("imports", id(&import)),
        ("calendars", id(&calendar)),
        ("policies", id(&policy)),
        ("custom-fields", id(&field)),
        ("attachments", attachment),
        ("time-entries", id(&entry)),
        ("users", user),
        ("teams", id(&team)),
        ("api-keys", id(&key)),
        ("canned-responses", id(&canned)),
        ("contracts", id(&contract)),
        ("billing-rates", id(&rate)),
        ("billing-runs", id(&run)),
        ("statements", id(&statements["items"][0])),
        ("documents", id(&document)),
        ("jobs", id(&jobs["items"][0])),
        ("messages", message),
        ("ticket-categories", id(&category["items"][0])),
    ] {
        ids.insert(collection, value);
    }
    ids
}

/// A documented GET path with real ids (and the query a route needs).
fn real(path: &str, ids: &std::collections::HashMap<&'static str, String>) -> String {
    let segments: Vec<&str> = path.split('/').collect();
    let mut out = Vec::new();
    for (i, seg) in segments.iter().enumerate() {
        out.push(match *seg {
            "{kind}" => "ticket-categories".to_owned(),
            "{event}" => "public_reply".to_owned(),
            "{language}" => "en".to_owned(),
            // Every fixture that can carry an external reference carries this one.
            "{ref}" => "fixture".to_owned(),
            "{id}" if segments[i - 1] == "ticket-categories" || segments[i - 1] == "{kind}" => ids["ticket-categories"].clone(),
            "{id}" => ids.get(segments[i - 1]).unwrap_or_else(|| panic!("no fixture for {path}")).clone(),
            s => s.to_owned(),
        });
    }
    let query = match path {
        p if p.ends_with("/prepayment") => "?period=2026-01",
        "/api/v1/contacts/lookup" => "?email=ana@acme.example",
        "/api/v1/planner" => "?from=2026-01-01T00:00:00Z&to=2026-01-08T00:00:00Z",
        p if p.starts_with("/api/v1/reports/") => "?period=2026-01",
        _ => "",
    };
    out.join("/") + query
}

/// Roles that see every ticket (and so every resource behind one): where a route allows them,
/// it must answer 2xx with a real id. The others may get 404 for what is not theirs.
const SEES_EVERYTHING: &[&str] = &["admin", "coordinator", "finance"];

#[tokio::test]
async fn every_get_route_answers_2xx_with_real_ids_to_the_roles_that_see_everything() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ids = one_of_everything(&app, &admin).await;
    let mut tokens = vec![("admin", admin.clone())];
    for role in &ALL[1..] {
        tokens.push((role, app.user(role).await.1));
    }
    let portal = crate::portal::accept_invitation(&app, "ana@acme.example").await;
    let doc: Value = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path.ends_with("/calendar.ics") {
            continue;
        }
        let Some(Some(roles)) = allowed("GET", path) else { continue };
        let concrete = real(path, &ids);
        if path.starts_with("/api/v1/portal/") {
            // The company's manager reads every portal route with the company's real ids.
            let status = app.request(Method::GET, &concrete, Some(&portal)).send().await.unwrap().status().as_u16();
            assert!((200..300).contains(&status), "the portal manager GET {concrete} answered {status}");
            checked += 1;
        }
        for (role, token) in &tokens {
            let status = app.request(Method::GET, &concrete, Some(token)).send().await.unwrap().status().as_u16();
            let may = roles.contains(role);
            if !may {
                assert_eq!(status, 403, "{role} GET {concrete}");
            } else if SEES_EVERYTHING.contains(role) {
                assert!((200..300).contains(&status), "{role} GET {concrete} answered {status}");
                checked += 1;
            } else {
                assert!((200..300).contains(&status) || status == 404, "{role} GET {concrete} answered {status}");
            }
        }
    }
    assert!(checked > 100, "only {checked} route × role pairs checked");
}
