//! Tasks: numbering per ticket, defaults from the ticket, the status machine, the ticket's
//! progress, closing by completion and the coordinator's close with open tasks, and what
//! technicians see.

use serde_json::{Value, json};
use servdesk_domain::jobs::JobStatus;
use servdesk_persistence::PageRequest;
use servdesk_persistence::jobs::{self, JobFilter};

use crate::support::{TestApp, create, expect_problem, id};

async fn entry(app: &TestApp, token: &str, kind: &str, name: &str) -> Value {
    let list: Value = app.get(&format!("/api/v1/dictionaries/{kind}?limit=200"), token).await.json().await.unwrap();
    list["items"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap().clone()
}

async fn status(app: &TestApp, token: &str, task: &Value, to: &str) -> reqwest::Response {
    app.post(&format!("/api/v1/tasks/{}/status", id(task)), token, json!({"status": to})).await
}

async fn ticket_of(app: &TestApp, token: &str, ticket: &Value) -> Value {
    app.get(&format!("/api/v1/tickets/{}", id(ticket)), token).await.json().await.unwrap()
}

#[tokio::test]
async fn tasks_are_numbered_per_ticket_and_default_from_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, _) = app.user("technician").await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Vodovod"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Iva", "email": "iva@vodovod.si"})).await;
    let ticket =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump P-7", "customer_id": id(&customer), "contact_id": id(&contact)}))
            .await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let repair = entry(&app, &admin, "task-categories", "Repair").await;
    let on_site = entry(&app, &admin, "task-types", "On-site repair").await;
    let relocation = entry(&app, &admin, "task-types", "Relocation").await;

    let first = create(&app, &admin, &path, json!({"title": "Diagnose", "category_id": id(&repair), "type_id": id(&on_site)})).await;
    assert_eq!(first["number"], format!("{}/1", ticket["number"].as_str().unwrap()));
    assert_eq!(first["status"], "new");
    assert_eq!(first["customer_id"], customer["id"]);
    assert_eq!(first["contact_id"], contact["id"]);
    assert_eq!(first["priority_id"], ticket["priority_id"]);
    let second = create(
        &app,
        &admin,
        &path,
        json!({"title": "Replace sensor", "planned_start": "2026-11-24T08:00:00Z", "planned_end": "2026-11-24T10:00:00Z", "assignee_id": tech_id, "notify_assignee": true}),
    )
    .await;
    assert_eq!(second["number"], format!("{}/2", ticket["number"].as_str().unwrap()));
    assert_eq!(second["status"], "scheduled", "a planned window schedules the task");

    let inverted = json!({"title": "Backwards", "planned_start": "2026-11-24T10:00:00Z", "planned_end": "2026-11-24T08:00:00Z"});
    let body = expect_problem(app.post(&path, &admin, inverted).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "planned_end");
    let mismatched = json!({"title": "Wrong type", "category_id": id(&repair), "type_id": id(&relocation)});
    let body = expect_problem(app.post(&path, &admin, mismatched).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "wrong_category");

    let filter = JobFilter { status: Some(JobStatus::Queued), kind: Some("notify.task_assigned".to_owned()) };
    let queued = jobs::list(&app.state.db, &filter, PageRequest::first(10)).await.unwrap();
    assert_eq!(queued.items.len(), 1, "only the task that asked for it");
    assert_eq!(queued.items[0].payload["task_number"], second["number"]);

    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "task_created").count(), 2);
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // The Repair task brought its category's three checklist lines.
    assert_eq!(
        ticket_of(&app, &admin, &ticket).await["progress"],
        json!({"tasks_done": 0, "tasks_total": 2, "tasks_percent": 0, "checklist_checked": 0, "checklist_total": 3})
    );
}

#[tokio::test]
async fn completing_the_last_open_task_closes_the_ticket_but_cancelling_never_does() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Boiler"})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let a = create(&app, &admin, &path, json!({"title": "A"})).await;
    let b = create(&app, &admin, &path, json!({"title": "B"})).await;
    let c = create(&app, &admin, &path, json!({"title": "C"})).await;

    expect_problem(status(&app, &admin, &a, "done").await, 409, "invalid_transition").await;
    for to in ["in_progress", "on_hold", "in_progress", "done"] {
        assert_eq!(status(&app, &admin, &a, to).await.status(), 200, "a -> {to}");
    }
    assert_eq!(status(&app, &admin, &b, "cancelled").await.status(), 200);
    let t = ticket_of(&app, &admin, &ticket).await;
    assert_eq!(t["status"]["class"], "new", "c is still open");
    assert_eq!(t["progress"]["tasks_done"], 1);
    assert_eq!(t["progress"]["tasks_total"], 2, "cancelled tasks do not count");

    assert_eq!(status(&app, &admin, &c, "in_progress").await.status(), 200);
    let done: Value = status(&app, &admin, &c, "done").await.json().await.unwrap();
    assert!(done["completed_at"].is_string());
    let t = ticket_of(&app, &admin, &ticket).await;
    assert_eq!(t["status"]["class"], "closed");
    assert!(t["closed_at"].is_string());
    assert_eq!(t["progress"]["tasks_percent"], 100);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let closed = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "closed").unwrap().clone();
    assert_eq!(closed["data"]["reason"], "all_tasks_done");
    assert!(closed["actor_user_id"].is_null(), "closed by the system");
    expect_problem(status(&app, &admin, &c, "in_progress").await, 409, "invalid_transition").await;

    // Cancelling the only open task of another ticket leaves it open.
    let other = create(&app, &admin, "/api/v1/tickets", json!({"title": "Fridge"})).await;
    let only = create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&other)), json!({"title": "Only"})).await;
    assert_eq!(status(&app, &admin, &only, "cancelled").await.status(), 200);
    assert_eq!(ticket_of(&app, &admin, &other).await["status"]["class"], "new");
}

#[tokio::test]
async fn completion_can_resolve_instead_of_close_by_setting() {
    let app = TestApp::spawn_with(|c| c.tasks_done_ticket_class = servdesk_domain::dictionaries::StatusClass::Resolved).await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Router"})).await;
    let task = create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Swap"})).await;
    status(&app, &admin, &task, "in_progress").await;
    status(&app, &admin, &task, "done").await;
    let t = ticket_of(&app, &admin, &ticket).await;
    assert_eq!(t["status"]["class"], "resolved");
    assert!(t["resolved_at"].is_string());
}

#[tokio::test]
async fn a_coordinator_closes_a_ticket_with_open_tasks_only_by_cancelling_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, coordinator) = app.user("coordinator").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Scale"})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let open = create(&app, &admin, &path, json!({"title": "Calibrate"})).await;
    let finished = create(&app, &admin, &path, json!({"title": "Inspect"})).await;
    status(&app, &admin, &finished, "in_progress").await;
    status(&app, &admin, &finished, "on_hold").await;
    let close = format!("/api/v1/tickets/{}/close", id(&ticket));

    let body = expect_problem(app.post(&close, &coordinator, json!({})).await, 409, "open_tasks").await;
    let listed: Vec<&str> = body["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 2);
    assert!(listed[0].starts_with(open["number"].as_str().unwrap()), "{listed:?}");
    assert_eq!(ticket_of(&app, &admin, &ticket).await["status"]["class"], "new", "nothing changed");

    let closed: Value = app.post(&close, &coordinator, json!({"cancel_open_tasks": true})).await.json().await.unwrap();
    assert_eq!(closed["status"]["class"], "closed");
    let tasks: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert!(tasks.as_array().unwrap().iter().all(|t| t["status"] == "cancelled"));
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "task_status_changed").count(), 4, "two by hand, two cancelled with the ticket");
    expect_problem(app.post(&path, &admin, json!({"title": "Too late"})).await, 409, "ticket_closed").await;
}

#[tokio::test]
async fn technicians_see_their_tasks_and_those_tickets_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, technician) = app.user("technician").await;
    let (other_id, _) = app.user("technician").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Oven"})).await;
    let hidden = create(&app, &admin, "/api/v1/tickets", json!({"title": "Someone else's"})).await;
    expect_problem(app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &technician).await, 404, "not_found").await;

    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let mine = create(&app, &admin, &path, json!({"title": "Mine", "assignee_id": tech_id})).await;
    let theirs = create(&app, &admin, &path, json!({"title": "Theirs", "assignee_id": other_id})).await;
    create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&hidden)), json!({"title": "Elsewhere", "assignee_id": other_id})).await;

    assert_eq!(app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &technician).await.status(), 200, "the ticket of their task");
    expect_problem(app.get(&format!("/api/v1/tickets/{}", id(&hidden)), &technician).await, 404, "not_found").await;
    let listed: Value = app.get("/api/v1/tickets", &technician).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let on_ticket: Value = app.get(&path, &technician).await.json().await.unwrap();
    assert_eq!(on_ticket.as_array().unwrap().len(), 1, "their task only");
    let all: Value = app.get("/api/v1/tasks", &technician).await.json().await.unwrap();
    assert_eq!(all["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect::<Vec<_>>(), ["Mine"]);
    expect_problem(app.get(&format!("/api/v1/tasks/{}", id(&theirs)), &technician).await, 404, "not_found").await;
    expect_problem(status(&app, &technician, &theirs, "in_progress").await, 404, "not_found").await;
    assert_eq!(status(&app, &technician, &mine, "in_progress").await.status(), 200);
    let everything: Value = app.get("/api/v1/tasks?limit=10", &admin).await.json().await.unwrap();
    assert_eq!(everything["items"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn patching_a_task_reschedules_reassigns_and_notifies_the_new_assignee() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (first_id, _) = app.user("technician").await;
    let (second_id, _) = app.user("technician").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Lift"})).await;
    let task = create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{}/tasks", id(&ticket)),
        json!({"title": "Inspect", "assignee_id": first_id, "notify_assignee": true}),
    )
    .await;
    assert_eq!(task["status"], "new");
    let path = format!("/api/v1/tasks/{}", id(&task));

    let stale = app.request(reqwest::Method::PATCH, &path, Some(&admin)).header("If-Match", "\"99\"").json(&json!({"title": "x"}));
    expect_problem(stale.send().await.unwrap(), 412, "stale_version").await;
    let planned = json!({"planned_start": "2026-12-01T08:00:00Z", "planned_end": "2026-12-01T10:00:00Z", "assignee_id": second_id, "title": "Inspect cables"});
    let res = app.patch(&path, &admin, planned).await;
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["status"], "scheduled", "a window schedules a new task");
    assert_eq!(changed["assignee_id"], second_id.as_str());
    assert_eq!(changed["title"], "Inspect cables");
    let inverted = json!({"planned_end": "2026-12-01T07:00:00Z"});
    let body = expect_problem(app.patch(&path, &admin, inverted).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "before_start");
    let unplanned: Value = app.patch(&path, &admin, json!({"planned_start": null, "planned_end": null})).await.json().await.unwrap();
    assert_eq!(unplanned["status"], "new", "withdrawing the window un-schedules it");

    let filter = JobFilter { status: Some(JobStatus::Queued), kind: Some("notify.task_assigned".to_owned()) };
    let queued = jobs::list(&app.state.db, &filter, PageRequest::first(10)).await.unwrap();
    let notified: Vec<&str> = queued.items.iter().map(|j| j.payload["user_id"].as_str().unwrap()).collect();
    assert_eq!(notified.len(), 2, "creation and reassignment: {notified:?}");
    assert!(notified.contains(&second_id.as_str()));
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let updates: Vec<&Value> = events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "task_updated").collect();
    assert_eq!(updates.len(), 2);
    assert_eq!(updates[0]["data"]["changes"]["title"]["after"], "Inspect cables");

    assert_eq!(status(&app, &admin, &unplanned, "cancelled").await.status(), 200);
    expect_problem(app.patch(&path, &admin, json!({"title": "Too late"})).await, 409, "task_closed").await;
}

#[tokio::test]
async fn partners_see_and_work_only_the_tasks_given_to_their_partner() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let partner = create(&app, &admin, "/api/v1/partners", json!({"name": "Elektro Novak d.o.o."})).await;
    let (_, field) = app.user_with("partner", json!({"partner_id": id(&partner)})).await;
    let (_, outsider) = app.user("partner").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Substation"})).await;
    let path = format!("/api/v1/tickets/{}/tasks", id(&ticket));
    let given = create(&app, &admin, &path, json!({"title": "Cabling", "partner_id": id(&partner)})).await;
    let ours = create(&app, &admin, &path, json!({"title": "Our own"})).await;

    let listed: Value = app.get("/api/v1/tasks", &field).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect::<Vec<_>>(), ["Cabling"]);
    assert_eq!(app.get(&format!("/api/v1/tasks/{}", id(&given)), &field).await.status(), 200);
    expect_problem(app.get(&format!("/api/v1/tasks/{}", id(&ours)), &field).await, 404, "not_found").await;
    expect_problem(app.get(&format!("/api/v1/tasks/{}", id(&given)), &outsider).await, 404, "not_found").await;
    expect_problem(app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &field).await, 403, "forbidden").await;
    expect_problem(app.patch(&format!("/api/v1/tasks/{}", id(&given)), &field, json!({"title": "Mine now"})).await, 403, "forbidden").await;

    // What a field worker does: work the status, the checklist and the time.
    assert_eq!(status(&app, &field, &given, "in_progress").await.status(), 200);
    expect_problem(status(&app, &outsider, &given, "on_hold").await, 404, "not_found").await;
    let line = app.post(&format!("/api/v1/tasks/{}/checklist", id(&given)), &field, json!({"text": "Photos of the panel"})).await;
    assert_eq!(line.status(), 201);
    let logged = app
        .post(
            "/api/v1/time-entries",
            &field,
            json!({"task_id": id(&given), "work_date": chrono::Utc::now().date_naive().to_string(), "minutes": 45}),
        )
        .await;
    assert_eq!(logged.status(), 201);
    let on_ticket = json!({"ticket_id": id(&ticket), "work_date": chrono::Utc::now().date_naive().to_string(), "minutes": 5});
    let body = expect_problem(app.post("/api/v1/time-entries", &field, on_ticket).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "ticket_id", "partners log time on their tasks, not on tickets");

    // And they complete it in the field; the report is theirs to read, the ticket is not.
    let form = reqwest::multipart::Form::new().text("data", json!({"work_done": "Cabling pulled and tested"}).to_string());
    let res = app
        .request(reqwest::Method::POST, &format!("/api/v1/tasks/{}/completion", id(&given)), Some(&field))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(app.get(&format!("/api/v1/tasks/{}/report.pdf", id(&given)), &field).await.status(), 200);
    let form = reqwest::multipart::Form::new().text("data", json!({"work_done": "Not mine"}).to_string());
    let res = app
        .request(reqwest::Method::POST, &format!("/api/v1/tasks/{}/completion", id(&ours)), Some(&field))
        .multipart(form)
        .send()
        .await
        .unwrap();
    expect_problem(res, 404, "not_found").await;

    let lonely = json!({"email": "x@partner.test", "name": "No partner", "role": "partner", "password": "a long passphrase"});
    let body = expect_problem(app.post("/api/v1/users", &admin, lonely).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "partner_link");
}

#[tokio::test]
async fn similar_tasks_are_past_done_ones_on_the_same_unit_or_with_shared_words_best_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user("technician").await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Pump"})).await;
    let unit = create(&app, &admin, "/api/v1/equipment", json!({"product_id": id(&product), "serial_number": "P-7"})).await;
    let old_ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Service", "equipment_id": id(&unit)})).await;
    let other_ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Elsewhere"})).await;
    let new_ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump again", "equipment_id": id(&unit)})).await;
    let add = |ticket: &Value, title: &str, assignee: Option<&str>| {
        let (app, admin, path) = (&app, admin.clone(), format!("/api/v1/tickets/{}/tasks", id(ticket)));
        let body = json!({"title": title, "assignee_id": assignee});
        async move { create(app, &admin, &path, body).await }
    };
    let on_unit = add(&old_ticket, "Annual inspection", Some(&tech_id)).await;
    let by_words = add(&other_ticket, "Replace pressure sensor", None).await;
    let still_open = add(&other_ticket, "Pressure sensor spare", None).await;
    add(&other_ticket, "Paint the fence", None).await;
    for done in [&on_unit, &by_words] {
        assert_eq!(status(&app, &admin, done, "in_progress").await.status(), 200);
        assert_eq!(status(&app, &admin, done, "done").await.status(), 200);
    }
    let this = add(&new_ticket, "Pressure sensor reads zero", Some(&tech_id)).await;

    let similar: Value = app.get(&format!("/api/v1/tasks/{}/similar", id(&this)), &admin).await.json().await.unwrap();
    let found: Vec<&str> = similar.as_array().unwrap().iter().map(|s| s["task"]["title"].as_str().unwrap()).collect();
    assert_eq!(found, ["Annual inspection", "Replace pressure sensor"], "done only, the same unit first");
    assert_eq!(similar[0]["same_equipment"], true);
    assert_eq!(similar[1]["shared_words"], json!(["pressure", "sensor"]));
    assert!(!found.contains(&still_open["title"].as_str().unwrap()));
    // A technician's search covers the tasks they may see: their own.
    let theirs: Value = app.get(&format!("/api/v1/tasks/{}/similar", id(&this)), &tech).await.json().await.unwrap();
    assert_eq!(theirs.as_array().unwrap().iter().map(|s| s["task"]["title"].as_str().unwrap()).collect::<Vec<_>>(), ["Annual inspection"]);
}
