//! The API conventions every route shares: problems, pagination, ETags, PATCH semantics,
//! idempotency keys, request ids, health and metrics, CORS.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};
use servdesk_persistence::idempotency::{self, Begin};

use crate::support::{TestApp, expect_problem};

#[tokio::test]
async fn malformed_requests_get_problems_never_plain_text_or_500() {
    let app = TestApp::spawn_with(|c| c.json_limit_bytes = 4096).await;
    let admin = app.admin_token().await;
    let raw = |method: Method, path: &str| app.request(method, path, Some(&admin));

    let res = raw(Method::POST, "/api/v1/teams").header("content-type", "application/json").body("{\"name\": ").send().await.unwrap();
    expect_problem(res, 400, "malformed_json").await;
    let res = raw(Method::POST, "/api/v1/teams").header("content-type", "application/json").body("{\"name\": 42}").send().await.unwrap();
    expect_problem(res, 422, "invalid_body").await;
    let res = raw(Method::POST, "/api/v1/teams").header("content-type", "text/plain").body("name").send().await.unwrap();
    expect_problem(res, 415, "unsupported_media_type").await;
    let huge = json!({"name": "x".repeat(10_000)});
    expect_problem(raw(Method::POST, "/api/v1/teams").json(&huge).send().await.unwrap(), 413, "payload_too_large").await;
    expect_problem(raw(Method::GET, "/api/v1/users/not-a-uuid").send().await.unwrap(), 400, "invalid_path_parameter").await;
    expect_problem(raw(Method::GET, "/api/v1/users?active=maybe").send().await.unwrap(), 400, "invalid_query").await;
    expect_problem(raw(Method::GET, "/api/v1/no-such-thing").send().await.unwrap(), 404, "not_found").await;
    expect_problem(raw(Method::GET, &format!("/api/v1/users/{}", uuid::Uuid::now_v7())).send().await.unwrap(), 404, "not_found").await;
    let res = raw(Method::PATCH, "/api/v1/teams/00000000-0000-0000-0000-000000000000")
        .header("if-match", "yesterday")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400, "invalid_if_match").await;
}

#[tokio::test]
async fn lists_page_with_an_opaque_cursor_without_gaps_or_repeats() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..7 {
        assert_eq!(app.post("/api/v1/teams", &admin, json!({"name": format!("Team {i}")})).await.status(), 201);
    }
    let mut seen = Vec::new();
    let mut path = "/api/v1/teams?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        pages += 1;
        seen.extend(page["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/teams?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, (0..7).map(|i| format!("Team {i}")).collect::<Vec<_>>(), "creation order, each once");

    expect_problem(app.get("/api/v1/teams?limit=0", &admin).await, 422, "validation_failed").await;
    expect_problem(app.get("/api/v1/teams?limit=201", &admin).await, 422, "validation_failed").await;
    expect_problem(app.get("/api/v1/teams?cursor=garbage", &admin).await, 400, "invalid_cursor").await;
}

#[tokio::test]
async fn updated_since_returns_changes_in_change_order_for_incremental_sync() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut ids = Vec::new();
    for name in ["A", "B", "C"] {
        let team: Value = app.post("/api/v1/teams", &admin, json!({"name": name})).await.json().await.unwrap();
        ids.push(team["id"].as_str().unwrap().to_owned());
    }
    let first: Value = app.get(&format!("/api/v1/teams/{}", ids[0]), &admin).await.json().await.unwrap();
    let since = first["updated_at"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    // A changes last, so it comes last.
    app.patch(&format!("/api/v1/teams/{}", ids[0]), &admin, json!({"description": "changed"})).await;
    let url = |cursor: Option<&str>| {
        let mut u = reqwest::Url::parse(&app.url("/api/v1/teams")).unwrap();
        u.query_pairs_mut().append_pair("updated_since", &since).append_pair("limit", "2");
        if let Some(c) = cursor {
            u.query_pairs_mut().append_pair("cursor", c);
        }
        u
    };
    let page1: Value = app.client.get(url(None)).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let page2: Value = app.client.get(url(page1["next_cursor"].as_str())).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
    let names: Vec<&str> =
        page1["items"].as_array().unwrap().iter().chain(page2["items"].as_array().unwrap()).map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["B", "C", "A"]);
    assert!(page2["next_cursor"].is_null());
    // A cursor of the id-ordered list does not fit a sync query.
    let plain: Value = app.get("/api/v1/teams?limit=1", &admin).await.json().await.unwrap();
    let mut mixed = url(None);
    mixed.query_pairs_mut().append_pair("cursor", plain["next_cursor"].as_str().unwrap());
    expect_problem(app.client.get(mixed).bearer_auth(&admin).send().await.unwrap(), 400, "invalid_cursor").await;
}

#[tokio::test]
async fn etags_guard_patches_and_stale_ones_change_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.post("/api/v1/teams", &admin, json!({"name": "Dispatch", "description": "first"})).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");
    let id = res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/teams/{id}");

    let res = app
        .request(Method::PATCH, &path, Some(&admin))
        .header("if-match", &etag)
        .json(&json!({"description": "second"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");

    // Someone still holding version 1 loses, and their change is not applied.
    let res = app
        .request(Method::PATCH, &path, Some(&admin))
        .header("if-match", &etag)
        .json(&json!({"description": "stale"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 412, "stale_version").await;
    let current = app.get(&path, &admin).await;
    assert_eq!(current.headers()["etag"], "\"2\"");
    assert_eq!(current.json::<Value>().await.unwrap()["description"], "second");
}

#[tokio::test]
async fn patch_tells_absent_null_and_value_apart() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, _) = app.user("agent").await;
    let path = format!("/api/v1/users/{id}");
    let set: Value = app.patch(&path, &admin, json!({"phone": "+385 1 2345 678"})).await.json().await.unwrap();
    assert_eq!(set["phone"], "+38512345678");
    let untouched: Value = app.patch(&path, &admin, json!({"name": "Renamed"})).await.json().await.unwrap();
    assert_eq!(untouched["phone"], "+38512345678", "absent leaves the field alone");
    let cleared: Value = app.patch(&path, &admin, json!({"phone": null})).await.json().await.unwrap();
    assert!(cleared["phone"].is_null(), "null clears it");
    assert_eq!(cleared["name"], "Renamed");
}

#[tokio::test]
async fn an_idempotency_key_replays_the_first_response_instead_of_acting_twice() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let post = |key: &'static str, body: Value| {
        app.request(Method::POST, "/api/v1/teams", Some(&admin)).header("idempotency-key", key).json(&body).send()
    };
    let first = post("create-support-team", json!({"name": "Support"})).await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_location = first.headers()["location"].clone();
    let first_body: Value = first.json().await.unwrap();

    let again = post("create-support-team", json!({"name": "Support"})).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["location"], first_location);
    assert_eq!(again.headers()["etag"], "\"1\"");
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);

    let teams: Value = app.get("/api/v1/teams", &admin).await.json().await.unwrap();
    assert_eq!(teams["items"].as_array().unwrap().len(), 1, "one team, not two");

    let reused = post("create-support-team", json!({"name": "Other"})).await.unwrap();
    expect_problem(reused, 422, "idempotency_key_reused").await;

    // Keys are per caller: another user's identical key is a different request.
    let (_, other) = app.user("admin").await;
    let res = app
        .request(Method::POST, "/api/v1/teams", Some(&other))
        .header("idempotency-key", "create-support-team")
        .json(&json!({"name": "Support 2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn a_duplicate_while_the_first_is_in_flight_gets_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    let body = json!({"name": "Night shift"});
    // The first request is running: its record is in flight.
    let first = app.request(Method::POST, "/api/v1/teams", Some(&admin)).header("idempotency-key", "k1").json(&body).build().unwrap();
    let fingerprint = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"POST /api/v1/teams?\n");
        h.update(first.body().unwrap().as_bytes().unwrap());
        hex::encode(h.finalize())
    };
    let subject = format!("user:{}", me["id"].as_str().unwrap());
    let now = servdesk_usecases::now();
    let begun =
        idempotency::begin(&app.state.db, &subject, "k1", &fingerprint, now, chrono::Duration::hours(24), chrono::Duration::minutes(5))
            .await
            .unwrap();
    assert!(matches!(begun, Begin::Started));

    let res = app.client.execute(first).await.unwrap();
    expect_problem(res, 409, "idempotency_key_in_flight").await;
    let teams: Value = app.get("/api/v1/teams", &admin).await.json().await.unwrap();
    assert!(teams["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn concurrent_duplicates_create_exactly_one_resource() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let sends = (0..8).map(|_| {
        app.request(Method::POST, "/api/v1/teams", Some(&admin)).header("idempotency-key", "burst").json(&json!({"name": "Burst"})).send()
    });
    let statuses: Vec<u16> = futures_util::future::join_all(sends).await.into_iter().map(|r| r.unwrap().status().as_u16()).collect();
    assert!(statuses.iter().all(|s| *s == 201 || *s == 409), "{statuses:?}");
    assert!(statuses.contains(&201));
    let teams: Value = app.get("/api/v1/teams", &admin).await.json().await.unwrap();
    assert_eq!(teams["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app.request(Method::GET, "/health", None).header("x-request-id", "abc-123").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app.request(Method::GET, "/health", None).header("x-request-id", "bad id with spaces").send().await.unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    let ids: HashSet<String> = futures_util::future::join_all((0..5).map(|_| app.request(Method::GET, "/health", None).send()))
        .await
        .into_iter()
        .map(|r| r.unwrap().headers()["x-request-id"].to_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn health_ready_and_metrics_report_the_process() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    app.get("/api/v1/users", &admin).await;
    app.get(&format!("/api/v1/users/{}", uuid::Uuid::now_v7()), &admin).await;
    app.get("/api/v1/no-such-thing/123", &admin).await;
    let health: Value = app.request(Method::GET, "/health", None).send().await.unwrap().json().await.unwrap();
    assert_eq!(health["status"], "ok");
    let ready = app.request(Method::GET, "/ready", None).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let metrics = app.request(Method::GET, "/metrics", None).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains(r#"servdesk_http_requests_total{method="GET",route="/api/v1/users",status="200"} 1"#), "{metrics}");
    assert!(metrics.contains(r#"route="/api/v1/users/{id}",status="404""#), "ids are labelled as the template: {metrics}");
    assert!(metrics.contains(r#"route="unmatched",status="404""#), "unknown paths are not labels: {metrics}");
    assert!(!metrics.contains("no-such-thing"));
    assert!(metrics.contains("servdesk_http_request_duration_seconds_bucket"));
    assert!(metrics.contains(r#"servdesk_jobs{status="queued"}"#));
}

#[tokio::test]
async fn readiness_fails_with_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.state.db.clone().close().await.unwrap();
    let res = app.request(Method::GET, "/ready", None).send().await.unwrap();
    expect_problem(res, 503, "database_unavailable").await;
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn_with(|c| c.cors_origins = vec!["https://desk.example.com".to_owned()]).await;
    let preflight = |origin: &'static str| {
        app.request(Method::OPTIONS, "/api/v1/users", None)
            .header("origin", origin)
            .header("access-control-request-method", "GET")
            .header("access-control-request-headers", "authorization")
            .send()
    };
    let allowed = preflight("https://desk.example.com").await.unwrap();
    assert_eq!(allowed.headers()["access-control-allow-origin"], "https://desk.example.com");
    let refused = preflight("https://evil.example.net").await.unwrap();
    assert!(refused.headers().get("access-control-allow-origin").is_none());
}
