//! Defects found by an outside review and a fault probe (issue 17), each reproduced as a
//! new user or an attacker would try it.

use reqwest::Method;
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

use crate::support::*;

#[tokio::test]
async fn unauthenticated_requests_to_random_paths_do_not_grow_the_metrics() {
    let app = TestApp::spawn().await;
    for i in 0..50 {
        let res = app.request(Method::GET, &format!("/api/v1/tickets/probe-{i}"), None).send().await.unwrap();
        assert_eq!(res.status(), 401);
        let res = app.request(Method::GET, &format!("/api/v1/probe-{i}/x"), None).send().await.unwrap();
        assert!(res.status().is_client_error());
    }
    let res = app.request(Method::from_bytes(b"XYZZY").unwrap(), "/api/v1/tickets", None).send().await.unwrap();
    assert!(res.status().is_client_error());
    let metrics = app.request(Method::GET, "/metrics", None).send().await.unwrap().text().await.unwrap();
    assert!(!metrics.contains("probe-"), "raw paths must not become labels: {metrics}");
    assert!(!metrics.contains("XYZZY"), "unknown methods must not become labels: {metrics}");
    assert!(metrics.contains(r#"method="GET",route="/api/v1/tickets/{id}",status="401""#), "{metrics}");
    let series = metrics.lines().filter(|l| l.starts_with("servdesk_http_requests_total{")).count();
    assert!(series <= 5, "a handful of series, not one per request: {metrics}");
}

#[tokio::test]
async fn a_nul_character_is_refused_alike_on_both_databases() {
    let app = TestApp::spawn().await;
    let agent = app.user("agent").await.1;
    let res =
        app.client.post(app.url("/api/v1/auth/login")).json(&json!({"email": "a\u{0}@x.test", "password": "p"})).send().await.unwrap();
    expect_problem(res, 422, "invalid_character").await;
    expect_problem(app.post("/api/v1/tickets", &agent, json!({"title": "No\u{0} heating"})).await, 422, "invalid_character").await;
    expect_problem(app.get("/api/v1/tickets?q=%00", &agent).await, 422, "invalid_character").await;
    let tickets: Value = app.get("/api/v1/tickets", &agent).await.json().await.unwrap();
    assert_eq!(tickets["items"].as_array().unwrap().len(), 0, "nothing half-written");
    // A backslash followed by the letters u0000 is ordinary text.
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Path C:\\u0000"})).await;
    assert_eq!(ticket["title"], "Path C:\\u0000");
}

async fn status_id(app: &TestApp, token: &str, name: &str) -> String {
    let statuses: Value = app.get("/api/v1/dictionaries/ticket-statuses", token).await.json().await.unwrap();
    id(statuses["items"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap())
}

#[tokio::test]
async fn cancelling_a_ticket_is_a_close_that_only_coordinators_may_do() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (agent_id, agent) = app.user("agent").await;
    let ticket = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Boiler", "assignee_id": agent_id})).await;
    let t = id(&ticket);
    create(&app, &coordinator, &format!("/api/v1/tickets/{t}/tasks"), json!({"title": "Replace valve"})).await;
    let cancelled = status_id(&app, &agent, "Cancelled").await;
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/status"), &agent, json!({"status_id": cancelled})).await, 409, "use_close").await;
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/close"), &agent, json!({"status_id": cancelled})).await, 403, "forbidden").await;

    let in_progress = status_id(&app, &agent, "In progress").await;
    let res = app.post(&format!("/api/v1/tickets/{t}/close"), &coordinator, json!({"status_id": in_progress})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "not_a_closing_status");
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/close"), &coordinator, json!({"status_id": cancelled})).await, 409, "open_tasks")
        .await;
    let closed: Value = app
        .post(&format!("/api/v1/tickets/{t}/close"), &coordinator, json!({"status_id": cancelled, "cancel_open_tasks": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(closed["status"]["class"], "cancelled");
    assert!(closed["closed_at"].is_string());
    let tasks: Value = app.get(&format!("/api/v1/tasks?ticket_id={t}"), &coordinator).await.json().await.unwrap();
    assert_eq!(tasks["items"][0]["status"], "cancelled", "no open task is left behind");
}

#[tokio::test]
async fn agents_see_no_task_of_a_ticket_they_cannot_open() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let agent = app.user("agent").await.1;
    let hidden = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Board matter"})).await;
    let secret =
        create(&app, &coordinator, &format!("/api/v1/tickets/{}/tasks", id(&hidden)), json!({"title": "Replace pressure sensor"})).await;
    for to in ["in_progress", "done"] {
        let res = app.post(&format!("/api/v1/tasks/{}/status", id(&secret)), &coordinator, json!({"status": to})).await;
        assert_eq!(res.status(), 200);
    }
    expect_problem(app.get(&format!("/api/v1/tickets/{}", id(&hidden)), &agent).await, 404, "not_found").await;
    expect_problem(app.get(&format!("/api/v1/tasks/{}", id(&secret)), &agent).await, 404, "not_found").await;
    for path in ["/api/v1/tasks".to_owned(), format!("/api/v1/tasks?ticket_id={}", id(&hidden))] {
        let listed: Value = app.get(&path, &agent).await.json().await.unwrap();
        assert_eq!(listed["items"], json!([]), "{path}");
    }
    let visible = create(&app, &agent, "/api/v1/tickets", json!({"title": "Pressure low"})).await;
    let mine =
        create(&app, &agent, &format!("/api/v1/tickets/{}/tasks", id(&visible)), json!({"title": "Pressure sensor reads zero"})).await;
    let similar: Value = app.get(&format!("/api/v1/tasks/{}/similar", id(&mine)), &agent).await.json().await.unwrap();
    assert_eq!(similar, json!([]), "a hidden ticket's task is not offered as similar");
    let similar: Value = app.get(&format!("/api/v1/tasks/{}/similar", id(&mine)), &coordinator).await.json().await.unwrap();
    assert_eq!(similar[0]["task"]["title"], "Replace pressure sensor", "while a coordinator finds it");
    let listed: Value = app.get("/api/v1/tasks", &agent).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "the agent's own ticket's task is listed");
}

/// 503 `database_unavailable` with `Retry-After`, within the acquire timeout.
async fn expect_unavailable(app: &TestApp, path: &str, token: Option<&str>) {
    let started = std::time::Instant::now();
    let res = app.request(Method::GET, path, token).send().await.unwrap();
    assert!(res.headers().get("retry-after").is_some(), "{path}: Retry-After");
    expect_problem(res, 503, "database_unavailable").await;
    // A bound on behaviour, not a benchmark: the acquire timeout is 1 s here; before, the
    // request hung for 30 s and then answered 500.
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{path} took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_database_outage_answers_503_at_once_and_service_comes_back_on_its_own() {
    let Some(admin_url) = std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) else {
        // SQLite is in the process: the outage there is its pool going away.
        let app = TestApp::spawn().await;
        let admin = app.admin_token().await;
        app.state.db.clone().close().await.unwrap();
        expect_unavailable(&app, "/api/v1/tickets", Some(&admin)).await;
        expect_unavailable(&app, "/ready", None).await;
        // A calendar app polling its feed is told to come back, not that its link is bad.
        expect_unavailable(&app, &format!("/api/v1/users/{}/calendar.ics?token=x", uuid::Uuid::now_v7()), None).await;
        return;
    };
    let server = admin_url.rsplit_once('@').map_or(admin_url.as_str(), |(_, s)| s).split('/').next().unwrap().to_owned();
    let proxy = Proxy::start(&server).await;
    let app = TestApp::spawn_with(|c| {
        c.database_url = c.database_url.replace(&server, &proxy.addr.to_string());
        c.database_acquire_timeout = std::time::Duration::from_secs(1);
    })
    .await;
    let admin = app.admin_token().await;
    assert_eq!(app.get("/api/v1/tickets", &admin).await.status(), 200);
    proxy.cut();
    expect_unavailable(&app, "/api/v1/tickets", Some(&admin)).await;
    expect_unavailable(&app, "/api/v1/tickets", Some(&admin)).await;
    expect_unavailable(&app, "/ready", None).await;
    expect_unavailable(&app, &format!("/api/v1/users/{}/calendar.ics?token=x", uuid::Uuid::now_v7()), None).await;
    proxy.resume().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = app.get("/api/v1/tickets", &admin).await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503, "only 503 while the pool reconnects");
        assert!(std::time::Instant::now() < deadline, "service did not come back");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn sessions_the_database_server_ended_answer_503_and_are_replaced_never_500() {
    if std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()).is_none() {
        return; // SQLite runs in the process: no server can end its connection.
    }
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Several pooled connections, all in recent use (so none is pinged before its next use).
    let busy = futures_util::future::join_all((0..10).map(|_| app.get("/api/v1/tickets", &admin))).await;
    assert!(busy.iter().all(|r| r.status() == 200));
    // The server ends every session of the database, as a restart or an operator does;
    // the statement's own session goes too, so its error is expected.
    let _ =
        app.state.db.execute_unprepared("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()").await;
    let mut statuses = Vec::new();
    for _ in 0..30 {
        let status = app.get("/api/v1/tickets", &admin).await.status().as_u16();
        statuses.push(status);
        if statuses.iter().rev().take(5).filter(|s| **s == 200).count() == 5 {
            break;
        }
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "{statuses:?}");
    assert!(statuses.ends_with(&[200; 5]), "the pool did not replace the ended sessions: {statuses:?}");
}

#[tokio::test]
async fn a_transaction_a_refused_request_began_is_rolled_back_before_its_connection_serves_again() {
    // One pooled connection, so a request that left its transaction open would leave it open
    // for the next: the ROLLBACK a dropped transaction queues must reach the server before the
    // connection is handed out again (a guard for any change to how connections are returned).
    let app = TestApp::spawn_with(|c| c.database_pool_size = 1).await;
    let Some(url) = app.postgres_url() else {
        return; // SQLite runs in the process: there is no server-side session to look at.
    };
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Boiler"})).await;
    let path = format!("/api/v1/tickets/{}", id(&ticket));
    for _ in 0..3 {
        // Refused after the edit's transaction began and read the ticket.
        let res = app.patch(&path, &admin, json!({"category_id": uuid::Uuid::now_v7()})).await;
        expect_problem(res, 422, "validation_failed").await;
        let stale =
            app.request(Method::PATCH, &path, Some(&admin)).header("if-match", "\"7\"").json(&json!({"title": "x"})).send().await.unwrap();
        expect_problem(stale, 412, "stale_version").await;
    }
    let observer = sea_orm::Database::connect(&url).await.unwrap();
    let open_transactions = || async {
        let row = observer
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    };
    // The connection goes back to the pool just after the response is sent.
    let mut open = open_transactions().await;
    for _ in 0..50 {
        if open == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        open = open_transactions().await;
    }
    assert_eq!(open, 0, "a refused request's transaction stayed open on its pooled connection");
    let res = app.patch(&path, &admin, json!({"title": "Boiler, noisy"})).await;
    assert_eq!(res.status(), 200);
    observer.close().await.ok();
}

#[tokio::test]
async fn colleagues_costs_are_shown_only_to_admins_finance_and_billing_keys() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user_with("technician", json!({"cost_rate_minor": 6000})).await;
    let (_, other_tech) = app.user("technician").await;
    let agent = app.user("agent").await.1;
    let coordinator = app.user("coordinator").await.1;
    let finance = app.user("finance").await.1;
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Boiler", "assignee_id": null})).await;
    let task =
        create(&app, &coordinator, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Fix", "assignee_id": tech_id}))
            .await;
    let entry = create(&app, &tech, "/api/v1/time-entries", json!({"task_id": id(&task), "minutes": 30, "work_date": "2026-12-01"})).await;
    assert_eq!(entry["cost_minor"], 3000, "one's own cost is shown to oneself");
    for viewer in [&agent, &coordinator, &tech] {
        let t: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), viewer).await.json().await.unwrap();
        assert_eq!(t["time"]["minutes"], 30);
        assert_eq!(t["time"]["cost_minor"], Value::Null, "{t}");
        assert_eq!(t["time"]["billable_cost_minor"], Value::Null);
        let k: Value = app.get(&format!("/api/v1/tasks/{}", id(&task)), viewer).await.json().await.unwrap();
        assert_eq!(k["time"]["cost_minor"], Value::Null, "{k}");
    }
    let entries: Value = app.get(&format!("/api/v1/time-entries?task_id={}", id(&task)), &coordinator).await.json().await.unwrap();
    assert_eq!(entries["items"][0]["rate_minor"], Value::Null, "{entries}");
    assert_eq!(entries["totals"]["cost_minor"], Value::Null);
    let theirs: Value = app.get("/api/v1/time-entries", &other_tech).await.json().await.unwrap();
    assert_eq!(theirs["items"], json!([]));
    let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": "ERP", "scopes": ["billing:read"]})).await;
    for viewer in [&finance, &admin, key["secret"].as_str().unwrap()] {
        let entries: Value = app.get(&format!("/api/v1/time-entries?task_id={}", id(&task)), viewer).await.json().await.unwrap();
        assert_eq!(entries["items"][0]["cost_minor"], 3000);
        assert_eq!(entries["totals"]["cost_minor"], 3000);
    }
    let t: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &finance).await.json().await.unwrap();
    assert_eq!(t["time"]["cost_minor"], 3000);
}

#[tokio::test]
async fn only_coordinators_override_the_warranty_or_put_a_new_ticket_on_someone_else() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let coordinator = app.user("coordinator").await.1;
    let (agent_id, agent) = app.user("agent").await;
    let (colleague_id, _) = app.user("agent").await;
    let (finance_id, _) = app.user("finance").await;
    let (partner_id, _) = app.user("partner").await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Field"})).await;
    assert_eq!(app.post(&format!("/api/v1/teams/{}/members", id(&team)), &admin, json!({"user_id": agent_id})).await.status(), 200);
    let other_team = create(&app, &admin, "/api/v1/teams", json!({"name": "Office"})).await;
    let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": "ERP", "scopes": ["tickets:write"]})).await;
    let key = key["secret"].as_str().unwrap();

    let free = json!({"title": "Pump", "warranty": true, "warranty_reason": "Goodwill"});
    expect_problem(app.post("/api/v1/tickets", &agent, free.clone()).await, 403, "forbidden").await;
    expect_problem(app.post("/api/v1/tickets", key, free.clone()).await, 403, "forbidden").await;
    let ticket = create(&app, &coordinator, "/api/v1/tickets", free).await;
    assert_eq!(ticket["warranty"], true);
    let plain = create(&app, &agent, "/api/v1/tickets", json!({"title": "Pump 2"})).await;
    let res = app.patch(&format!("/api/v1/tickets/{}", id(&plain)), &agent, json!({"warranty": true, "warranty_reason": "Goodwill"})).await;
    expect_problem(res, 403, "forbidden").await;

    for body in [json!({"title": "A", "assignee_id": colleague_id}), json!({"title": "B", "team_id": id(&other_team)})] {
        expect_problem(app.post("/api/v1/tickets", &agent, body).await, 403, "forbidden").await;
    }
    let own = create(&app, &agent, "/api/v1/tickets", json!({"title": "C", "assignee_id": agent_id, "team_id": id(&team)})).await;
    assert_eq!(own["assignee_id"], agent_id.as_str());
    let tickets: Value = app.get("/api/v1/tickets", &coordinator).await.json().await.unwrap();
    assert_eq!(tickets["items"].as_array().unwrap().len(), 3, "nothing half-written by the refusals");

    for user in [&finance_id, &partner_id] {
        let res = app.post("/api/v1/tickets", &coordinator, json!({"title": "D", "assignee_id": user})).await;
        let problem = expect_problem(res, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "not_assignable");
        let res = app.post(&format!("/api/v1/tickets/{}/assign", id(&own)), &coordinator, json!({"assignee_id": user})).await;
        expect_problem(res, 422, "validation_failed").await;
        let res = app.post(&format!("/api/v1/tickets/{}/handover", id(&own)), &agent, json!({"assignee_id": user, "note": "yours"})).await;
        expect_problem(res, 422, "validation_failed").await;
    }
}

#[tokio::test]
async fn responses_are_never_sniffed_and_credentials_never_cached() {
    let app = TestApp::spawn().await;
    let res = app.try_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.headers()["cache-control"], "no-store", "a token pair");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let admin = app.admin_token().await;
    let res = app.post("/api/v1/api-keys", &admin, json!({"name": "ERP", "scopes": ["tickets:read"]})).await;
    assert_eq!(res.headers()["cache-control"], "no-store", "an API key's secret");
    for path in ["/api/v1/no-such-route", "/health"] {
        let res = app.request(Method::GET, path, None).send().await.unwrap();
        assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{path}");
    }
}

#[tokio::test]
async fn tasks_completed_at_the_same_moment_close_their_ticket_and_no_task_slips_past_a_close() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let mut pairs = Vec::new();
    for i in 0..8 {
        let ticket = create(&app, &coordinator, "/api/v1/tickets", json!({"title": format!("Pair {i}")})).await;
        let mut tasks = Vec::new();
        for title in ["Left", "Right"] {
            let task = create(&app, &coordinator, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": title})).await;
            let res = app.post(&format!("/api/v1/tasks/{}/status", id(&task)), &coordinator, json!({"status": "in_progress"})).await;
            assert_eq!(res.status(), 200);
            tasks.push(id(&task));
        }
        pairs.push((id(&ticket), tasks));
    }
    let done = pairs.iter().flat_map(|(_, tasks)| tasks).map(|task| {
        let (app, token, path) = (&app, &coordinator, format!("/api/v1/tasks/{task}/status"));
        async move { app.post(&path, token, json!({"status": "done"})).await.status() }
    });
    assert!(futures_util::future::join_all(done).await.iter().all(|s| *s == 200));
    for (ticket, _) in &pairs {
        let t: Value = app.get(&format!("/api/v1/tickets/{ticket}"), &coordinator).await.json().await.unwrap();
        assert_eq!(t["status"]["class"], "closed", "both tasks done: the ticket closes ({ticket})");
    }

    let mut tickets = Vec::new();
    for i in 0..8 {
        tickets.push(id(&create(&app, &coordinator, "/api/v1/tickets", json!({"title": format!("Race {i}")})).await));
    }
    let races = tickets.iter().map(|t| {
        let (app, token) = (&app, &coordinator);
        let (close, add) = (format!("/api/v1/tickets/{t}/close"), format!("/api/v1/tickets/{t}/tasks"));
        async move { tokio::join!(app.post(&close, token, json!({})), app.post(&add, token, json!({"title": "Late"}))) }
    });
    futures_util::future::join_all(races).await;
    for t in &tickets {
        let ticket: Value = app.get(&format!("/api/v1/tickets/{t}"), &coordinator).await.json().await.unwrap();
        let tasks: Value = app.get(&format!("/api/v1/tasks?ticket_id={t}"), &coordinator).await.json().await.unwrap();
        let open = tasks["items"].as_array().unwrap().iter().filter(|k| k["status"] != "done" && k["status"] != "cancelled").count();
        assert!(!(ticket["status"]["class"] == "closed" && open > 0), "a closed ticket with an open task: {ticket} {tasks}");
    }
}

/// Not a check of its own: the server process `an_idempotency_key_never_acts_twice_across_a_crash`
/// starts and kills with SIGKILL (the test binary runs itself with this one test selected).
/// Without its environment it returns at once.
#[tokio::test]
#[ignore = "started by the crash test in a process of its own"]
async fn child_server_for_the_crash_test() {
    let (Ok(url), Ok(dir)) = (std::env::var("SERVDESK_CRASH_CHILD_DB"), std::env::var("SERVDESK_CRASH_CHILD_DIR")) else { return };
    let mut config = servdesk_usecases::config::Config::for_database(url, dir.into());
    config.admin_email = ADMIN_EMAIL.to_owned();
    config.admin_password = Some(ADMIN_PASSWORD.to_owned());
    config.idempotency_abandon_after = std::time::Duration::from_secs(2);
    config.http_workers = 2;
    config.rate_limits = servdesk_usecases::config::RateLimits::off();
    let state = servdesk_api::app::prepare(config).await.unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    println!("LISTENING {}", listener.local_addr().unwrap());
    servdesk_api::app::server(state, listener).unwrap().await.unwrap();
}

/// A server process of its own on the test's database, killed with SIGKILL on drop.
struct ChildServer {
    child: std::process::Child,
    base: String,
}

impl ChildServer {
    fn start(url: &str, dir: &std::path::Path) -> Self {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "hardening::child_server_for_the_crash_test", "--ignored", "--nocapture", "--test-threads=1"])
            .env("SERVDESK_CRASH_CHILD_DB", url)
            .env("SERVDESK_CRASH_CHILD_DIR", dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = lines.next().expect("the child server printed its address").unwrap();
            // The test harness prints the test's name on the same line first.
            if let Some((_, addr)) = line.split_once("LISTENING ") {
                break format!("http://{}", addr.trim());
            }
        };
        ChildServer { child, base }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// POSTs a ticket titled after `key` with that Idempotency-Key; `None` when the server is gone.
async fn keyed_ticket(client: reqwest::Client, token: String, base: String, key: String) -> Option<(u16, Value)> {
    let res = client
        .post(format!("{base}/api/v1/tickets"))
        .bearer_auth(token)
        .header("Idempotency-Key", &key)
        .json(&json!({"title": format!("Crash {key}")}))
        .send()
        .await
        .ok()?;
    Some((res.status().as_u16(), res.json::<Value>().await.unwrap_or_default()))
}

#[tokio::test]
async fn an_idempotency_key_never_acts_twice_across_a_crash() {
    let app = TestApp::spawn().await;
    let (url, dir) = (app.state.config.database_url.clone(), app.state.config.data_dir.clone());
    let client = reqwest::Client::builder().no_proxy().timeout(std::time::Duration::from_secs(20)).build().unwrap();
    let token = app.admin_token().await;
    // Load from eight clients, then SIGKILL in the middle of it.
    let mut first = ChildServer::start(&url, &dir);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let answers = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (client, token, base, stop, answers) = (client.clone(), token.clone(), first.base.clone(), stop.clone(), answers.clone());
        clients.push(tokio::spawn(async move {
            let mut sent = Vec::new();
            for n in 0.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let key = format!("c{c}-n{n}");
                let answered = keyed_ticket(client.clone(), token.clone(), base.clone(), key.clone()).await.is_some();
                sent.push(key);
                if !answered {
                    break;
                }
                answers.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            sent
        }));
    }
    // Killed once the load is under way (a loaded machine may take a while to answer the
    // first requests), while every client has a request in flight.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while answers.load(std::sync::atomic::Ordering::Relaxed) < 40 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    first.kill();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut keys = Vec::new();
    for c in clients {
        keys.extend(c.await.unwrap());
    }
    assert!(keys.len() > 8, "the load ran: {} requests", keys.len());

    // A fresh process on the same database; in-flight keys of the dead one are abandoned
    // after 2 s. Every key is retried: none may act twice.
    let second = ChildServer::start(&url, &dir);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let mut carried_out = 0;
    for key in &keys {
        let answer = keyed_ticket(client.clone(), token.clone(), second.base.clone(), key.clone()).await;
        let (status, body) = answer.expect("the second server answers");
        match status {
            201 => {}
            409 if body["code"] == "idempotent_request_carried_out" => carried_out += 1,
            other => panic!("retry of {key}: {other} {body}"),
        }
    }
    let mut titles = std::collections::HashMap::<String, usize>::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/tickets?limit=200&cursor={c}"),
            None => "/api/v1/tickets?limit=200".to_owned(),
        };
        let page: Value = client.get(format!("{}{path}", second.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
        for t in page["items"].as_array().unwrap() {
            *titles.entry(t["title"].as_str().unwrap().to_owned()).or_default() += 1;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    for key in &keys {
        assert_eq!(
            titles.get(&format!("Crash {key}")).copied().unwrap_or(0),
            1,
            "key {key} acted once ({carried_out} answered carried out)"
        );
    }
}

#[tokio::test]
async fn alarm_keys_are_per_customer_and_a_flapping_device_fills_one_waiting_call() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": "Monitoring", "scopes": ["calls:write"]})).await;
    let key = key["secret"].as_str().unwrap();
    let (a, b) = (
        create(&app, &admin, "/api/v1/customers", json!({"name": "Plant A"})).await,
        create(&app, &admin, "/api/v1/customers", json!({"name": "Plant B"})).await,
    );
    let alarm = |customer: &Value| json!({"channel": "api", "customer_id": id(customer), "dedup_key": "disk-full", "auto_convert": true});
    let first: Value = app.post("/api/v1/calls", key, alarm(&a)).await.json().await.unwrap();
    let second: Value = app.post("/api/v1/calls", key, alarm(&b)).await.json().await.unwrap();
    assert_eq!((first["outcome"].as_str(), second["outcome"].as_str()), (Some("converted"), Some("converted")), "{second}");
    assert_ne!(first["ticket_id"], second["ticket_id"], "another customer's alarm is its own ticket");
    let repeat: Value = app.post("/api/v1/calls", key, alarm(&b)).await.json().await.unwrap();
    assert_eq!((repeat["outcome"].as_str(), repeat["ticket_id"].clone()), (Some("deduplicated"), second["ticket_id"].clone()));

    // Without auto_convert the repeats of a flapping device count on its one waiting call.
    let flap = json!({"channel": "api", "customer_id": id(&a), "dedup_key": "door-sensor"});
    let res = app.post("/api/v1/calls", key, flap.clone()).await;
    assert_eq!(res.status(), 201);
    let call: Value = res.json().await.unwrap();
    for n in 2..=5 {
        let res = app.post("/api/v1/calls", key, flap.clone()).await;
        assert_eq!(res.status(), 200);
        let out: Value = res.json().await.unwrap();
        assert_eq!((out["outcome"].as_str(), out["alarm_count"].as_i64()), (Some("deduplicated"), Some(n)));
        assert_eq!(out["call"]["id"], call["call"]["id"]);
    }
    let mut cleared = flap.clone();
    cleared["action"] = json!("resolve");
    let out: Value = app.post("/api/v1/calls", key, cleared).await.json().await.unwrap();
    assert_eq!(out["outcome"], "resolved");
    assert!(out["call"]["alarm_resolved_at"].is_string());
    let queue: Value = app.get("/api/v1/calls?state=untriaged", &admin).await.json().await.unwrap();
    assert_eq!(queue["items"].as_array().unwrap().len(), 1, "one call to triage, not five: {queue}");
    assert_eq!(queue["items"][0]["alarm_count"], 5);
}

#[tokio::test]
async fn common_or_blank_passwords_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for password in ["            ", "password12", "1234567890", "qwertyuiop", "Welcome2026!"] {
        let body = json!({"email": "weak@servdesk.test", "name": "Weak", "role": "agent", "password": password});
        let problem = expect_problem(app.post("/api/v1/users", &admin, body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "password_policy", "{password:?}");
    }
    let body = json!({"email": "strong@servdesk.test", "name": "Strong", "role": "agent", "password": "kettle under the blue bridge"});
    assert_eq!(app.post("/api/v1/users", &admin, body).await.status(), 201);
}

#[tokio::test]
async fn time_dated_a_year_or_more_back_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Old"})).await;
    for day in ["0001-01-01", "2016-12-01"] {
        let body = json!({"ticket_id": id(&ticket), "work_date": day, "minutes": 60});
        let problem = expect_problem(app.post("/api/v1/time-entries", &admin, body).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "too_old", "{day}");
    }
}

#[tokio::test]
async fn deactivating_a_partner_deactivates_its_users_and_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let partner = create(&app, &admin, "/api/v1/partners", json!({"name": "Subco"})).await;
    let (user_id, token) = app.user_with("partner", json!({"partner_id": id(&partner)})).await;
    assert_eq!(app.get("/api/v1/me", &token).await.status(), 200);
    let res = app.patch(&format!("/api/v1/partners/{}", id(&partner)), &admin, json!({"active": false})).await;
    assert_eq!(res.status(), 200);
    let user: Value = app.get(&format!("/api/v1/users/{user_id}"), &admin).await.json().await.unwrap();
    assert_eq!(user["active"], false);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let status = app.get("/api/v1/me", &token).await.status();
        if status == 401 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the partner user's token still works");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn inbound_email_takes_a_raw_message_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": "MTA", "scopes": ["inbound:write"]})).await;
    let key = key["secret"].as_str().unwrap();
    let res = app.request(Method::POST, "/api/v1/inbound/email", Some(key)).json(&json!({"subject": "hi"})).send().await.unwrap();
    expect_problem(res, 415, "unsupported_media_type").await;
    let calls: Value = app.get("/api/v1/calls", &admin).await.json().await.unwrap();
    assert_eq!(calls["items"], json!([]));
}

#[tokio::test]
async fn a_null_on_a_field_that_cannot_be_cleared_is_refused_not_ignored() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak"})).await;
    let path = format!("/api/v1/tickets/{}", id(&ticket));
    let problem = expect_problem(app.patch(&path, &admin, json!({"title": null})).await, 422, "invalid_body").await;
    assert!(problem["detail"].as_str().unwrap().contains("null"), "{problem}");
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Vodovod"})).await;
    let res = app.patch(&format!("/api/v1/customers/{}", id(&customer)), &admin, json!({"name": null})).await;
    expect_problem(res, 422, "invalid_body").await;
    let unchanged: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!((unchanged["title"].as_str(), unchanged["version"].as_i64()), (Some("Leak"), ticket["version"].as_i64()));
    let doc = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let title = &doc["components"]["schemas"]["UpdateTicket"]["properties"]["title"];
    assert_eq!(title["type"], "string", "documented as not nullable: {title}");
}

#[tokio::test]
async fn a_stopwatch_stopped_after_its_ticket_closed_counts_until_the_close_and_is_flagged() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (tech_id, tech) = app.user("technician").await;
    let ticket = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Boiler", "assignee_id": tech_id})).await;
    let started = (chrono::Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let res = app.post("/api/v1/timer/start", &tech, json!({"ticket_id": id(&ticket), "started_at": started})).await;
    assert_eq!(res.status(), 201);
    let closed: Value = app.post(&format!("/api/v1/tickets/{}/close", id(&ticket)), &coordinator, json!({})).await.json().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let entry: Value = app.post("/api/v1/timer/stop", &tech, json!({})).await.json().await.unwrap();
    let at = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    assert_eq!(at(&entry["ended_at"]), at(&closed["closed_at"]), "the work on the ticket ended with it: {entry}");
    assert_eq!(entry["needs_review"], true);
}

#[tokio::test]
async fn a_patch_that_changes_nothing_keeps_the_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "tags": ["water"]})).await;
    let path = format!("/api/v1/tickets/{}", id(&ticket));
    for body in [json!({}), json!({"title": "Leak"}), json!({"title": "Leak", "tags": ["water"], "description": null})] {
        let res = app.request(Method::PATCH, &path, Some(&admin)).header("If-Match", "\"1\"").json(&body).send().await.unwrap();
        assert_eq!(res.status(), 200, "{body}");
        let after: Value = res.json().await.unwrap();
        assert_eq!((after["version"].as_i64(), &after["updated_at"]), (Some(1), &ticket["updated_at"]), "{body}");
    }
    let changed: Value = app.patch(&path, &admin, json!({"title": "Leak in the cellar"})).await.json().await.unwrap();
    assert_eq!(changed["version"], 2);
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Vodovod"})).await;
    let same: Value =
        app.patch(&format!("/api/v1/customers/{}", id(&customer)), &admin, json!({"name": "Vodovod"})).await.json().await.unwrap();
    assert_eq!(same["version"], customer["version"]);
    let events: Value = app.get(&format!("{path}/events"), &admin).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 2, "created, and the one real change");
}

#[tokio::test]
async fn every_caller_is_rate_limited_per_class_with_headers_and_a_429_past_the_limit() {
    use servdesk_usecases::config::{RateLimit, RateLimits};
    let app = TestApp::spawn_with(|c| {
        c.rate_limits = RateLimits {
            reads: RateLimit::new(60, 5),
            writes: RateLimit::new(60, 3),
            public: RateLimit::new(60, 4),
            inbound: RateLimit::new(60, 2),
            ..RateLimits::off()
        };
    })
    .await;
    let admin = app.admin_token().await;
    let (_, agent) = app.user("agent").await;
    for left in (0..3).rev() {
        let res = app.post("/api/v1/tickets", &agent, json!({"title": "Burst"})).await;
        assert_eq!(res.status(), 201);
        assert_eq!(res.headers()["ratelimit-policy"], "\"writes\";q=3;w=3");
        assert!(res.headers()["ratelimit"].to_str().unwrap().starts_with(&format!("\"writes\";r={left};t=")), "{:?}", res.headers());
    }
    let res = app.post("/api/v1/tickets", &agent, json!({"title": "One too many"})).await;
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=2).contains(&retry), "{retry}");
    expect_problem(res, 429, "rate_limited").await;
    // Reads are a class of their own, and another caller a bucket of their own.
    assert_eq!(app.get("/api/v1/tickets", &agent).await.status(), 200);
    assert_eq!(app.post("/api/v1/tickets", &admin, json!({"title": "Coordinator"})).await.status(), 201);
    let tickets: Value = app.get("/api/v1/tickets", &admin).await.json().await.unwrap();
    assert_eq!(tickets["items"].as_array().unwrap().len(), 4, "the refused request wrote nothing");
    // Without credentials: per client address (the login itself included).
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.request(Method::GET, "/api/v1/me", None).send().await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [401, 429, 429, 429, 429, 429], "the three logins above took three of the four");
    // A token refills after a second at 60 a minute.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(app.post("/api/v1/tickets", &agent, json!({"title": "Later"})).await.status(), 201);
    // Operations are not limited.
    for _ in 0..10 {
        assert_eq!(app.request(Method::GET, "/health", None).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_405_with_allow_not_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.request(Method::DELETE, "/api/v1/tickets", Some(&admin)).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET, POST");
    expect_problem(res, 405, "method_not_allowed").await;
    let res = app.request(Method::PUT, &format!("/api/v1/tickets/{}", uuid::Uuid::now_v7()), Some(&admin)).send().await.unwrap();
    expect_problem(res, 405, "method_not_allowed").await;
    expect_problem(app.get("/api/v1/no-such-route", &admin).await, 404, "not_found").await;
}

#[tokio::test]
async fn a_task_goes_only_to_someone_who_works_tasks() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (finance_id, _) = app.user("finance").await;
    let (tech_id, _) = app.user("technician").await;
    let ticket = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Boiler"})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let problem =
        expect_problem(app.post(&path, &coordinator, json!({"title": "Fix", "assignee_id": finance_id})).await, 422, "validation_failed")
            .await;
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (Some("assignee_id"), Some("not_assignable"))
    );
    let task = create(&app, &coordinator, &path, json!({"title": "Fix", "assignee_id": tech_id})).await;
    let res = app.patch(&format!("/api/v1/tasks/{}", id(&task)), &coordinator, json!({"assignee_id": finance_id})).await;
    expect_problem(res, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_pathological_serial_pattern_is_refused_and_the_server_stays_up() {
    // Found by the fuzzing run: 200 repetition operators made the regex compiler recurse
    // until a worker thread's stack overflowed, taking the process down.
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let pattern = format!("__main__{}", "*".repeat(200));
    let res = app.post("/api/v1/products", &admin, json!({"name": "Pump", "serial_pattern": pattern})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "serial_pattern");
    assert_eq!(app.request(Method::GET, "/health", None).send().await.unwrap().status(), 200);
}
