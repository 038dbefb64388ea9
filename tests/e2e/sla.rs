//! SLA policies on business calendars: admins keep them, checked whole; everyone reads them.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id, status_of_class};

fn office() -> Value {
    json!({
        "name": "Ljubljana office",
        "time_zone": "Europe/Ljubljana",
        "week": {
            "monday": [{"from": "08:00", "to": "12:00"}, {"from": "12:30", "to": "16:00"}],
            "friday": [{"from": "08:00", "to": "14:00"}]
        },
        "holidays": [{"date": "2027-12-25", "yearly": true, "name": "Christmas"}]
    })
}

/// A week with the same working `ranges` every day.
fn every_day(ranges: Value) -> Value {
    let days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
    Value::Object(days.iter().map(|d| ((*d).to_owned(), ranges.clone())).collect())
}

/// A 24/7 calendar in UTC.
async fn always(app: &TestApp, admin: &str) -> Value {
    let week = every_day(json!([{"from": "00:00", "to": "24:00"}]));
    create(app, admin, "/api/v1/sla/calendars", json!({"name": "24/7", "time_zone": "UTC", "week": week})).await
}

#[tokio::test]
async fn calendars_and_policies_are_kept_checked_whole_and_read_by_every_staff_member() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let calendar = create(&app, &admin, "/api/v1/sla/calendars", office()).await;
    assert_eq!(calendar["week"]["monday"][1], json!({"from": "12:30", "to": "16:00"}));
    assert_eq!(calendar["week"]["tuesday"], json!([]));
    assert_eq!(calendar["holidays"][0]["name"], "Christmas");

    // A wrong zone, a time that is not HH:MM and overlapping ranges: each named, nothing kept.
    let mut bad = office();
    bad["time_zone"] = json!("Europe/Atlantis");
    bad["week"]["tuesday"] = json!([{"from": "8:00", "to": "12:00"}]);
    bad["week"]["wednesday"] = json!([{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}]);
    let problem = expect_problem(app.post("/api/v1/sla/calendars", &admin, bad).await, 422, "validation_failed").await;
    let found: Vec<(Value, Value)> =
        problem["errors"].as_array().unwrap().iter().map(|e| (e["field"].clone(), e["code"].clone())).collect();
    assert_eq!(found, vec![(json!("time_zone"), json!("time_zone")), (json!("week.tuesday[0]"), json!("time_of_day"))], "{problem}");
    let mut overlapping = office();
    overlapping["week"]["wednesday"] = json!([{"from": "08:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}]);
    let problem = expect_problem(app.post("/api/v1/sla/calendars", &admin, overlapping).await, 422, "validation_failed").await;
    assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!("week.wednesday"), &json!("ranges")));

    // Policies: a target needed, a known calendar and known records in the conditions.
    let priorities: Value = app.get("/api/v1/dictionaries/priorities", &admin).await.json().await.unwrap();
    let urgent = priorities["items"][0]["id"].clone();
    let policy = create(
        &app,
        &admin,
        "/api/v1/sla/policies",
        json!({"name": "Urgent", "calendar_id": id(&calendar), "conditions": {"priority_ids": [urgent], "channels": ["phone", "email"]},
               "first_response_minutes": 30, "resolution_minutes": 480}),
    )
    .await;
    assert_eq!((&policy["warn_at_percent"], &policy["active"], &policy["next_response_minutes"]), (&json!(80), &json!(true), &Value::Null));
    let problem = expect_problem(
        app.post("/api/v1/sla/policies", &admin, json!({"name": "None", "calendar_id": id(&calendar), "warn_at_percent": 100})).await,
        422,
        "validation_failed",
    )
    .await;
    let codes: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["no_target", "range"]);
    let ghost = uuid::Uuid::now_v7().to_string();
    for (body, field) in [
        (json!({"name": "x", "calendar_id": ghost, "resolution_minutes": 60}), "calendar_id"),
        (
            json!({"name": "x", "calendar_id": id(&calendar), "resolution_minutes": 60, "conditions": {"customer_ids": [ghost]}}),
            "conditions.customer_ids",
        ),
        (
            json!({"name": "x", "calendar_id": id(&calendar), "resolution_minutes": 60, "conditions": {"priority_ids": [ghost]}}),
            "conditions.priority_ids",
        ),
    ] {
        let problem = expect_problem(app.post("/api/v1/sla/policies", &admin, body).await, 422, "validation_failed").await;
        assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!(field), &json!("not_found")));
    }

    // Everyone reads them; only admins change them; a calendar in use stays.
    let (_, technician) = app.user("technician").await;
    let listed: Value = app.get("/api/v1/sla/policies", &technician).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["name"], "Urgent");
    expect_problem(app.post("/api/v1/sla/calendars", &technician, office()).await, 403, "forbidden").await;
    expect_problem(app.delete(&format!("/api/v1/sla/calendars/{}", id(&calendar)), &admin).await, 409, "calendar_in_use").await;

    // Replacing needs the current version.
    let res = app
        .request(Method::PUT, &format!("/api/v1/sla/policies/{}", id(&policy)), Some(&admin))
        .header("If-Match", "\"7\"")
        .json(&json!({"name": "Urgent", "calendar_id": id(&calendar), "resolution_minutes": 240}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 412, "stale_version").await;
    let res = app
        .request(Method::PUT, &format!("/api/v1/sla/policies/{}", id(&policy)), Some(&admin))
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "Urgent", "calendar_id": id(&calendar), "resolution_minutes": 240, "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let replaced: Value = res.json().await.unwrap();
    assert_eq!(
        (&replaced["resolution_minutes"], &replaced["first_response_minutes"], &replaced["version"]),
        (&json!(240), &Value::Null, &json!(2))
    );
    assert_eq!(app.delete(&format!("/api/v1/sla/policies/{}", id(&policy)), &admin).await.status(), 204);
    assert_eq!(app.delete(&format!("/api/v1/sla/calendars/{}", id(&calendar)), &admin).await.status(), 204);
    expect_problem(app.get(&format!("/api/v1/sla/calendars/{}", id(&calendar)), &admin).await, 404, "not_found").await;
}

#[tokio::test]
async fn a_tickets_clocks_start_at_its_report_are_met_by_a_public_reply_hold_while_pending_and_lists_filter_by_them() {
    let app = TestApp::spawn_with(|c| c.webhooks.allow_private = true).await;
    let admin = app.admin_token().await;
    let (_, agent) = app.user("agent").await;
    let (_, coordinator) = app.user("coordinator").await;
    // Nothing listens there: the delivery log still shows what was sent.
    let hook =
        create(&app, &admin, "/api/v1/webhooks", json!({"url": "http://127.0.0.1:9/hook", "event_types": ["sla.warning", "sla.breached"]}))
            .await;
    let always = always(&app, &admin).await;
    create(
        &app,
        &admin,
        "/api/v1/sla/policies",
        json!({"name": "Standard", "position": 10, "calendar_id": id(&always), "first_response_minutes": 60, "resolution_minutes": 240}),
    )
    .await;

    // A new ticket: its clocks run from its report.
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Boiler noisy"})).await;
    assert_eq!(ticket["sla"]["state"], "ok", "{ticket}");
    let reported = chrono::DateTime::parse_from_rfc3339(ticket["reported_at"].as_str().unwrap()).unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(ticket["sla"]["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due - reported, chrono::Duration::minutes(60), "the first response is due first");
    let path = format!("/api/v1/tickets/{}/sla", id(&ticket));
    let sla: Value = app.get(&path, &agent).await.json().await.unwrap();
    assert_eq!(sla["policy_name"], "Standard");
    let targets: Vec<&str> = sla["targets"].as_array().unwrap().iter().map(|t| t["target"].as_str().unwrap()).collect();
    assert_eq!(targets, ["first_response", "resolution"]);

    // An internal note answers nobody; a public reply by staff meets the first response.
    app.post(&format!("/api/v1/tickets/{}/comments", id(&ticket)), &agent, json!({"visibility": "internal", "body": "Looking"})).await;
    let sla: Value = app.get(&path, &agent).await.json().await.unwrap();
    assert!(sla["targets"][0]["met_at"].is_null());
    app.post(&format!("/api/v1/tickets/{}/comments", id(&ticket)), &agent, json!({"visibility": "public", "body": "We come today"})).await;
    let sla: Value = app.get(&path, &agent).await.json().await.unwrap();
    assert!(sla["targets"][0]["met_at"].is_string() && sla["targets"][0]["breached"] == false, "{sla}");
    assert_eq!(sla["targets"][0]["remaining_minutes"], Value::Null);
    let shown: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &agent).await.json().await.unwrap();
    let due = chrono::DateTime::parse_from_rfc3339(shown["sla"]["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due - reported, chrono::Duration::minutes(240), "now the resolution is what falls due");

    // Pending holds the clocks: no due time while it waits, and it runs on after.
    let pending = status_of_class(&app, &agent, "pending").await;
    let open = status_of_class(&app, &agent, "open").await;
    let held: Value =
        app.post(&format!("/api/v1/tickets/{}/status", id(&ticket)), &agent, json!({"status_id": pending})).await.json().await.unwrap();
    assert!(held["sla"]["due_at"].is_null() && held["sla"]["paused_since"].is_string(), "{held}");
    let resumed: Value =
        app.post(&format!("/api/v1/tickets/{}/status", id(&ticket)), &agent, json!({"status_id": open})).await.json().await.unwrap();
    assert!(resumed["sla"]["due_at"].is_string() && resumed["sla"]["paused_since"].is_null(), "{resumed}");

    // Reported three hours ago and not answered: the first response is missed.
    let three_hours_ago = (chrono::Utc::now() - chrono::Duration::hours(3)).to_rfc3339();
    let late = create(&app, &agent, "/api/v1/tickets", json!({"title": "Leak since morning", "reported_at": three_hours_ago})).await;
    assert_eq!(late["sla"]["state"], "breached", "{late}");
    let listed = |query: &'static str| {
        let (app, agent) = (&app, &agent);
        async move {
            let page: Value = app.get(&format!("/api/v1/tickets?{query}"), agent).await.json().await.unwrap();
            page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("sla=breached").await, ["Leak since morning"]);
    assert_eq!(listed("sla=ok").await, ["Boiler noisy"]);
    assert!(listed("sla=at_risk").await.is_empty());

    // The watcher tells of the miss once: no assignee nor team, so the coordinators hear, and
    // a webhook event names the target.
    app.run_jobs().await;
    app.run_jobs().await;
    let breaches: Vec<Value> = app.outbox().await.into_iter().filter(|m| m["event"] == "sla_breached").collect();
    assert_eq!(breaches.len(), 1, "{breaches:?}");
    assert!(breaches[0]["subject"].as_str().unwrap().contains(late["number"].as_str().unwrap()));
    assert!(breaches[0]["body_text"].as_str().unwrap().contains("first_response"));
    let _ = coordinator;
    let log: Value = app.get(&format!("/api/v1/webhooks/{}/deliveries", id(&hook)), &admin).await.json().await.unwrap();
    let types: Vec<&str> = log["items"].as_array().unwrap().iter().map(|d| d["event_type"].as_str().unwrap()).collect();
    assert_eq!(types, ["sla.breached"], "{log}");

    // A policy for urgent tickets, tried first: raising the priority moves the ticket to it,
    // on the timeline.
    let priorities: Value = app.get("/api/v1/dictionaries/priorities", &admin).await.json().await.unwrap();
    let urgent = priorities["items"].as_array().unwrap().iter().find(|p| p["id"] != ticket["priority_id"]).map(id).unwrap();
    create(
        &app,
        &admin,
        "/api/v1/sla/policies",
        json!({"name": "Urgent", "position": 1, "calendar_id": id(&always), "conditions": {"priority_ids": [urgent]}, "resolution_minutes": 600}),
    )
    .await;
    let res = app
        .request(Method::PATCH, &format!("/api/v1/tickets/{}", id(&ticket)), Some(&agent))
        .json(&json!({"priority_id": urgent}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sla: Value = app.get(&path, &agent).await.json().await.unwrap();
    assert_eq!(sla["policy_name"], "Urgent");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &agent).await.json().await.unwrap();
    let changed: Vec<&Value> = events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "sla_policy_changed").collect();
    assert_eq!(changed.len(), 2, "the first policy at creation, the second now: {events}");
    assert_eq!(changed[1]["data"]["to_policy_name"], "Urgent");
}

#[tokio::test]
async fn lists_sort_by_the_nearest_due_time_with_tickets_due_nothing_last_page_after_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let always = always(&app, &admin).await;
    create(&app, &admin, "/api/v1/sla/policies", json!({"name": "Standard", "calendar_id": id(&always), "first_response_minutes": 60}))
        .await;
    let ago = |minutes: i64| (chrono::Utc::now() - chrono::Duration::minutes(minutes)).to_rfc3339();
    let answered = create(&app, &admin, "/api/v1/tickets", json!({"title": "Answered"})).await;
    app.post(&format!("/api/v1/tickets/{}/comments", id(&answered)), &admin, json!({"visibility": "public", "body": "Done"})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Due in an hour"})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Due in half an hour", "reported_at": ago(30)})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Overdue", "reported_at": ago(90)})).await;

    let mut titles = Vec::new();
    let mut path = "/api/v1/tickets?sort=due&limit=1".to_owned();
    loop {
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        titles.extend(page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/tickets?sort=due&limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(titles, ["Overdue", "Due in half an hour", "Due in an hour", "Answered"]);
    // Other lists have no due time to order by.
    expect_problem(app.get("/api/v1/calls?sort=due", &admin).await, 422, "validation_failed").await;
}

#[tokio::test]
async fn a_change_of_the_policies_or_a_calendar_is_applied_to_the_open_tickets() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let always = always(&app, &admin).await;
    let open = create(&app, &admin, "/api/v1/tickets", json!({"title": "Open before any policy"})).await;
    let closed = create(&app, &admin, "/api/v1/tickets", json!({"title": "Closed before any policy"})).await;
    app.post(&format!("/api/v1/tickets/{}/close", id(&closed)), &admin, json!({})).await;
    assert_eq!(open["sla"]["policy_id"], Value::Null);

    // A new policy: the open ticket falls under it once the worker has run; the closed one not.
    let policy =
        create(&app, &admin, "/api/v1/sla/policies", json!({"name": "Standard", "calendar_id": id(&always), "resolution_minutes": 600}))
            .await;
    app.run_jobs().await;
    let shown = |ticket: &Value| {
        let (app, admin, path) = (&app, &admin, format!("/api/v1/tickets/{}", id(ticket)));
        async move { app.get(&path, admin).await.json::<Value>().await.unwrap() }
    };
    let now_open = shown(&open).await;
    assert_eq!(now_open["sla"]["policy_id"], policy["id"], "{now_open}");
    assert_eq!(shown(&closed).await["sla"]["policy_id"], Value::Null);
    let reported = chrono::DateTime::parse_from_rfc3339(now_open["reported_at"].as_str().unwrap()).unwrap();
    let due = |t: &Value| chrono::DateTime::parse_from_rfc3339(t["sla"]["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due(&now_open) - reported, chrono::Duration::minutes(600));

    // The calendar works an hour a day now: ten business hours take days, not hours.
    let an_hour = every_day(json!([{"from": "00:00", "to": "01:00"}]));
    let res = app
        .request(Method::PUT, &format!("/api/v1/sla/calendars/{}", id(&always)), Some(&admin))
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "An hour a day", "time_zone": "UTC", "week": an_hour}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    app.run_jobs().await;
    assert!(due(&shown(&open).await) - reported > chrono::Duration::days(8), "the due time moved with the calendar");

    // Without the policy the ticket has none again, on its timeline.
    assert_eq!(app.delete(&format!("/api/v1/sla/policies/{}", id(&policy)), &admin).await.status(), 204);
    app.run_jobs().await;
    assert_eq!(shown(&open).await["sla"]["policy_id"], Value::Null);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&open)), &admin).await.json().await.unwrap();
    let changes = events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "sla_policy_changed").count();
    assert_eq!(changes, 2, "{events}");
}
