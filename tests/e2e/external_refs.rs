//! External references: an ERP's ids on directory records, tickets and tasks; found by
//! `GET …/by-external-ref/{ref}` and `?external_ref=`, unique per kind, and upserted by
//! `PUT …/by-external-ref/{ref}` so the same sync can run twice without doubling anything.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, expect_problem, id};

async fn put(app: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let res = app.request(Method::PUT, path, Some(token)).json(&body).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

#[tokio::test]
async fn a_replayed_sync_of_customers_locations_contacts_products_and_equipment_creates_each_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let sync = async |app: &TestApp| {
        let (s1, customer) =
            put(app, &admin, "/api/v1/customers/by-external-ref/erp-c-1", json!({"name": "Acme d.o.o.", "tax_id": "SI123"})).await;
        let (s2, location) = put(
            app,
            &admin,
            "/api/v1/locations/by-external-ref/erp-l-1",
            json!({"customer_id": customer["id"], "name": "Plant", "address_line": "Industrijska 5", "city": "Ljubljana"}),
        )
        .await;
        let (s3, contact) =
            put(app, &admin, "/api/v1/contacts/by-external-ref/erp-p-1", json!({"customer_id": customer["id"], "name": "Ana Novak"})).await;
        let (s4, product) = put(app, &admin, "/api/v1/products/by-external-ref/erp-m-1", json!({"name": "Pump X1"})).await;
        let (s5, unit) = put(
            app,
            &admin,
            "/api/v1/equipment/by-external-ref/erp-e-1",
            json!({"product_id": product["id"], "serial_number": "X1-0001", "customer_id": customer["id"]}),
        )
        .await;
        ([s1, s2, s3, s4, s5], [customer, location, contact, product, unit])
    };
    let (created, first) = sync(&app).await;
    assert_eq!(created, [201; 5], "{first:?}");
    assert_eq!(first[0]["external_ref"], "erp-c-1");
    let (again, second) = sync(&app).await;
    assert_eq!(again, [200; 5], "{second:?}");
    for (a, b) in first.iter().zip(&second) {
        assert_eq!((&a["id"], &a["version"]), (&b["id"], &b["version"]), "the same body again changes nothing");
    }

    // A change moves the version; a field left out keeps its value.
    let (status, renamed) = put(&app, &admin, "/api/v1/customers/by-external-ref/erp-c-1", json!({"name": "Acme Group"})).await;
    assert_eq!(status, 200);
    assert_eq!((renamed["name"].as_str(), renamed["tax_id"].as_str()), (Some("Acme Group"), Some("SI123")));
    assert_eq!(renamed["version"].as_i64(), first[0]["version"].as_i64().map(|v| v + 1));

    // Found by reference, listed by it, unique per kind.
    let found: Value = app.get("/api/v1/customers/by-external-ref/erp-c-1", &admin).await.json().await.unwrap();
    assert_eq!(found["id"], first[0]["id"]);
    let listed: Value = app.get("/api/v1/customers?external_ref=erp-c-1", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let listed: Value = app.get("/api/v1/equipment?external_ref=erp-e-1", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["serial_number"], "X1-0001");
    expect_problem(
        app.post("/api/v1/customers", &admin, json!({"name": "Copy", "external_ref": "erp-c-1"})).await,
        409,
        "external_ref_taken",
    )
    .await;
    // Another kind may use the same reference.
    let (status, _) = put(&app, &admin, "/api/v1/products/by-external-ref/erp-c-1", json!({"name": "Same id, other kind"})).await;
    assert_eq!(status, 201);
    expect_problem(app.get("/api/v1/customers/by-external-ref/nobody", &admin).await, 404, "not_found").await;

    // A PATCH takes the reference away; a location needs its customer to be created.
    let version = renamed["version"].as_i64().unwrap();
    let res = app
        .request(Method::PATCH, &format!("/api/v1/customers/{}", id(&renamed)), Some(&admin))
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"external_ref": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    expect_problem(app.get("/api/v1/customers/by-external-ref/erp-c-1", &admin).await, 404, "not_found").await;
    let (status, problem) =
        put(&app, &admin, "/api/v1/locations/by-external-ref/erp-l-2", json!({"name": "No customer", "address_line": "X", "city": "Y"}))
            .await;
    assert_eq!((status, problem["code"].as_str()), (422, Some("invalid_body")));
    let res = app
        .request(Method::PUT, &format!("/api/v1/customers/by-external-ref/{}", "r".repeat(129)), Some(&admin))
        .json(&json!({"name": "Long"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 400, "invalid_path_parameter").await;
}

#[tokio::test]
async fn tickets_and_tasks_are_upserted_by_the_erps_work_order_id_and_hidden_ones_stay_hidden() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (status, ticket) = put(&app, &admin, "/api/v1/tickets/by-external-ref/WO-77", json!({"title": "Service the boiler"})).await;
    assert_eq!(status, 201, "{ticket}");
    assert_eq!(ticket["external_ref"], "WO-77");
    let (status, same) = put(&app, &admin, "/api/v1/tickets/by-external-ref/WO-77", json!({"title": "Service the boiler"})).await;
    assert_eq!((status, &same["id"], &same["version"]), (200, &ticket["id"], &ticket["version"]));
    let (_, changed) =
        put(&app, &admin, "/api/v1/tickets/by-external-ref/WO-77", json!({"title": "Service the boiler and the pump"})).await;
    assert_eq!(changed["title"], "Service the boiler and the pump");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "fields_changed"), "the change is on the timeline");

    let (status, task) =
        put(&app, &admin, "/api/v1/tasks/by-external-ref/WO-77-1", json!({"ticket_id": ticket["id"], "title": "Replace the seal"})).await;
    assert_eq!(status, 201, "{task}");
    let (status, again) =
        put(&app, &admin, "/api/v1/tasks/by-external-ref/WO-77-1", json!({"ticket_id": ticket["id"], "title": "Replace the seal"})).await;
    assert_eq!((status, &again["version"]), (200, &task["version"]));
    let listed: Value = app.get("/api/v1/tasks?external_ref=WO-77-1", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], task["id"]);
    let listed: Value = app.get("/api/v1/tickets?external_ref=WO-77", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);

    // An agent of another team does not learn of it by its reference either.
    let team = crate::support::create(&app, &admin, "/api/v1/teams", json!({"name": "Elsewhere"})).await;
    let (_, hidden) = put(&app, &admin, "/api/v1/tickets/by-external-ref/WO-78", json!({"title": "Theirs", "team_id": id(&team)})).await;
    assert!(hidden["id"].is_string());
    let (_, agent) = app.user("agent").await;
    expect_problem(app.get("/api/v1/tickets/by-external-ref/WO-78", &agent).await, 404, "not_found").await;
}
