//! The planner (lanes per assignee, overlaps, the unplanned pile) and the iCalendar feed,
//! read back with a real iCalendar parser.

use std::io::BufReader;

use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

fn at(days: i64, hour: i64) -> String {
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    (midnight + Duration::days(days) + Duration::hours(hour)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[tokio::test]
async fn the_planner_groups_by_assignee_flags_overlaps_and_lists_the_unplanned() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (ana, _) = app.user("technician").await;
    let (bor, _) = app.user("technician").await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Field north"})).await;
    let res = app.post(&format!("/api/v1/teams/{}/members", id(&team)), &admin, json!({"user_id": bor})).await;
    assert!(res.status().is_success());
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Plant", "details": "three jobs"})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let task = |title: &str, who: &str, start: Option<(i64, i64)>, end: Option<(i64, i64)>| {
        let mut body = json!({"title": title, "assignee_id": who});
        if let Some((d, h)) = start {
            body["planned_start"] = json!(at(d, h));
        }
        if let Some((d, h)) = end {
            body["planned_end"] = json!(at(d, h));
        }
        body
    };
    let a1 = create(&app, &admin, &path, task("A1", &ana, Some((1, 8)), Some((1, 10)))).await;
    let a2 = create(&app, &admin, &path, task("A2", &ana, Some((1, 9)), Some((1, 11)))).await;
    let a3 = create(&app, &admin, &path, task("A3", &ana, Some((1, 11)), Some((1, 12)))).await;
    create(&app, &admin, &path, task("B1", &bor, Some((1, 9)), Some((1, 11)))).await;
    create(&app, &admin, &path, task("Later", &bor, Some((20, 9)), None)).await;
    create(&app, &admin, &path, task("Unplanned", &bor, None, None)).await;

    let url = format!("/api/v1/planner?from={}&to={}", at(0, 0).replace('+', "%2B"), at(7, 0).replace('+', "%2B"));
    let res = app.get(&url, &admin).await;
    assert_eq!(res.status(), 200);
    let planner: Value = res.json().await.unwrap();
    let lanes = planner["assignees"].as_array().unwrap();
    assert_eq!(lanes.len(), 2);
    let ana_lane = lanes.iter().find(|l| l["assignee_id"] == ana.as_str()).unwrap();
    let flags: Vec<(&str, bool)> =
        ana_lane["tasks"].as_array().unwrap().iter().map(|t| (t["title"].as_str().unwrap(), t["overlaps"].as_bool().unwrap())).collect();
    assert_eq!(flags, [("A1", true), ("A2", true), ("A3", false)], "A3 only touches A2");
    assert_eq!(ana_lane["overlaps"], 2);
    let ana_user: Value = app.get(&format!("/api/v1/users/{ana}"), &admin).await.json().await.unwrap();
    assert_eq!(ana_lane["name"], ana_user["name"], "a lane carries its person's name");
    let names: Vec<&str> = lanes.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert!(names[0] <= names[1], "lanes come by name: {names:?}");
    let bor_lane = lanes.iter().find(|l| l["assignee_id"] == bor.as_str()).unwrap();
    assert_eq!(bor_lane["tasks"].as_array().unwrap().len(), 1, "B1 overlaps Ana's tasks, not Bor's own; Later is outside the range");
    assert_eq!(bor_lane["tasks"][0]["overlaps"], false);
    let unplanned: Vec<&str> = planner["unplanned"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(unplanned, ["Unplanned"]);

    let of_team: Value = app.get(&format!("{url}&team_id={}", id(&team)), &admin).await.json().await.unwrap();
    assert_eq!(of_team["assignees"].as_array().unwrap().len(), 1);
    assert_eq!(of_team["assignees"][0]["assignee_id"], bor.as_str());
    let one: Value = app.get(&format!("{url}&assignee_id={ana}"), &admin).await.json().await.unwrap();
    assert_eq!(one["assignees"].as_array().unwrap().len(), 1);
    assert!(one["unplanned"].as_array().unwrap().is_empty());

    // Cancelled work leaves the plan.
    let res = app.post(&format!("/api/v1/tasks/{}/status", id(&a2)), &admin, json!({"status": "cancelled"})).await;
    assert_eq!(res.status(), 200);
    let after: Value = app.get(&format!("{url}&assignee_id={ana}"), &admin).await.json().await.unwrap();
    let titles: Vec<(&str, bool)> = after["assignees"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["title"].as_str().unwrap(), t["overlaps"].as_bool().unwrap()))
        .collect();
    assert_eq!(titles, [("A1", false), ("A3", false)]);
    let _ = (a1, a3);

    let wide = format!("/api/v1/planner?from={}&to={}", at(0, 0).replace('+', "%2B"), at(200, 0).replace('+', "%2B"));
    expect_problem(app.get(&wide, &admin).await, 400, "invalid_range").await;
    let backwards = format!("/api/v1/planner?from={}&to={}", at(2, 0).replace('+', "%2B"), at(1, 0).replace('+', "%2B"));
    expect_problem(app.get(&backwards, &admin).await, 400, "invalid_range").await;
}

/// `(name, value)` of each property of each event the parser found.
fn parse(ics: &str) -> Vec<Vec<(String, String)>> {
    let mut calendars = ical::IcalParser::new(BufReader::new(ics.as_bytes()));
    let calendar = calendars.next().expect("one calendar").expect("a valid calendar");
    assert!(calendars.next().is_none());
    calendar.events.into_iter().map(|e| e.properties.into_iter().map(|p| (p.name, p.value.unwrap_or_default())).collect()).collect()
}

fn property<'a>(event: &'a [(String, String)], name: &str) -> &'a str {
    event.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
}

#[tokio::test]
async fn the_calendar_feed_parses_and_a_revoked_or_replaced_token_stops_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user("technician").await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Mlinotest"})).await;
    let location = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{}/locations", id(&customer)),
        json!({"name": "Plant 2", "address_line": "Tovarniška 14", "postal_code": "5270", "city": "Ajdovščina", "country": "SI"}),
    )
    .await;
    let ticket =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Mill", "customer_id": id(&customer), "location_id": id(&location)})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let long_title = "Replace the bearings; check belts, tension and the motor's mounting — a long title that must be folded";
    let planned = create(
        &app,
        &admin,
        &path,
        json!({"title": long_title, "description": "Bring:\n- bearings\n- grease", "assignee_id": tech_id, "planned_start": at(2, 7), "planned_end": at(2, 9)}),
    )
    .await;
    create(&app, &admin, &path, json!({"title": "Someone else's", "planned_start": at(2, 7)})).await;
    create(&app, &admin, &path, json!({"title": "Not planned", "assignee_id": tech_id})).await;

    let issued: Value = app.post("/api/v1/me/calendar-token", &tech, json!({})).await.json().await.unwrap();
    let feed_url = issued["url"].as_str().unwrap().to_owned();
    let res = app.request(reqwest::Method::GET, &feed_url, None).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let ics = res.text().await.unwrap();
    assert!(ics.lines().all(|l| l.len() <= 76), "folded at 75 octets (plus the CR)");
    let events = parse(&ics);
    assert_eq!(events.len(), 1, "the technician's planned tasks only");
    let event = &events[0];
    assert_eq!(
        property(event, "SUMMARY"),
        format!("{} {}", planned["number"].as_str().unwrap(), long_title).replace(';', "\\;").replace(',', "\\,")
    );
    assert!(property(event, "UID").starts_with(&format!("task-{}@", id(&planned))));
    assert_eq!(property(event, "DTSTART"), at(2, 7).replace(['-', ':'], "").replace("+0000", "Z"));
    assert_eq!(property(event, "LOCATION"), "Plant 2\\, Tovarniška 14\\, 5270 Ajdovščina\\, SI");
    assert_eq!(property(event, "DESCRIPTION"), "Bring:\\n- bearings\\n- grease");

    // A new token replaces the old; revoking ends the feed.
    let replaced: Value = app.post("/api/v1/me/calendar-token", &tech, json!({})).await.json().await.unwrap();
    expect_problem(app.request(reqwest::Method::GET, &feed_url, None).send().await.unwrap(), 401, "invalid_feed_token").await;
    let new_url = replaced["url"].as_str().unwrap().to_owned();
    assert_eq!(app.request(reqwest::Method::GET, &new_url, None).send().await.unwrap().status(), 200);
    assert_eq!(app.delete(&format!("/api/v1/users/{tech_id}/calendar-token"), &admin).await.status(), 204);
    expect_problem(app.request(reqwest::Method::GET, &new_url, None).send().await.unwrap(), 401, "invalid_feed_token").await;
    let own: Value = app.post("/api/v1/me/calendar-token", &tech, json!({})).await.json().await.unwrap();
    let own_url = own["url"].as_str().unwrap().to_owned();
    assert_eq!(app.request(reqwest::Method::GET, &own_url, None).send().await.unwrap().status(), 200);
    assert_eq!(app.delete("/api/v1/me/calendar-token", &tech).await.status(), 204);
    expect_problem(app.request(reqwest::Method::GET, &own_url, None).send().await.unwrap(), 401, "invalid_feed_token").await;
    let wrong = format!("/api/v1/users/{tech_id}/calendar.ics?token=guess");
    expect_problem(app.request(reqwest::Method::GET, &wrong, None).send().await.unwrap(), 401, "invalid_feed_token").await;
}
