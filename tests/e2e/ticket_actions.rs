//! Ticket actions: status changes with their stamps, closing and reopening, the team queue,
//! claiming and hand-over — each on the timeline.

use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

async fn status_id(app: &TestApp, token: &str, name: &str) -> String {
    let statuses: Value = app.get("/api/v1/dictionaries/ticket-statuses", token).await.json().await.unwrap();
    id(statuses["items"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap())
}

async fn kinds(app: &TestApp, token: &str, ticket: &str) -> Vec<String> {
    let events: Value = app.get(&format!("/api/v1/tickets/{ticket}/events"), token).await.json().await.unwrap();
    events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn status_changes_stamp_first_response_and_closing_is_its_own_action() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (_, agent) = app.user("agent").await;
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "No heating"})).await;
    let t = id(&ticket);
    assert!(ticket["first_response_at"].is_null());

    let in_progress = status_id(&app, &agent, "In progress").await;
    let moved: Value = app
        .post(&format!("/api/v1/tickets/{t}/status"), &agent, json!({"status_id": in_progress, "note": "On it"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(moved["status"]["name"], "In progress");
    assert!(moved["first_response_at"].is_string());
    let events: Value = app.get(&format!("/api/v1/tickets/{t}/events"), &agent).await.json().await.unwrap();
    assert_eq!(events["items"][1]["data"]["from"]["name"], "New");
    assert_eq!(events["items"][1]["data"]["to"]["name"], "In progress");
    assert_eq!(events["items"][1]["data"]["note"], "On it");

    let closed_status = status_id(&app, &agent, "Closed").await;
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/status"), &agent, json!({"status_id": closed_status})).await, 409, "use_close")
        .await;
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/close"), &agent, json!({})).await, 403, "forbidden").await;

    let closed: Value =
        app.post(&format!("/api/v1/tickets/{t}/close"), &coordinator, json!({"note": "Fixed on site"})).await.json().await.unwrap();
    assert_eq!(closed["status"]["class"], "closed");
    assert!(closed["closed_at"].is_string() && closed["resolved_at"].is_string());
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/status"), &agent, json!({"status_id": in_progress})).await, 409, "ticket_closed")
        .await;
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/close"), &coordinator, json!({})).await, 409, "ticket_closed").await;

    let reopened: Value =
        app.post(&format!("/api/v1/tickets/{t}/reopen"), &agent, json!({"note": "Cold again"})).await.json().await.unwrap();
    assert_eq!(reopened["status"]["class"], "open");
    assert!(reopened["closed_at"].is_null() && reopened["resolved_at"].is_null());
    assert_eq!(reopened["first_response_at"], moved["first_response_at"], "the first response stays");
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/reopen"), &agent, json!({})).await, 409, "ticket_not_closed").await;
    assert_eq!(kinds(&app, &agent, &t).await, ["created", "status_changed", "closed", "reopened"]);
}

#[tokio::test]
async fn a_ticket_closed_longer_than_the_window_cannot_be_reopened() {
    let app = TestApp::spawn_with(|c| c.reopen_window = std::time::Duration::ZERO).await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Old"})).await;
    app.post(&format!("/api/v1/tickets/{}/close", id(&ticket)), &admin, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    expect_problem(app.post(&format!("/api/v1/tickets/{}/reopen", id(&ticket)), &admin, json!({})).await, 409, "reopen_window_passed")
        .await;
}

#[tokio::test]
async fn agents_claim_from_their_team_queue_and_hand_over_with_a_note() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let admin = app.admin_token().await;
    let (ana_id, ana) = app.user("agent").await;
    let (bo_id, bo) = app.user("agent").await;
    let (_, outsider) = app.user("agent").await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Field"})).await;
    for member in [&ana_id, &bo_id] {
        app.post(&format!("/api/v1/teams/{}/members", id(&team)), &admin, json!({"user_id": member})).await;
    }
    let ticket = create(&app, &coordinator, "/api/v1/tickets", json!({"title": "Queue me"})).await;
    let t = id(&ticket);
    let queued: Value =
        app.post(&format!("/api/v1/tickets/{t}/assign"), &coordinator, json!({"team_id": id(&team)})).await.json().await.unwrap();
    assert_eq!(queued["team_id"], team["id"]);
    assert!(queued["assignee_id"].is_null());

    expect_problem(app.post(&format!("/api/v1/tickets/{t}/claim"), &outsider, json!({})).await, 404, "not_found").await;
    let claimed: Value = app.post(&format!("/api/v1/tickets/{t}/claim"), &ana, json!({})).await.json().await.unwrap();
    assert_eq!(claimed["assignee_id"], ana_id);
    expect_problem(app.post(&format!("/api/v1/tickets/{t}/claim"), &bo, json!({})).await, 409, "already_assigned").await;

    expect_problem(
        app.post(&format!("/api/v1/tickets/{t}/handover"), &bo, json!({"assignee_id": bo_id, "note": "mine"})).await,
        409,
        "not_assignee",
    )
    .await;
    expect_problem(
        app.post(&format!("/api/v1/tickets/{t}/handover"), &ana, json!({"assignee_id": bo_id, "note": " "})).await,
        422,
        "validation_failed",
    )
    .await;
    let handed: Value = app
        .post(&format!("/api/v1/tickets/{t}/handover"), &ana, json!({"assignee_id": bo_id, "note": "Off tomorrow; call the customer back"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(handed["assignee_id"], bo_id);

    let events: Value = app.get(&format!("/api/v1/tickets/{t}/events"), &bo).await.json().await.unwrap();
    let last = events["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "handed_over");
    assert_eq!(last["data"], json!({"from": ana_id, "to": bo_id, "note": "Off tomorrow; call the customer back"}));
    assert_eq!(kinds(&app, &bo, &t).await, ["created", "assigned", "claimed", "handed_over"]);

    // Seeing a ticket (here: having opened it) is not enough to claim it from a team queue.
    let own = create(&app, &outsider, "/api/v1/tickets", json!({"title": "Opened by an outsider"})).await;
    app.post(&format!("/api/v1/tickets/{}/assign", id(&own)), &coordinator, json!({"team_id": id(&team)})).await;
    expect_problem(app.post(&format!("/api/v1/tickets/{}/claim", id(&own)), &outsider, json!({})).await, 409, "not_in_team").await;

    // A queued ticket claimed by a team member is no longer in the queue.
    let queue: Value = app.get(&format!("/api/v1/tickets?team_id={}&unassigned=true", id(&team)), &coordinator).await.json().await.unwrap();
    let titles: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Opened by an outsider"]);
}
