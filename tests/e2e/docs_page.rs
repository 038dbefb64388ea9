//! Swagger UI at `/docs`, driven in a real browser (Debian's Chromium through playwright-core,
//! installed by `.ci/run` with `npm ci --prefix tests/browser`): it shows every documented
//! route, and "Try it out" with a bearer token calls the API and shows the answer.

use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::support::{ADMIN_EMAIL, TestApp};

#[tokio::test]
async fn swagger_ui_shows_every_route_and_try_it_out_works_with_a_token() {
    let app = TestApp::spawn().await;
    let doc: Value = app.request(Method::GET, "/api/v1/openapi.json", None).send().await.unwrap().json().await.unwrap();
    let page = app.request(Method::GET, "/docs/", None).send().await.unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let token = app.admin_token().await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/swagger_try_it_out.js");
    let base = app.base.clone();
    // The browser blocks, so it runs on the blocking pool while the server keeps serving.
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(&script).arg(&base).arg(&token).output().unwrap_or_else(|e| {
            panic!("cannot run node ({e}); the browser test needs Node.js, Debian's chromium and `npm ci --prefix tests/browser` (.ci/run does all three)")
        })
    })
    .await
    .unwrap();
    assert!(output.status.success(), "browser run failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let shown: Vec<&str> = result["paths"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(shown.contains(&path.as_str()), "{path} is shown in Swagger UI");
    }
    assert_eq!(result["status"], "200", "{result}");
    assert_eq!(result["errors"], serde_json::json!([]), "the page runs under its content security policy without errors");
    let me: Value = serde_json::from_str(result["body"].as_str().unwrap()).unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
}
