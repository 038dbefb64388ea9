//! Custom fields: defined per ticket or task category by an admin, read by everyone, values
//! checked on create and update (422 per field), shown on the record and in the change feed,
//! filterable with `cf.<key>=`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

#[tokio::test]
async fn ticket_values_are_checked_against_their_fields_kept_and_filterable() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let categories: Value = app.get("/api/v1/dictionaries/ticket-categories", &admin).await.json().await.unwrap();
    let heating = categories["items"][0]["id"].as_str().unwrap().to_owned();
    // A ticket of the category from before its required field existed.
    let older = create(&app, &admin, "/api/v1/tickets", json!({"title": "Older", "category_id": heating})).await;
    let meter = create(
        &app,
        &admin,
        "/api/v1/custom-fields",
        json!({"entity": "ticket", "key": "meter_reading", "label": "Meter reading", "kind": "integer", "required": true, "min": 0, "category_id": heating}),
    )
    .await;
    create(
        &app,
        &admin,
        "/api/v1/custom-fields",
        json!({"entity": "ticket", "key": "access", "label": "Access", "kind": "multiple_choice", "options": ["key", "ladder", "escort"]}),
    )
    .await;
    create(
        &app,
        &admin,
        "/api/v1/custom-fields",
        json!({"entity": "ticket", "key": "urgent_site", "label": "Urgent site", "kind": "boolean"}),
    )
    .await;
    expect_problem(
        app.post("/api/v1/custom-fields", &admin, json!({"entity": "ticket", "key": "access", "label": "Again", "kind": "text"})).await,
        409,
        "custom_field_key_taken",
    )
    .await;
    let problem = expect_problem(
        app.post("/api/v1/custom-fields", &admin, json!({"entity": "task", "key": "Bad Key", "label": "x", "kind": "single_choice"})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"].as_array().unwrap().len(), 2, "{problem}");

    // Everyone reads the definitions to render forms.
    let (_, technician) = app.user("technician").await;
    let fields: Value = app.get("/api/v1/custom-fields?entity=ticket", &technician).await.json().await.unwrap();
    assert_eq!(fields["items"].as_array().unwrap().len(), 3);

    // The category's required field, wrong types and unknown keys: 422 per field, nothing saved.
    let problem = expect_problem(
        app.post(
            "/api/v1/tickets",
            &admin,
            json!({"title": "Boiler", "category_id": heating, "custom_fields": {"access": ["rope"], "urgent_site": "yes", "colour": "red"}}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in ["custom_fields.meter_reading", "custom_fields.access", "custom_fields.urgent_site", "custom_fields.colour"] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let listed: Value = app.get("/api/v1/tickets", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "nothing half-saved: only the older ticket");

    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Toplarna Celje"})).await;
    let ticket = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Boiler", "category_id": heating, "customer_id": id(&customer), "custom_fields": {"meter_reading": 1520, "access": ["escort", "key"], "urgent_site": true}}),
    )
    .await;
    assert_eq!(ticket["custom_fields"], json!({"meter_reading": 1520, "access": ["key", "escort"], "urgent_site": true}));
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Other", "custom_fields": {"access": ["ladder"]}})).await;

    // Filters: by number, by boolean, by one of several choices.
    for (query, expected) in
        [("cf.meter_reading=1520", 1), ("cf.urgent_site=true", 1), ("cf.access=key", 1), ("cf.access=ladder", 1), ("cf.meter_reading=1", 0)]
    {
        let page: Value = app.get(&format!("/api/v1/tickets?{query}"), &admin).await.json().await.unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), expected, "{query}: {page}");
    }
    expect_problem(app.get("/api/v1/tickets?cf.colour=red", &admin).await, 422, "validation_failed").await;

    // The CSV export of the filtered list: a column per field, a multiple choice joined by `|`.
    let res = app.get("/api/v1/tickets?format=csv&delimiter=comma&cf.access=key", &admin).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 2, "the header and the one ticket the filter selects: {csv}");
    let cell = |name: &str| rows[1][rows[0].iter().position(|c| *c == name).unwrap_or_else(|| panic!("no column {name}: {csv}"))];
    assert_eq!((cell("number"), cell("title")), (ticket["number"].as_str().unwrap(), "Boiler"));
    assert_eq!((cell("cf.meter_reading"), cell("cf.access"), cell("cf.urgent_site")), ("1520", "key|escort", "true"));
    assert_eq!(cell("category"), categories["items"][0]["name"].as_str().unwrap());
    assert_eq!(cell("customer"), "Toplarna Celje", "the customer's name beside its id");
    expect_problem(app.get("/api/v1/tickets?cf.meter_reading=many", &admin).await, 422, "validation_failed").await;

    // A PATCH changes only the keys it names; null removes one that is not required.
    let version = ticket["version"].as_i64().unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/v1/tickets/{}", id(&ticket)), Some(&admin))
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"custom_fields": {"urgent_site": null, "meter_reading": 1600}}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let changed: Value = res.json().await.unwrap();
    assert_eq!(changed["custom_fields"], json!({"meter_reading": 1600, "access": ["key", "escort"]}));
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "fields_changed"));

    // Editing the older ticket's title does not ask for the new required field; giving it
    // values (or moving it into the category) does.
    let patch = |ticket: &Value, body: Value| {
        let version = ticket["version"].as_i64().unwrap();
        app.request(Method::PATCH, &format!("/api/v1/tickets/{}", id(ticket)), Some(&admin))
            .header("If-Match", format!("\"{version}\""))
            .json(&body)
            .send()
    };
    let res = patch(&older, json!({"title": "Older, renamed"})).await.unwrap();
    assert_eq!(res.status(), 200);
    let renamed: Value = res.json().await.unwrap();
    let problem =
        expect_problem(patch(&renamed, json!({"custom_fields": {"urgent_site": true}})).await.unwrap(), 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "custom_fields.meter_reading");

    // A ticket made from a call is not refused for a required field nobody could fill in.
    let call = create(&app, &admin, "/api/v1/calls", json!({"channel": "phone", "subject": "Heating off"})).await;
    let res = app.post(&format!("/api/v1/calls/{}/convert", id(&call["call"])), &admin, json!({"category_id": heating})).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    // Switched off: no longer asked for; renamed label kept under the same key.
    let res = app
        .request(Method::PUT, &format!("/api/v1/custom-fields/{}", id(&meter)), Some(&admin))
        .json(&json!({"entity": "task", "key": "renamed", "label": "Meter", "kind": "integer", "active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let replaced: Value = res.json().await.unwrap();
    assert_eq!((replaced["entity"].as_str(), replaced["key"].as_str()), (Some("ticket"), Some("meter_reading")));
    create(&app, &admin, "/api/v1/tickets", json!({"title": "No reading needed now", "category_id": heating})).await;
}

#[tokio::test]
async fn task_values_follow_the_task_category_and_show_in_the_change_feed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    create(
        &app,
        &admin,
        "/api/v1/custom-fields",
        json!({"entity": "task", "key": "plate", "label": "Vehicle", "kind": "text", "pattern": "[A-Z]{2} [0-9]{3}"}),
    )
    .await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Visit"})).await;
    let problem = expect_problem(
        app.post(&format!("/api/v1/tickets/{}/tasks", id(&ticket)), &admin, json!({"title": "Drive", "custom_fields": {"plate": "nope"}}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["code"], "pattern");
    let task = create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{}/tasks", id(&ticket)),
        json!({"title": "Drive", "custom_fields": {"plate": "LJ 123"}}),
    )
    .await;
    assert_eq!(task["custom_fields"]["plate"], "LJ 123");
    let page: Value = app.get("/api/v1/tasks?cf.plate=LJ%20123", &admin).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
    let csv = app
        .request(Method::GET, "/api/v1/tasks?delimiter=semicolon", Some(&admin))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(';').collect()).collect();
    let plate = rows[0].iter().position(|c| *c == "cf.plate").unwrap();
    assert_eq!((rows.len(), rows[1][plate], rows[1][1]), (2, "LJ 123", "Drive"), "{csv}");
    // The feed shows an entry once every older transaction has ended (PostgreSQL): poll.
    let mut seen = false;
    for _ in 0..50 {
        let feed: Value = app.get("/api/v1/changes?types=task", &admin).await.json().await.unwrap();
        seen = feed["items"].as_array().unwrap().iter().any(|e| e["record"]["custom_fields"]["plate"] == "LJ 123");
        if seen {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the change feed carries the task with its custom fields");
}
