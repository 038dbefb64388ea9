//! SLA policies on business calendars: admins keep them, checked whole; everyone reads them.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

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
