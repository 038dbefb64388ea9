//! The desk's reports over a known month: every figure checked exactly, on both databases,
//! and against the ticket list.
//!
//! January 2027, UTC, an office calendar (Monday to Friday, 09:00–17:00) and one policy:
//! first response in 60 business minutes, resolution in 960. The month is built through the
//! API, each request saying when it happens (`X-Servdesk-Now`, on for this installation).

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, expect_problem, id, status_of_class};

/// Sends `body` to `path` as if at `when`; answers the body of the 2xx it must get.
async fn at(app: &TestApp, when: &str, method: Method, path: &str, token: &str, body: Value) -> Value {
    let res = app.request(method, path, Some(token)).header("X-Servdesk-Now", when).json(&body).send().await.unwrap();
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or_default();
    assert!(status.is_success(), "{path} at {when}: {status} {answer}");
    answer
}

/// A report as of 1 February.
async fn report(app: &TestApp, token: &str, name: &str, query: &str) -> Value {
    let path = format!("/api/v1/reports/{name}?from=2027-01-01&to=2027-01-31&group_by=week&time_zone=UTC{query}");
    let res = app.request(Method::GET, &path, Some(token)).header("X-Servdesk-Now", "2027-02-01T00:00:00Z").send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// A column of every row: `rows[*][key]`.
fn column(report: &Value, key: &str) -> Vec<Value> {
    report["rows"].as_array().unwrap().iter().map(|r| r[key].clone()).collect()
}

fn spread(count: u64, median: f64, p90: f64) -> Value {
    json!({"count": count, "median_minutes": median, "p90_minutes": p90})
}

const NONE: Value = Value::Null;

#[tokio::test]
async fn a_known_month_gives_every_figure_exactly_and_the_reports_agree_with_the_ticket_list() {
    let app = TestApp::spawn_with(|c| c.clock_header = true).await;
    let admin = app.admin_token().await;
    let admin_id = {
        let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
        id(&me)
    };
    let (ana_id, ana) = app.user_with("agent", json!({"name": "Ana"})).await;
    let (bor_id, bor) = app.user_with("agent", json!({"name": "Bor"})).await;
    let nine_to_five = json!([{"from": "09:00", "to": "17:00"}]);
    let week = json!({"monday": nine_to_five, "tuesday": nine_to_five, "wednesday": nine_to_five, "thursday": nine_to_five,
                      "friday": nine_to_five});
    let before = "2026-12-31T12:00:00Z";
    let calendar =
        at(&app, before, Method::POST, "/api/v1/sla/calendars", &admin, json!({"name": "Office", "time_zone": "UTC", "week": week})).await;
    let policy = at(
        &app,
        before,
        Method::POST,
        "/api/v1/sla/policies",
        &admin,
        json!({"name": "Standard", "calendar_id": id(&calendar), "first_response_minutes": 60, "resolution_minutes": 960}),
    )
    .await;
    let open = status_of_class(&app, &admin, "open").await;
    let cancelled = status_of_class(&app, &admin, "cancelled").await;
    let ticket = |when: &'static str, title: &'static str, assignee: Option<&String>| {
        let (app, admin) = (&app, &admin);
        let body = json!({"title": title, "assignee_id": assignee});
        async move { id(&at(app, when, Method::POST, "/api/v1/tickets", admin, body).await) }
    };
    let post = |when: &'static str, path: String, token: &String, body: Value| {
        let (app, token) = (&app, token.clone());
        async move { at(app, when, Method::POST, &path, &token, body).await }
    };

    // Week of 4 January. T1: answered by Ana in 30 minutes, a task, closed the next morning.
    let t1 = ticket("2027-01-04T09:00:00Z", "Boiler", Some(&ana_id)).await;
    post("2027-01-04T09:30:00Z", format!("/api/v1/tickets/{t1}/comments"), &ana, json!({"visibility": "public", "body": "On it"})).await;
    post("2027-01-04T10:00:00Z", format!("/api/v1/tickets/{t1}/tasks"), &admin, json!({"title": "Visit"})).await;
    post("2027-01-05T09:00:00Z", format!("/api/v1/tickets/{t1}/close"), &admin, json!({"cancel_open_tasks": true})).await;
    // T2: reported Wednesday 16:00, answered Thursday 10:00 (two business hours: missed);
    // never resolved; Ana logs 45 minutes on it.
    let t2 = ticket("2027-01-06T16:00:00Z", "Leak", Some(&ana_id)).await;
    post("2027-01-07T10:00:00Z", format!("/api/v1/tickets/{t2}/comments"), &ana, json!({"visibility": "public", "body": "Tomorrow"})).await;
    post(
        "2027-01-07T11:00:00Z",
        "/api/v1/time-entries".to_owned(),
        &ana,
        json!({"ticket_id": t2, "work_date": "2027-01-07", "minutes": 45}),
    )
    .await;

    // Week of 11 January. T3: reported before hours, opened by Bor at 09:10 (the first
    // response), 90 minutes of his time, closed, reopened by him, closed again (late).
    let t3 = ticket("2027-01-11T08:00:00Z", "Heater", Some(&bor_id)).await;
    post("2027-01-11T09:10:00Z", format!("/api/v1/tickets/{t3}/status"), &bor, json!({"status_id": open})).await;
    post(
        "2027-01-11T12:00:00Z",
        "/api/v1/time-entries".to_owned(),
        &bor,
        json!({"ticket_id": t3, "work_date": "2027-01-11", "minutes": 90}),
    )
    .await;
    post("2027-01-12T12:00:00Z", format!("/api/v1/tickets/{t3}/close"), &admin, json!({})).await;
    post("2027-01-13T09:00:00Z", format!("/api/v1/tickets/{t3}/reopen"), &bor, json!({"note": "Cold again"})).await;
    post("2027-01-14T09:00:00Z", format!("/api/v1/tickets/{t3}/close"), &admin, json!({})).await;
    // T4: cancelled an hour after it came in.
    let t4 = ticket("2027-01-15T12:00:00Z", "Noise", None).await;
    post("2027-01-15T13:00:00Z", format!("/api/v1/tickets/{t4}/close"), &admin, json!({"status_id": cancelled})).await;

    // Week of 18 January: calls. One becomes T5 (never answered), two are dismissed.
    let call = |when: &'static str, subject: &'static str| {
        let (app, admin) = (&app, &admin);
        let body = json!({"channel": "email", "from_email": "iva@vodovod.si", "subject": subject});
        async move {
            let made = at(app, when, Method::POST, "/api/v1/calls", admin, body).await;
            made["id"].as_str().or(made["call"]["id"].as_str()).unwrap().to_owned()
        }
    };
    let c1 = call("2027-01-18T10:00:00Z", "Pump").await;
    let converted = post("2027-01-18T10:05:00Z", format!("/api/v1/calls/{c1}/convert"), &admin, json!({})).await;
    let t5 = converted["ticket"]["id"].as_str().or(converted["ticket_id"].as_str()).unwrap().to_owned();
    let c2 = call("2027-01-19T11:00:00Z", "Cheap pills").await;
    post("2027-01-19T11:01:00Z", format!("/api/v1/calls/{c2}/dismiss"), &admin, json!({"reason": "spam"})).await;
    let c3 = call("2027-01-19T12:00:00Z", "Pump again").await;
    post("2027-01-19T12:01:00Z", format!("/api/v1/calls/{c3}/dismiss"), &admin, json!({"reason": "duplicate"})).await;
    // Week of 25 January: a call nobody has looked at.
    call("2027-01-25T08:00:00Z", "Radiator").await;

    let weeks = ["2027-01-01", "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25"];

    // Intake.
    let calls = report(&app, &admin, "calls", "").await;
    assert_eq!(calls["period"], json!({"from": "2027-01-01", "to": "2027-01-31", "group_by": "week", "time_zone": "UTC"}));
    assert_eq!(column(&calls, "from"), weeks.map(|w| json!(w)));
    assert_eq!(column(&calls, "to"), ["2027-01-03", "2027-01-10", "2027-01-17", "2027-01-24", "2027-01-31"].map(|w| json!(w)));
    assert_eq!(column(&calls, "received"), [0, 0, 0, 3, 1].map(|n| json!(n)));
    assert_eq!(column(&calls, "converted"), [0, 0, 0, 1, 0].map(|n| json!(n)));
    assert_eq!(column(&calls, "dismissed"), [0, 0, 0, 2, 0].map(|n| json!(n)));
    assert_eq!(column(&calls, "untriaged"), [0, 0, 0, 0, 1].map(|n| json!(n)));
    assert_eq!(column(&calls, "tickets_opened"), [0, 2, 2, 1, 0].map(|n| json!(n)));
    assert_eq!(column(&calls, "tickets_with_tasks"), [0, 1, 0, 0, 0].map(|n| json!(n)));
    assert_eq!(calls["rows"][3]["dismissed_by_reason"], json!({"duplicate": 1, "spam": 1}));
    let total = &calls["total"];
    assert_eq!(
        [&total["received"], &total["untriaged"], &total["converted"], &total["merged"], &total["dismissed"], &total["tickets_opened"]],
        [&json!(4), &json!(1), &json!(1), &json!(0), &json!(2), &json!(5)]
    );

    // Ticket flow, and the list agrees.
    let flow = report(&app, &admin, "tickets", "").await;
    assert_eq!(column(&flow, "opened"), [0, 2, 2, 1, 0].map(|n| json!(n)));
    assert_eq!(column(&flow, "closed"), [0, 1, 1, 0, 0].map(|n| json!(n)));
    assert_eq!(column(&flow, "cancelled"), [0, 0, 1, 0, 0].map(|n| json!(n)));
    assert_eq!(column(&flow, "reopened"), [0, 0, 1, 0, 0].map(|n| json!(n)));
    assert_eq!(column(&flow, "backlog"), [0, 1, 1, 2, 2].map(|n| json!(n)));
    assert_eq!(
        flow["total"],
        json!({"from": "2027-01-01", "to": "2027-01-31", "opened": 5, "closed": 2, "cancelled": 1, "reopened": 1, "backlog": 2})
    );
    let listed: Value = app
        .get("/api/v1/tickets?created_from=2027-01-04T00:00:00Z&created_to=2027-01-11T00:00:00Z&limit=100", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let mut open_now = 0;
    for class in ["new", "open", "pending", "resolved"] {
        let page: Value = app.get(&format!("/api/v1/tickets?status_class={class}&limit=100"), &admin).await.json().await.unwrap();
        open_now += page["items"].as_array().unwrap().len();
    }
    assert_eq!(json!(open_now), flow["total"]["backlog"], "the backlog at the period's end is what is open now");

    // Response and close times, calendar and business.
    let times = report(&app, &admin, "response-times", "").await;
    assert_eq!(times["rows"][1]["first_response"], spread(2, 555.0, 975.0));
    assert_eq!(times["rows"][1]["first_response_business"], spread(2, 75.0, 111.0));
    assert_eq!(times["rows"][2]["first_response"], spread(2, 65.0, 69.0));
    assert_eq!(times["rows"][2]["first_response_business"], spread(2, 35.0, 55.0));
    assert_eq!(times["rows"][3]["first_response"], json!({"count": 0, "median_minutes": NONE, "p90_minutes": NONE}));
    assert_eq!(times["total"]["first_response"], spread(4, 65.0, 777.0));
    assert_eq!(times["total"]["first_response_business"], spread(4, 45.0, 102.0));
    assert_eq!(times["rows"][1]["close"], spread(1, 1440.0, 1440.0));
    assert_eq!(times["rows"][1]["close_business"], spread(1, 480.0, 480.0));
    assert_eq!(times["rows"][2]["close"], spread(1, 4380.0, 4380.0));
    assert_eq!(times["rows"][2]["close_business"], spread(1, 1440.0, 1440.0));
    assert_eq!(times["total"]["close"], spread(2, 2910.0, 4086.0));
    assert_eq!(times["total"]["close_business"], spread(2, 960.0, 1344.0));
    assert_eq!(times["rows"][1]["mean_minutes_in"], json!({"new": 1440.0, "open": 0.0, "pending": 0.0, "resolved": 0.0}));
    assert_eq!(times["rows"][2]["mean_minutes_in"], json!({"new": 70.0, "open": 3050.0, "pending": 0.0, "resolved": 0.0}));
    assert_eq!((&times["total"]["closed"], &times["total"]["mean_minutes_in"]["new"]), (&json!(2), &json!(755.0)));

    // Work per agent.
    let agents = report(&app, &admin, "agents", "").await;
    let work = |rows: &Value, from: &str, who: &str| -> Value {
        let found = rows.as_array().unwrap().iter().find(|r| r["from"] == from && r["user_id"] == who).cloned().unwrap_or(Value::Null);
        json!([found["handled"], found["replies"], found["first_responses"], found["closed"], found["minutes"]])
    };
    assert_eq!(work(&agents["rows"], "2027-01-04", &ana_id), json!([2, 2, 2, 0, 45]));
    assert_eq!(work(&agents["rows"], "2027-01-04", &admin_id), json!([1, 0, 0, 1, 0]));
    assert_eq!(work(&agents["rows"], "2027-01-11", &bor_id), json!([1, 0, 1, 0, 90]));
    assert_eq!(work(&agents["rows"], "2027-01-11", &admin_id), json!([2, 0, 1, 1, 0]));
    assert_eq!(agents["rows"].as_array().unwrap().len(), 4, "{agents}");
    assert_eq!(work(&agents["total"], "2027-01-01", &admin_id), json!([3, 0, 1, 2, 0]));
    assert_eq!(work(&agents["total"], "2027-01-01", &ana_id), json!([2, 2, 2, 0, 45]));
    let only_ana = report(&app, &admin, "agents", &format!("&agent_id={ana_id}")).await;
    let names: Vec<&str> = only_ana["total"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Ana"]);

    // SLA compliance of the tickets opened each week, as of 1 February.
    let sla = report(&app, &admin, "sla", "").await;
    let tally = |rows: &Value, from: &str, target: &str| -> Value {
        let found = rows.as_array().unwrap().iter().find(|r| r["from"] == from && r["target"] == target).cloned().unwrap_or(Value::Null);
        json!([found["tickets"], found["met"], found["missed"], found["running"], found["compliance_percent"]])
    };
    assert_eq!(tally(&sla["rows"], "2027-01-04", "first_response"), json!([2, 1, 1, 0, 50.0]));
    assert_eq!(tally(&sla["rows"], "2027-01-04", "resolution"), json!([2, 1, 1, 0, 50.0]));
    assert_eq!(tally(&sla["rows"], "2027-01-11", "first_response"), json!([2, 2, 0, 0, 100.0]));
    assert_eq!(tally(&sla["rows"], "2027-01-11", "resolution"), json!([2, 1, 1, 0, 50.0]));
    assert_eq!(tally(&sla["rows"], "2027-01-18", "first_response"), json!([1, 0, 1, 0, 0.0]));
    assert_eq!(tally(&sla["total"], "2027-01-01", "first_response"), json!([5, 3, 2, 0, 60.0]));
    assert_eq!(tally(&sla["total"], "2027-01-01", "resolution"), json!([5, 2, 3, 0, 40.0]));
    assert_eq!(sla["total"][0]["policy_id"], policy["id"]);
    assert!(sla["rows"].as_array().unwrap().iter().all(|r| r["target"] != "next_response"), "not measured by the policy");

    // A filter narrows every report the same way: Bor's tickets alone.
    let bors = report(&app, &admin, "tickets", &format!("&agent_id={bor_id}")).await;
    assert_eq!((&bors["total"]["opened"], &bors["total"]["closed"], &bors["total"]["backlog"]), (&json!(1), &json!(1), &json!(0)));
    let t5_shown: Value = app.get(&format!("/api/v1/tickets/{t5}"), &admin).await.json().await.unwrap();
    assert_eq!(t5_shown["channel"], "email");
    let by_email = report(&app, &admin, "calls", "&channel=email").await;
    assert_eq!((&by_email["total"]["received"], &by_email["total"]["tickets_opened"]), (&json!(4), &json!(1)));

    // CSV for spreadsheets: a row per week and the total.
    let res = app
        .request(Method::GET, "/api/v1/reports/tickets?from=2027-01-01&to=2027-01-31&group_by=week&time_zone=UTC", Some(&admin))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = res.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,from,to,opened,closed,cancelled,reopened,backlog");
    assert_eq!(lines[2], "bucket,2027-01-04,2027-01-10,2,1,0,0,1");
    assert_eq!(lines[6], "total,2027-01-01,2027-01-31,5,2,1,1,2");
    let _ = (t1, t2, t3, t4);
}

#[tokio::test]
async fn a_report_refuses_a_period_too_long_an_unknown_grouping_or_zone_and_is_for_managers() {
    let app = TestApp::spawn_with(|c| c.report_max_days = 92).await;
    let admin = app.admin_token().await;
    let problem =
        expect_problem(app.get("/api/v1/reports/tickets?from=2027-01-01&to=2027-12-31", &admin).await, 422, "validation_failed").await;
    assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!("to"), &json!("too_long")));
    let problem = expect_problem(app.get("/api/v1/reports/agents?period=2027", &admin).await, 422, "validation_failed").await;
    assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!("period"), &json!("too_long")));
    let problem = expect_problem(
        app.get("/api/v1/reports/sla?period=2027-01&group_by=fortnight&time_zone=Europe/Atlantis&channel=pigeon", &admin).await,
        422,
        "validation_failed",
    )
    .await;
    let found: Vec<(&str, &str)> =
        problem["errors"].as_array().unwrap().iter().map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(found, [("group_by", "unknown"), ("time_zone", "time_zone"), ("channel", "unknown")]);
    let problem =
        expect_problem(app.get("/api/v1/reports/calls?from=2027-02-01&to=2027-01-01", &admin).await, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "before_start");
    expect_problem(app.get("/api/v1/reports/calls?from=2027-02-01", &admin).await, 400, "invalid_query").await;
    let problem =
        expect_problem(app.get("/api/v1/reports/calls?from=1066-10-14&to=1066-10-14", &admin).await, 422, "validation_failed").await;
    assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!("from"), &json!("range")));

    // Managers and finance read reports; agents do not. The default grouping is by day, in
    // the installation's zone.
    let (_, agent) = app.user("agent").await;
    expect_problem(app.get("/api/v1/reports/tickets?period=2027-01", &agent).await, 403, "forbidden").await;
    let (_, finance) = app.user("finance").await;
    let shown: Value = app.get("/api/v1/reports/response-times?period=2027-02", &finance).await.json().await.unwrap();
    assert_eq!((shown["rows"].as_array().unwrap().len(), &shown["period"]["time_zone"]), (28, &json!("UTC")));
    assert_eq!(shown["total"]["first_response"], json!({"count": 0, "median_minutes": NONE, "p90_minutes": NONE}));
}

#[tokio::test]
async fn the_demo_fills_an_empty_installation_with_a_month_every_report_shows_and_refuses_a_second_time() {
    let app = TestApp::spawn().await;
    let filled = servdesk_api::demo::fill(app.state.config.as_ref().clone()).await.unwrap();
    assert!(filled.calls > 50 && filled.tickets > 40 && filled.tasks > 10, "{filled:?}");
    let manager = app.login(&filled.manager_email, &filled.password).await["access_token"].as_str().unwrap().to_owned();
    let month = filled.first_day.format("%Y-%m");
    let total = |report: Value| report["total"].clone();
    let calls = total(app.get(&format!("/api/v1/reports/calls?period={month}"), &manager).await.json().await.unwrap());
    assert!(calls["received"].as_i64().unwrap() >= filled.calls as i64 - 5, "{calls}");
    assert!(calls["dismissed"].as_i64().unwrap() > 0 && calls["tickets_with_tasks"].as_i64().unwrap() > 0, "{calls}");
    let flow = total(app.get(&format!("/api/v1/reports/tickets?period={month}"), &manager).await.json().await.unwrap());
    assert!(flow["closed"].as_i64().unwrap() > 0 && flow["backlog"].as_i64().unwrap() > 0, "{flow}");
    let times = total(app.get(&format!("/api/v1/reports/response-times?period={month}"), &manager).await.json().await.unwrap());
    assert!(times["first_response_business"]["median_minutes"].is_number(), "{times}");
    let agents: Value = app.get(&format!("/api/v1/reports/agents?period={month}"), &manager).await.json().await.unwrap();
    assert!(agents["total"].as_array().unwrap().len() >= 4, "agents and technicians worked: {agents}");
    let sla: Value = app.get(&format!("/api/v1/reports/sla?period={month}"), &manager).await.json().await.unwrap();
    let missed: i64 = sla["total"].as_array().unwrap().iter().map(|r| r["missed"].as_i64().unwrap()).sum();
    assert!(missed > 0, "breaches included: {sla}");
    // Tickets in every status class.
    for class in ["new", "open", "pending", "resolved", "closed", "cancelled"] {
        let page: Value = app.get(&format!("/api/v1/tickets?status_class={class}&limit=1"), &manager).await.json().await.unwrap();
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1), "a ticket of class {class}");
    }
    let again = servdesk_api::demo::fill(app.state.config.as_ref().clone()).await.unwrap_err();
    assert!(again.contains("already holds tickets"), "{again}");
}
