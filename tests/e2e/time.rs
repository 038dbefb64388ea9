//! Time: the stopwatch (one per user, switch, midnight, the review flag), manual entries with
//! their cost and billability, the closed-ticket rule, and the filtered list with totals.

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

fn ago(d: Duration) -> String {
    (Utc::now() - d).to_rfc3339_opts(SecondsFormat::Secs, true)
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let (url, actual) = (res.url().clone(), res.status().as_u16());
    let body: Value = res.json().await.unwrap_or_default();
    assert_eq!(actual, status, "{url}: {body}");
    body
}

/// A ticket with one task assigned to `assignee`: `(ticket, task)`.
async fn ticket_with_task(app: &TestApp, admin: &str, assignee: &str, body: Value) -> (Value, Value) {
    let ticket = create(app, admin, "/api/v1/tickets", body).await;
    let task =
        create(app, admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "On site", "assignee_id": assignee})).await;
    (ticket, task)
}

#[tokio::test]
async fn the_stopwatch_runs_one_at_a_time_and_each_stop_writes_a_costed_entry() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user_with("technician", json!({"cost_rate_minor": 4500})).await;
    let (ticket, task) = ticket_with_task(&app, &admin, &tech_id, json!({"title": "Chiller"})).await;

    let idle = json_of(app.get("/api/v1/timer", &tech).await, 200).await;
    assert_eq!(idle["timer"], Value::Null);
    let started = json_of(
        app.post(
            "/api/v1/timer/start",
            &tech,
            json!({"task_id": id(&task), "note": "Diagnosis", "started_at": ago(Duration::minutes(90))}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(started["timer"]["ticket_id"], ticket["id"], "the task's ticket is implied");
    let running = json_of(app.get("/api/v1/timer", &tech).await, 200).await;
    assert_eq!(running["timer"]["elapsed_minutes"], 90);
    assert_eq!(running["timer"]["overdue"], false);

    let second = json!({"ticket_id": id(&ticket)});
    expect_problem(app.post("/api/v1/timer/start", &tech, second.clone()).await, 409, "timer_running").await;
    let switched = json_of(app.post("/api/v1/timer/start", &tech, json!({"ticket_id": id(&ticket), "switch": true})).await, 201).await;
    let first_entry = &switched["stopped"];
    assert_eq!(first_entry["minutes"], 90);
    assert_eq!(first_entry["task_id"], task["id"]);
    assert_eq!(first_entry["rate_minor"], 4500);
    assert_eq!(first_entry["cost_minor"], 6750, "90 min at 45.00/h");
    assert_eq!(first_entry["source"], "timer");
    assert_eq!(first_entry["note"], "Diagnosis");
    assert_eq!(switched["timer"]["task_id"], Value::Null);

    let stopped = json_of(app.post("/api/v1/timer/stop", &tech, json!({"note": "Paperwork"})).await, 201).await;
    assert_eq!(stopped["ticket_id"], ticket["id"]);
    assert_eq!(stopped["task_id"], Value::Null);
    assert_eq!(stopped["note"], "Paperwork");
    expect_problem(app.post("/api/v1/timer/stop", &tech, json!({})).await, 409, "no_timer").await;

    let task_now = json_of(app.get(&format!("/api/v1/tasks/{}", id(&task)), &tech).await, 200).await;
    assert_eq!(task_now["time"]["minutes"], 90);
    assert_eq!(task_now["time"]["cost_minor"], Value::Null, "a total is pay data of several people: not for technicians");
    let task_for_admin = json_of(app.get(&format!("/api/v1/tasks/{}", id(&task)), &admin).await, 200).await;
    assert_eq!(task_for_admin["time"]["cost_minor"], 6750);
    let ticket_now = json_of(app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await, 200).await;
    assert_eq!(ticket_now["time"]["entries"], 2, "the ticket counts its own and its tasks' time");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "time_logged").count(), 2);
}

#[tokio::test]
async fn a_stopwatch_across_midnight_is_one_entry_and_one_past_the_maximum_is_flagged() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user("technician").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Night shift", "assignee_id": tech_id})).await;

    // 23:30 two days ago until 00:45 the next day: one entry of 75 minutes on the first day.
    let day = (Utc::now() - Duration::days(2)).date_naive();
    let start = day.and_hms_opt(23, 30, 0).unwrap().and_utc();
    let end = start + Duration::minutes(75);
    let body = json!({"ticket_id": id(&ticket), "started_at": start.to_rfc3339_opts(SecondsFormat::Secs, true)});
    json_of(app.post("/api/v1/timer/start", &tech, body).await, 201).await;
    let entry =
        json_of(app.post("/api/v1/timer/stop", &tech, json!({"ended_at": end.to_rfc3339_opts(SecondsFormat::Secs, true)})).await, 201)
            .await;
    assert_eq!(entry["minutes"], 75);
    assert_eq!(entry["work_date"], day.to_string());
    assert_eq!(entry["needs_review"], false);

    json_of(app.post("/api/v1/timer/start", &tech, json!({"ticket_id": id(&ticket), "started_at": ago(Duration::hours(13))})).await, 201)
        .await;
    assert_eq!(json_of(app.get("/api/v1/timer", &tech).await, 200).await["timer"]["overdue"], true);
    let forgotten = json_of(app.post("/api/v1/timer/stop", &tech, json!({})).await, 201).await;
    assert_eq!(forgotten["needs_review"], true, "longer than the 12 h default");
    assert_eq!(forgotten["minutes"], 13 * 60);
    let flagged: Value = app.get("/api/v1/time-entries?needs_review=true", &tech).await.json().await.unwrap();
    assert_eq!(flagged["items"].as_array().unwrap().len(), 1);

    // Correcting the span clears the flag.
    let path = format!("/api/v1/time-entries/{}", id(&forgotten));
    let fixed = json_of(app.patch(&path, &tech, json!({"work_date": day.to_string(), "minutes": 480})).await, 200).await;
    assert_eq!(fixed["needs_review"], false);
    assert_eq!(fixed["minutes"], 480);

    let future = json!({"ticket_id": id(&ticket), "started_at": (Utc::now() + Duration::hours(1)).to_rfc3339()});
    let body = expect_problem(app.post("/api/v1/timer/start", &tech, future).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "in_the_future");
}

#[tokio::test]
async fn manual_entries_cost_half_up_and_warranty_work_is_never_billable() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (agent_id, agent) = app.user_with("agent", json!({"cost_rate_minor": 4250})).await;
    // Agents see the tickets they created (and their teams' and their own).
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Printer"})).await;
    let today = Utc::now().date_naive().to_string();

    let entry = create(&app, &agent, "/api/v1/time-entries", json!({"ticket_id": id(&ticket), "work_date": today, "minutes": 37})).await;
    assert_eq!(entry["cost_minor"], 2621, "37 × 42.50 / 60 = 26.2083 -> 26.21");
    assert_eq!(entry["billable"], true);
    assert_eq!(entry["source"], "manual");
    let measured = create(
        &app,
        &agent,
        "/api/v1/time-entries",
        json!({"ticket_id": id(&ticket), "started_at": ago(Duration::minutes(61)), "ended_at": ago(Duration::minutes(1)), "billable": false}),
    )
    .await;
    assert_eq!(measured["minutes"], 60);
    assert_eq!(measured["billable"], false);

    let warranty = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Under warranty", "warranty": true, "warranty_reason": "Replacement unit, 24 months", "assignee_id": agent_id}),
    )
    .await;
    let free = create(&app, &agent, "/api/v1/time-entries", json!({"ticket_id": id(&warranty), "work_date": today, "minutes": 30})).await;
    assert_eq!(free["billable"], false, "warranty work is billed at zero");
    assert_eq!(free["cost_minor"], 2125, "it still costs the company");

    for (body, field, code) in [
        (json!({"ticket_id": id(&ticket), "minutes": 30}), "started_at", "incomplete_span"),
        (json!({"ticket_id": id(&ticket), "work_date": today, "minutes": 0}), "minutes", "out_of_range"),
        (
            json!({"ticket_id": id(&ticket), "started_at": ago(Duration::minutes(5)), "ended_at": ago(Duration::minutes(10))}),
            "ended_at",
            "before_start",
        ),
        (json!({"work_date": today, "minutes": 5}), "ticket_id", "required"),
        (json!({"ticket_id": uuid::Uuid::now_v7(), "work_date": today, "minutes": 5}), "ticket_id", "not_found"),
    ] {
        let problem = expect_problem(app.post("/api/v1/time-entries", &agent, body).await, 422, "validation_failed").await;
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some(field), Some(code)));
    }
    // A rate change applies from now on; earlier entries keep theirs.
    let me: Value = app.get("/api/v1/me", &agent).await.json().await.unwrap();
    let res = app.patch(&format!("/api/v1/users/{}", me["id"].as_str().unwrap()), &admin, json!({"cost_rate_minor": 6000})).await;
    assert_eq!(res.status(), 200);
    let again = json_of(app.get(&format!("/api/v1/time-entries/{}", id(&entry)), &agent).await, 200).await;
    assert_eq!(again["cost_minor"], 2621);
}

#[tokio::test]
async fn only_coordinators_log_time_on_closed_tickets_or_for_others() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user("technician").await;
    let (_, agent) = app.user("agent").await;
    let (_, coordinator) = app.user("coordinator").await;
    let (ticket, task) = ticket_with_task(&app, &admin, &tech_id, json!({"title": "Boiler"})).await;
    let today = Utc::now().date_naive().to_string();
    let own = create(&app, &tech, "/api/v1/time-entries", json!({"task_id": id(&task), "work_date": today, "minutes": 20})).await;
    let for_tech = json!({"ticket_id": id(&ticket), "user_id": tech_id, "work_date": today, "minutes": 15});
    expect_problem(app.post("/api/v1/time-entries", &agent, for_tech.clone()).await, 403, "forbidden").await;

    let close = app.post(&format!("/api/v1/tickets/{}/close", id(&ticket)), &admin, json!({"cancel_open_tasks": true})).await;
    assert_eq!(close.status(), 200);
    let late = json!({"task_id": id(&task), "work_date": today, "minutes": 10});
    expect_problem(app.post("/api/v1/time-entries", &tech, late).await, 409, "ticket_closed").await;
    expect_problem(app.post("/api/v1/timer/start", &tech, json!({"task_id": id(&task)})).await, 409, "ticket_closed").await;
    let path = format!("/api/v1/time-entries/{}", id(&own));
    expect_problem(app.patch(&path, &tech, json!({"note": "edit"})).await, 409, "ticket_closed").await;
    expect_problem(app.delete(&path, &tech).await, 409, "ticket_closed").await;

    let added = create(&app, &coordinator, "/api/v1/time-entries", for_tech).await;
    assert_eq!(added["user_id"], tech_id.as_str());
    let edited = json_of(app.patch(&path, &coordinator, json!({"billable": false})).await, 200).await;
    assert_eq!(edited["billable"], false);
    assert_eq!(app.delete(&path, &coordinator).await.status(), 204);
    expect_problem(app.get(&path, &coordinator).await, 404, "not_found").await;
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events?limit=100", id(&ticket)), &admin).await.json().await.unwrap();
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"time_changed") && kinds.contains(&"time_removed"), "{kinds:?}");
}

#[tokio::test]
async fn time_entries_filter_and_total_per_customer_and_staff_see_only_their_own() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (ana_id, ana) = app.user_with("agent", json!({"cost_rate_minor": 3000})).await;
    let (bor_id, bor) = app.user_with("agent", json!({"cost_rate_minor": 6000})).await;
    let (_, finance) = app.user("finance").await;
    let acme = create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await;
    let other = create(&app, &admin, "/api/v1/customers", json!({"name": "Other"})).await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Desk"})).await;
    for member in [&ana_id, &bor_id] {
        let res = app.post(&format!("/api/v1/teams/{}/members", id(&team)), &admin, json!({"user_id": member})).await;
        assert!(res.status().is_success());
    }
    let t1 = create(&app, &admin, "/api/v1/tickets", json!({"title": "A", "customer_id": id(&acme), "team_id": id(&team)})).await;
    let t2 = create(&app, &admin, "/api/v1/tickets", json!({"title": "B", "customer_id": id(&other), "team_id": id(&team)})).await;
    let today = Utc::now().date_naive();
    let last_week = today - Duration::days(7);
    for (token, ticket, day, minutes) in
        [(&ana, &t1, today, 60), (&bor, &t1, today, 30), (&ana, &t2, today, 15), (&ana, &t1, last_week, 120)]
    {
        create(&app, token, "/api/v1/time-entries", json!({"ticket_id": id(ticket), "work_date": day.to_string(), "minutes": minutes}))
            .await;
    }
    let url = format!("/api/v1/time-entries?customer_id={}&from={today}&to={today}&limit=1", id(&acme));
    let page = json_of(app.get(&url, &finance).await, 200).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "one per page");
    assert!(page["next_cursor"].is_string());
    assert_eq!(
        page["totals"],
        json!({"entries": 2, "minutes": 90, "cost_minor": 6000, "billable_minutes": 90, "billable_cost_minor": 6000})
    );

    let mine = json_of(app.get("/api/v1/time-entries", &ana).await, 200).await;
    assert_eq!(mine["totals"]["entries"], 3, "an agent sees their own entries");
    assert!(mine["items"].as_array().unwrap().iter().all(|e| e["user_id"] == ana_id.as_str()));
    let bors = json_of(app.get("/api/v1/time-entries", &bor).await, 200).await;
    let someone_elses = bors["items"][0]["id"].as_str().unwrap().to_owned();
    expect_problem(app.get(&format!("/api/v1/time-entries/{someone_elses}"), &ana).await, 404, "not_found").await;
    expect_problem(app.patch(&format!("/api/v1/time-entries/{someone_elses}"), &ana, json!({"note": "x"})).await, 404, "not_found").await;
    let spied =
        json_of(app.get(&format!("/api/v1/time-entries?user_id={}", bors["items"][0]["user_id"].as_str().unwrap()), &ana).await, 200).await;
    assert_eq!(spied["totals"]["entries"], 0);
    let inverted = format!("/api/v1/time-entries?from={today}&to={last_week}");
    expect_problem(app.get(&inverted, &finance).await, 400, "invalid_range").await;
}
