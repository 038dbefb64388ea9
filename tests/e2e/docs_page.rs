//! Swagger UI at `/docs`, rendered by a real browser (headless Chromium): the page loads the
//! vendored assets, fetches `/api/v1/openapi.json` and shows every documented route.

use std::process::Command;

use reqwest::Method;
use serde_json::Value;

use crate::support::TestApp;

fn chromium() -> String {
    std::env::var("SERVDESK_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned())
}

#[tokio::test]
async fn swagger_ui_renders_every_documented_route_in_a_real_browser() {
    let app = TestApp::spawn().await;
    let doc: Value = app.request(Method::GET, "/api/v1/openapi.json", None).send().await.unwrap().json().await.unwrap();
    let url = app.url("/docs/");
    let browser = chromium();
    // The browser blocks, so it runs on the blocking pool while the server keeps serving.
    let output = tokio::task::spawn_blocking(move || {
        Command::new(&browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-proxy-server", "--no-first-run"])
            .args(["--virtual-time-budget=15000", "--dump-dom", &url])
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot start {browser:?} ({e}); install Debian's chromium or set SERVDESK_TEST_CHROMIUM (.ci/run does)")
            })
    })
    .await
    .unwrap();
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(dom.contains("btn authorize"), "the Authorize button is rendered");
    for path in doc["paths"].as_object().unwrap().keys() {
        assert!(dom.contains(&format!("data-path=\"{path}\"")), "{path} is shown in Swagger UI");
    }
}
