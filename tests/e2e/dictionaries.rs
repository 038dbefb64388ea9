//! Dictionaries: seeded defaults, free renaming, one default per scope, shapes per kind,
//! and deletes refused while something refers to an entry.

use serde_json::{Value, json};

use crate::support::{TestApp, expect_problem};

async fn list(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let page: Value = app.get(&format!("/api/v1/dictionaries/{kind}"), token).await.json().await.unwrap();
    assert!(page["next_cursor"].is_null());
    page["items"].as_array().unwrap().clone()
}

fn named<'a>(items: &'a [Value], name: &str) -> &'a Value {
    items.iter().find(|i| i["name"] == name).unwrap_or_else(|| panic!("{name} is missing"))
}

#[tokio::test]
async fn the_dictionaries_come_seeded_with_one_default_per_status_class() {
    let app = TestApp::spawn().await;
    let (_, technician) = app.user("technician").await;
    let statuses = list(&app, &technician, "ticket-statuses").await;
    let names: Vec<&str> = statuses.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["New", "Open", "In progress", "Waiting for customer", "Waiting for parts", "Resolved", "Closed", "Cancelled"]);
    for class in ["new", "open", "pending", "resolved", "closed", "cancelled"] {
        let defaults = statuses.iter().filter(|s| s["class"] == class && s["is_default"] == true).count();
        assert_eq!(defaults, 1, "class {class}");
    }
    let priorities = list(&app, &technician, "priorities").await;
    assert_eq!(named(&priorities, "Normal")["is_default"], true);

    let categories = list(&app, &technician, "task-categories").await;
    let repair = named(&categories, "Repair");
    assert_eq!(repair["default_checklist"], json!(["Replace the faulty part", "Functional test", "Clean the unit"]));
    let types: Value = app
        .get(&format!("/api/v1/dictionaries/task-types?parent_id={}", repair["id"].as_str().unwrap()), &technician)
        .await
        .json()
        .await
        .unwrap();
    let type_names: Vec<&str> = types["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(type_names, ["On-site repair", "Workshop repair"]);
    assert_eq!(list(&app, &technician, "ticket-categories").await.len(), 4);
    assert_eq!(list(&app, &technician, "ticket-types").await.len(), 4);
    expect_problem(app.get("/api/v1/dictionaries/colours", &technician).await, 400, "invalid_path_parameter").await;
}

#[tokio::test]
async fn making_a_status_the_default_replaces_the_default_of_its_class_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let statuses = list(&app, &admin, "ticket-statuses").await;
    let in_progress = named(&statuses, "In progress")["id"].as_str().unwrap().to_owned();
    let res = app
        .patch(&format!("/api/v1/dictionaries/ticket-statuses/{in_progress}"), &admin, json!({"name": "Working on it", "is_default": true}))
        .await;
    assert_eq!(res.status(), 200);
    let after = list(&app, &admin, "ticket-statuses").await;
    assert_eq!(named(&after, "Working on it")["is_default"], true, "renaming is free");
    assert_eq!(named(&after, "Open")["is_default"], false, "the old default of class open");
    assert_eq!(named(&after, "Closed")["is_default"], true, "other classes keep theirs");

    // The default can be replaced but not removed.
    let path = format!("/api/v1/dictionaries/ticket-statuses/{in_progress}");
    expect_problem(app.patch(&path, &admin, json!({"is_default": false})).await, 409, "default_required").await;
    expect_problem(app.patch(&path, &admin, json!({"class": "pending"})).await, 409, "default_required").await;
    expect_problem(app.delete(&path, &admin).await, 409, "default_required").await;
    let open = named(&after, "Open")["id"].as_str().unwrap().to_owned();
    assert_eq!(app.delete(&format!("/api/v1/dictionaries/ticket-statuses/{open}"), &admin).await.status(), 204);
}

#[tokio::test]
async fn entries_must_have_the_shape_of_their_kind() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let fields = |p: Value| p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let res = app.post("/api/v1/dictionaries/ticket-statuses", &admin, json!({"name": "Escalated"})).await;
    assert_eq!(fields(expect_problem(res, 422, "validation_failed").await), ["class"]);
    let res = app.post("/api/v1/dictionaries/priorities", &admin, json!({"name": "P0", "class": "open", "default_checklist": ["x"]})).await;
    assert_eq!(fields(expect_problem(res, 422, "validation_failed").await), ["class", "default_checklist"]);
    let res = app.post("/api/v1/dictionaries/task-types", &admin, json!({"name": "Remote fix"})).await;
    assert_eq!(fields(expect_problem(res, 422, "validation_failed").await), ["parent_id"]);
    let priority = list(&app, &admin, "priorities").await[0]["id"].clone();
    let res = app.post("/api/v1/dictionaries/task-types", &admin, json!({"name": "Remote fix", "parent_id": priority})).await;
    assert_eq!(fields(expect_problem(res, 422, "validation_failed").await), ["parent_id"], "the parent must be a task category");

    let created: Value =
        app.post("/api/v1/dictionaries/ticket-statuses", &admin, json!({"name": "Escalated", "class": "open"})).await.json().await.unwrap();
    assert_eq!(created["position"], 9, "appended");
    assert_eq!(created["is_default"], false);
    expect_problem(
        app.post("/api/v1/dictionaries/ticket-statuses", &admin, json!({"name": "escalated", "class": "open"})).await,
        409,
        "name_taken",
    )
    .await;
}

#[tokio::test]
async fn a_task_category_with_types_cannot_be_deleted_and_a_checklist_edit_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let category: Value = app
        .post(
            "/api/v1/dictionaries/task-categories",
            &admin,
            json!({"name": "Calibration", "default_checklist": ["Zero the scale", " ", "Record readings"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(category["default_checklist"], json!(["Zero the scale", "Record readings"]), "blank lines dropped");
    let id = category["id"].as_str().unwrap();
    let res = app.post("/api/v1/dictionaries/task-types", &admin, json!({"name": "Annual calibration", "parent_id": id})).await;
    assert_eq!(res.status(), 201);
    expect_problem(app.delete(&format!("/api/v1/dictionaries/task-categories/{id}"), &admin).await, 409, "dictionary_entry_in_use").await;
    let edited: Value = app
        .patch(&format!("/api/v1/dictionaries/task-categories/{id}"), &admin, json!({"default_checklist": ["Zero the scale"]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(edited["default_checklist"], json!(["Zero the scale"]));
    assert_eq!(edited["version"], 2);
    // An entry of one kind is not found under another.
    expect_problem(app.get(&format!("/api/v1/dictionaries/priorities/{id}"), &admin).await, 404, "not_found").await;
}

#[tokio::test]
async fn a_renamed_status_shows_on_tickets_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = crate::support::create(&app, &admin, "/api/v1/tickets", json!({"title": "Noisy fan"})).await;
    let path = format!("/api/v1/tickets/{}", ticket["id"].as_str().unwrap());
    let before: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(before["status"]["name"], "New");
    let status = before["status"]["id"].as_str().unwrap().to_owned();
    let res = app.patch(&format!("/api/v1/dictionaries/ticket-statuses/{status}"), &admin, json!({"name": "Received"})).await;
    assert_eq!(res.status(), 200);
    let after: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(after["status"]["name"], "Received", "the status snapshot was dropped by the rename");
    let listed: Value = app.get("/api/v1/tickets", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["status"]["name"], "Received");
}
