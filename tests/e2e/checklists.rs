//! Checklists: the category template copied into each new task, check marks with who and
//! when, reordering, deleting only unchecked lines, progress, and who may change which list.

use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

async fn repair_category(app: &TestApp, token: &str) -> Value {
    let list: Value = app.get("/api/v1/dictionaries/task-categories", token).await.json().await.unwrap();
    list["items"].as_array().unwrap().iter().find(|e| e["name"] == "Repair").unwrap().clone()
}

fn texts(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|i| i["text"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_new_task_gets_a_copy_of_its_categorys_checklist() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let repair = repair_category(&app, &admin).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump"})).await;
    let task =
        create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Fix", "category_id": id(&repair)})).await;
    let lines: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&task)), &admin).await.json().await.unwrap();
    assert_eq!(texts(&lines), ["Replace the faulty part", "Functional test", "Clean the unit"]);

    // Editing the template later leaves the existing task's copy alone.
    let path = format!("/api/v1/dictionaries/task-categories/{}", id(&repair));
    assert_eq!(app.patch(&path, &admin, json!({"default_checklist": ["Only this"]})).await.status(), 200);
    let again: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&task)), &admin).await.json().await.unwrap();
    assert_eq!(texts(&again).len(), 3);
    let newer =
        create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Again", "category_id": id(&repair)}))
            .await;
    let newer_lines: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&newer)), &admin).await.json().await.unwrap();
    assert_eq!(texts(&newer_lines), ["Only this"]);
}

#[tokio::test]
async fn lines_are_checked_with_who_and_when_reordered_and_only_unchecked_ones_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, technician) = app.user("technician").await;
    let repair = repair_category(&app, &admin).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Oven"})).await;
    let task = create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{}/tasks", id(&ticket)),
        json!({"title": "Fix", "category_id": id(&repair), "assignee_id": tech_id}),
    )
    .await;
    let list_path = format!("/api/v1/tasks/{}/checklist", id(&task));
    let lines: Value = app.get(&list_path, &technician).await.json().await.unwrap();
    let first = lines[0].clone();

    let checked: Value =
        app.patch(&format!("/api/v1/checklist-items/{}", id(&first)), &technician, json!({"checked": true})).await.json().await.unwrap();
    assert_eq!(checked["checked"], true);
    assert_eq!(checked["checked_by"], tech_id);
    assert!(checked["checked_at"].is_string());
    let progress: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!((progress["progress"]["checklist_checked"].as_u64(), progress["progress"]["checklist_total"].as_u64()), (Some(1), Some(3)));
    expect_problem(app.delete(&format!("/api/v1/checklist-items/{}", id(&first)), &technician).await, 409, "checklist_item_checked").await;

    let added = create(&app, &technician, &list_path, json!({"text": "Photograph the serial plate"})).await;
    assert_eq!(added["position"], 4);
    let moved: Value =
        app.patch(&format!("/api/v1/checklist-items/{}", id(&added)), &technician, json!({"position": 1})).await.json().await.unwrap();
    assert_eq!(moved["position"], 1);
    let lines: Value = app.get(&list_path, &technician).await.json().await.unwrap();
    assert_eq!(texts(&lines), ["Photograph the serial plate", "Replace the faulty part", "Functional test", "Clean the unit"]);

    assert_eq!(app.delete(&format!("/api/v1/checklist-items/{}", id(&lines[2])), &technician).await.status(), 204);
    let lines: Value = app.get(&list_path, &technician).await.json().await.unwrap();
    let positions: Vec<i64> = lines.as_array().unwrap().iter().map(|l| l["position"].as_i64().unwrap()).collect();
    assert_eq!(positions, [1, 2, 3], "renumbered");

    let unchecked: Value =
        app.patch(&format!("/api/v1/checklist-items/{}", id(&first)), &technician, json!({"checked": false})).await.json().await.unwrap();
    assert!(unchecked["checked_by"].is_null() && unchecked["checked_at"].is_null());

    let events: Value = app.get(&format!("/api/v1/tickets/{}/events?limit=200", id(&ticket)), &admin).await.json().await.unwrap();
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "checklist_changed")
        .map(|e| e["data"]["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["checked", "added", "moved", "deleted", "unchecked"]);
}

#[tokio::test]
async fn a_ticket_has_its_own_checklist_that_technicians_only_read() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, agent) = app.user("agent").await;
    let (tech_id, technician) = app.user("technician").await;
    let (other_id, _) = app.user("technician").await;
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Router"})).await;
    let path = format!("/api/v1/tickets/{}/checklist", id(&ticket));
    let line = create(&app, &agent, &path, json!({"text": "Call the customer back"})).await;
    assert!(line["task_id"].is_null());
    let tasks = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    create(&app, &admin, &tasks, json!({"title": "Mine", "assignee_id": tech_id})).await;
    let theirs = create(&app, &admin, &tasks, json!({"title": "Theirs", "assignee_id": other_id})).await;
    let their_line = create(&app, &admin, &format!("/api/v1/tasks/{}/checklist", id(&theirs)), json!({"text": "Theirs to do"})).await;

    let read: Value = app.get(&path, &technician).await.json().await.unwrap();
    assert_eq!(texts(&read), ["Call the customer back"]);
    expect_problem(
        app.patch(&format!("/api/v1/checklist-items/{}", id(&line)), &technician, json!({"checked": true})).await,
        403,
        "forbidden",
    )
    .await;
    expect_problem(
        app.patch(&format!("/api/v1/checklist-items/{}", id(&their_line)), &technician, json!({"checked": true})).await,
        404,
        "not_found",
    )
    .await;
    let done: Value = app
        .patch(&format!("/api/v1/checklist-items/{}", id(&line)), &agent, json!({"checked": true, "text": "Called the customer back"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((done["checked"].as_bool(), done["text"].as_str()), (Some(true), Some("Called the customer back")));
}
