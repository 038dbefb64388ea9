//! The authorisation matrix: every documented route × every role. A route missing from the
//! table fails the test, so each new route states who may call it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, concrete};

const ALL: &[&str] = &["admin", "coordinator", "agent", "technician", "finance", "partner"];
const STAFF: &[&str] = &["admin", "coordinator", "agent", "technician", "finance"];
const ADMIN: &[&str] = &["admin"];
const DESK: &[&str] = &["admin", "coordinator", "agent"];
const LEADS: &[&str] = &["admin", "coordinator"];
/// Everyone who works on tasks in the field or at the desk (finance does not).
const FIELD: &[&str] = &["admin", "coordinator", "agent", "technician", "partner"];

const DIRECTORY: [&str; 6] =
    ["/api/v1/customers", "/api/v1/locations", "/api/v1/contacts", "/api/v1/partners", "/api/v1/products", "/api/v1/equipment"];

/// Who may call each route (`None`: public, no authentication).
fn allowed(method: &str, path: &str) -> Option<Option<&'static [&'static str]>> {
    Some(match (method, path) {
        ("GET", "/health" | "/ready" | "/metrics") => None,
        ("POST", "/api/v1/auth/login" | "/api/v1/auth/refresh" | "/api/v1/auth/logout") => None,
        ("GET", "/api/v1/me") | ("POST", "/api/v1/me/password") => Some(ALL),
        ("POST" | "DELETE", "/api/v1/me/calendar-token") => Some(ALL),
        ("GET", "/api/v1/users/{id}/calendar.ics") => None,
        ("GET", "/api/v1/time-entries" | "/api/v1/time-entries/{id}") => Some(ALL),
        (_, p) if p.starts_with("/api/v1/timer") || p.starts_with("/api/v1/time-entries") => Some(FIELD),
        ("GET", "/api/v1/planner") => Some(DESK),
        ("GET", "/api/v1/users" | "/api/v1/users/{id}" | "/api/v1/teams" | "/api/v1/teams/{id}") => Some(STAFF),
        (_, p) if p.starts_with("/api/v1/users") || p.starts_with("/api/v1/teams") => Some(ADMIN),
        (_, p) if p.starts_with("/api/v1/api-keys") || p.starts_with("/api/v1/jobs") => Some(ADMIN),
        ("POST", "/api/v1/inbound/email") => Some(ADMIN),
        (_, p)
            if ["/api/v1/templates", "/api/v1/notification-settings", "/api/v1/outbox", "/api/v1/messages"]
                .iter()
                .any(|a| p.starts_with(a)) =>
        {
            Some(ADMIN)
        }
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
        ("GET", "/api/v1/tasks" | "/api/v1/tasks/{id}" | "/api/v1/tasks/{id}/checklist" | "/api/v1/tasks/{id}/similar") => Some(ALL),
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
