//! The OpenAPI document: committed copy up to date, every route protected unless listed as
//! public, every error documented as a problem.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, concrete};

/// Routes anyone may call. Everything else must answer 401 to an anonymous caller.
const PUBLIC: [(&str, &str); 16] = [
    ("GET", "/health"),
    ("GET", "/ready"),
    ("GET", "/metrics"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    // Calendar apps cannot send headers: the feed's token is in its URL.
    ("GET", "/api/v1/users/{id}/calendar.ics"),
    // The portal's ways in, and what a tracking link opens.
    ("POST", "/api/v1/portal/auth/login"),
    ("POST", "/api/v1/portal/auth/login-link"),
    ("POST", "/api/v1/portal/auth/login-link/redeem"),
    ("POST", "/api/v1/portal/auth/invitation"),
    ("GET", "/api/v1/public/tracking/{token}"),
    ("GET", "/track/{token}"),
    // Web forms: websites show and post them.
    ("GET", "/api/v1/public/forms/{slug}"),
    ("POST", "/api/v1/public/forms/{slug}/submissions"),
    ("GET", "/api/v1/public/forms/{slug}/embed.js"),
];

fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                ops.push((method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    ops
}

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = serde_json::to_string_pretty(&servdesk_api::openapi::document()).unwrap() + "\n";
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "openapi/openapi.json is out of date; regenerate it with `cargo run -q -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn every_route_but_the_public_ones_answers_401_to_an_anonymous_caller() {
    let app = TestApp::spawn().await;
    let doc: Value = app.request(Method::GET, "/api/v1/openapi.json", None).send().await.unwrap().json().await.unwrap();
    let ops = operations(&doc);
    assert!(ops.len() >= 25, "only {} operations documented", ops.len());
    for (method, path, _) in ops {
        let concrete = concrete(&path);
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let mut req = app.request(m.clone(), &concrete, None);
        if m == Method::POST || m == Method::PATCH {
            req = req.json(&json!({}));
        }
        let status = req.send().await.unwrap().status().as_u16();
        if PUBLIC.contains(&(method.as_str(), path.as_str())) {
            assert!(status != 401 && status < 500, "{method} {path} is public but answered {status}");
        } else {
            assert_eq!(status, 401, "{method} {path} must require authentication");
        }
    }
}

#[test]
fn every_operation_documents_its_errors_as_problems_and_secured_ones_their_401() {
    let doc = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["securitySchemes"]["api_key"].is_object());
    for (method, path, op) in operations(&doc) {
        let responses = op["responses"].as_object().unwrap();
        assert!(responses.contains_key("500"), "{method} {path}");
        for (status, response) in responses {
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/problem+json"]["schema"]["$ref"];
                assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}");
            }
        }
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        // A public operation says so with the empty requirement `[{}]`.
        let anonymous = op["security"] == serde_json::json!([{}]);
        assert_eq!(anonymous, public, "{method} {path}: the empty security requirement iff public");
        if !public {
            assert!(responses.contains_key("401") && responses.contains_key("403"), "{method} {path}");
        }
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has a tag");
        if let Some(body) = op.get("requestBody")
            && let Some(form) = body["content"].get("multipart/form-data")
        {
            let name = form["schema"]["$ref"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default();
            let properties = doc["components"]["schemas"][name]["properties"].as_object().cloned().unwrap_or_default();
            let binary = properties.values().any(|p| p["format"] == "binary" || p["items"]["format"] == "binary");
            assert!(binary, "{method} {path}: uploads document their file parts as binary");
        } else if let Some(body) = op.get("requestBody") {
            // JSON mostly; raw email (`message/rfc822`) for inbound mail.
            let content = body["content"].as_object().and_then(|c| c.values().next()).cloned().unwrap_or_default();
            let schema_ref = content["schema"]["$ref"].as_str().unwrap_or_default();
            let name = schema_ref.rsplit('/').next().unwrap_or_default();
            let has_example = content.get("example").is_some() || doc["components"]["schemas"][name].get("example").is_some();
            assert!(has_example, "{method} {path} request body has an example");
        }
    }
}

/// Words in backticks in error descriptions that are field or parameter names, not codes.
const NAMED_FIELDS: [&str; 7] = ["customer_id", "errors", "from", "to", "task_id", "ticket_id", "started_at"];

#[test]
fn a_route_that_documents_its_own_conflict_or_invalid_body_still_lists_the_shared_codes() {
    let doc = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    for (method, path, op) in operations(&doc) {
        if op.get("requestBody").is_none_or(|b| b.is_null()) || op["security"] == serde_json::json!([{}]) {
            continue;
        }
        let description = |status: &str| op["responses"][status]["description"].as_str().unwrap_or_default().to_owned();
        // Every authenticated write takes an Idempotency-Key and rejects NUL characters, also
        // where the route describes a 409 or 422 of its own (`external_ref_taken`, …).
        assert!(description("409").contains("`idempotency_key_in_flight`"), "{method} {path}: {}", description("409"));
        assert!(description("422").contains("`invalid_character`"), "{method} {path}: {}", description("422"));
    }
}

#[test]
fn every_code_an_error_response_documents_is_in_the_table_of_codes() {
    let doc = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let known = |name: &str| servdesk_domain::errors::problem_code(name).is_some() || servdesk_domain::errors::field_code(name).is_some();
    let mut documented = 0;
    for (method, path, op) in operations(&doc) {
        for (status, response) in op["responses"].as_object().unwrap() {
            if !status.starts_with('4') && !status.starts_with('5') {
                continue;
            }
            let description = response["description"].as_str().unwrap_or_default();
            for (i, word) in description.split('`').enumerate() {
                let quoted = i % 2 == 1 && word.chars().all(|c| c.is_ascii_lowercase() || c == '_') && !word.is_empty();
                if quoted && !NAMED_FIELDS.contains(&word) {
                    assert!(known(word), "{method} {path} {status} documents `{word}`, which is no code of servdesk_domain::errors");
                    documented += 1;
                }
            }
        }
    }
    assert!(documented > 100, "only {documented} codes documented");
    let problem_codes = doc["components"]["schemas"]["Problem"]["properties"]["code"]["description"].as_str().unwrap();
    for code in servdesk_domain::errors::code::ALL {
        assert!(problem_codes.contains(&format!("`{}`", code.as_str())), "the Problem schema does not list `{code}`");
    }
}

#[test]
fn every_operation_has_its_own_operation_id_and_every_response_a_description() {
    let doc = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let mut ids = std::collections::HashMap::new();
    for (method, path, op) in operations(&doc) {
        let id = op["operationId"].as_str().unwrap_or_default().to_owned();
        assert!(!id.is_empty(), "{method} {path} has an operationId");
        if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
            panic!("operationId {id} is used by {other} and {method} {path}");
        }
        for (status, response) in op["responses"].as_object().unwrap() {
            let description = response["description"].as_str().unwrap_or_default();
            assert!(!description.trim().is_empty(), "{method} {path} {status} has a description");
        }
    }
    assert!(doc["servers"].as_array().is_some_and(|s| !s.is_empty()));
}

/// Every `#[validate(length(…))]` / `range(…)` rule on a request field is also written into
/// the document (`#[schema(max_length = …)]` and the like), so generated clients and
/// validators know what the server refuses. Read from the source: a new field that forgets
/// its schema bound fails here.
#[test]
fn every_length_and_range_the_server_validates_is_in_the_document() {
    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    rust_files(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/api/src"), &mut files);
    let mut missing = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            let line = line.trim();
            if !line.starts_with("#[validate(") || !(line.contains("length(") || line.contains("range(")) {
                continue;
            }
            // The attributes between the rule and its field.
            let attributes: String =
                lines[i + 1..].iter().take_while(|l| l.trim().starts_with("#[") || l.trim().starts_with("///")).copied().collect();
            for (rule, keys) in [("max =", ["max_length", "max_items", "maximum"]), ("min =", ["min_length", "min_items", "minimum"])] {
                if line.contains(rule) && !keys.iter().any(|k| attributes.contains(k)) {
                    missing.push(format!("{}:{}: {line}", file.display(), i + 1));
                }
            }
        }
    }
    assert!(missing.is_empty(), "validated but not documented:\n{}", missing.join("\n"));
}
