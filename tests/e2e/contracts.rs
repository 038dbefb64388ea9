//! Contracts and billing rates over HTTP: terms, status history, the prepayment split, and
//! bad input refused with field errors and nothing written.

use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

async fn customer(app: &TestApp, token: &str, name: &str) -> String {
    id(&create(app, token, "/api/v1/customers", json!({"name": name})).await)
}

fn monthly(customer: &str, starts_on: &str, fee: i64) -> Value {
    json!({
        "customer_id": customer,
        "name": "Printer rental",
        "starts_on": starts_on,
        "cycle": "monthly",
        "timing": "in_advance",
        "currency": "EUR",
        "services": [{"kind": "rental", "description": "Two printers", "fee_minor": fee}]
    })
}

async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let list: Value = app.get(path, token).await.json().await.unwrap();
    list["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_contract_is_numbered_changed_and_moved_through_its_life_with_a_history() {
    let app = TestApp::spawn().await;
    let (_, finance) = app.user("finance").await;
    let acme = customer(&app, &app.admin_token().await, "Acme").await;
    let contract = create(&app, &finance, "/api/v1/contracts", monthly(&acme, "2027-01-01", 10_000)).await;
    assert!(contract["number"].as_str().unwrap().starts_with("CT-"), "{contract}");
    assert_eq!(contract["status"], "active");
    assert_eq!(contract["fee_per_period_minor"], 10_000);
    let path = format!("/api/v1/contracts/{}", id(&contract));

    let changed: Value =
        app.patch(&path, &finance, json!({"included_minutes": 600, "hourly_rate_minor": 4_500})).await.json().await.unwrap();
    assert_eq!((changed["included_minutes"].as_i64(), changed["version"].as_i64()), (Some(600), Some(2)));
    assert_eq!(changed["services"][0]["id"], contract["services"][0]["id"], "unchanged services keep their ids");

    let suspended =
        app.post(&format!("{path}/status"), &finance, json!({"status": "suspended", "effective_on": "2027-06-01", "note": "summer"})).await;
    assert_eq!(suspended.status(), 200);
    let ended: Value =
        app.post(&format!("{path}/status"), &finance, json!({"status": "ended", "effective_on": "2027-09-30"})).await.json().await.unwrap();
    assert_eq!((ended["status"].as_str(), ended["ends_on"].as_str()), (Some("ended"), Some("2027-09-30")));
    let again = app.post(&format!("{path}/status"), &finance, json!({"status": "active"})).await;
    expect_problem(again, 409, "invalid_transition").await;

    let history: Value = app.get(&format!("{path}/history"), &finance).await.json().await.unwrap();
    let steps: Vec<(Value, Value)> = history.as_array().unwrap().iter().map(|h| (h["from"].clone(), h["to"].clone())).collect();
    assert_eq!(steps, [(Value::Null, json!("active")), (json!("active"), json!("suspended")), (json!("suspended"), json!("ended"))]);
    assert_eq!(history[1]["effective_on"], "2027-06-01");
    assert_eq!(history[1]["note"], "summer");

    // A coordinator reads contracts but does not write them; an agent does neither.
    let (_, coordinator) = app.user("coordinator").await;
    assert_eq!(app.get(&path, &coordinator).await.status(), 200);
    assert_eq!(app.patch(&path, &coordinator, json!({"name": "x"})).await.status(), 403);
    let (_, agent) = app.user("agent").await;
    assert_eq!(app.get(&path, &agent).await.status(), 403);
}

#[tokio::test]
async fn the_prepayment_of_any_period_is_split_per_month_and_per_day() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    // 310.00 a month from 17 March: March is 15/31 of it.
    let rental = create(&app, &admin, "/api/v1/contracts", monthly(&acme, "2027-03-17", 31_000)).await;
    let path = format!("/api/v1/contracts/{}/prepayment", id(&rental));
    let march: Value = app.get(&format!("{path}?period=2027-03"), &admin).await.json().await.unwrap();
    assert_eq!(march["total_minor"], 15_000, "{march}");
    let month = &march["months"][0];
    assert_eq!((month["days"].as_i64(), month["days_in_month"].as_i64(), month["from"].as_str()), (Some(15), Some(31), Some("2027-03-17")));
    let days = month["per_day"].as_array().unwrap();
    assert_eq!(days.len(), 15);
    assert_eq!(days.iter().map(|d| d["amount_minor"].as_i64().unwrap()).sum::<i64>(), 15_000);

    let q2: Value = app.get(&format!("{path}?period=2027-Q2"), &admin).await.json().await.unwrap();
    assert_eq!(q2["total_minor"], 93_000);
    assert_eq!(q2["months"].as_array().unwrap().len(), 3);

    // A quarterly fee over a leap February, asked by dates.
    let mut quarterly = monthly(&acme, "2028-01-01", 90_000);
    quarterly["cycle"] = json!("quarterly");
    quarterly["services"][0]["kind"] = json!("maintenance");
    quarterly["category_ids"] = json!([]);
    quarterly["name"] = json!("Maintenance");
    // Not the same work as the rental: a scoped contract (a location of its own).
    let site = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{acme}/locations"),
        json!({"name": "Plant", "address_line": "Main 1", "city": "Ljubljana"}),
    )
    .await;
    quarterly["location_ids"] = json!([id(&site)]);
    let maintenance = create(&app, &admin, "/api/v1/contracts", quarterly).await;
    let feb: Value = app
        .get(&format!("/api/v1/contracts/{}/prepayment?from=2028-02-15&to=2028-02-29", id(&maintenance)), &admin)
        .await
        .json()
        .await
        .unwrap();
    // The quarter's 900.00 is 300.00 a month; 15 of February's 29 days.
    assert_eq!(feb["total_minor"], 15_517, "{feb}");

    let bad = app.get(&format!("{path}?period=2027-13"), &admin).await;
    let problem = expect_problem(bad, 422, "validation_failed").await;
    assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("period"), Some("period")));
    let backwards = expect_problem(app.get(&format!("{path}?from=2027-03-01&to=2027-02-01"), &admin).await, 422, "validation_failed").await;
    assert_eq!((backwards["errors"][0]["field"].as_str(), backwards["errors"][0]["code"].as_str()), (Some("to"), Some("before_start")));
    expect_problem(app.get(&format!("{path}?from=2027-03-01"), &admin).await, 400, "invalid_query").await;
}

#[tokio::test]
async fn contracts_covering_the_same_work_on_the_same_days_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    let mut first = monthly(&acme, "2027-01-01", 10_000);
    first["ends_on"] = json!("2027-06-30");
    create(&app, &admin, "/api/v1/contracts", first).await;
    let overlapping = app.post("/api/v1/contracts", &admin, monthly(&acme, "2027-06-01", 5_000)).await;
    let problem = expect_problem(overlapping, 422, "validation_failed").await;
    assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some("starts_on"), Some("overlaps")));
    assert_eq!(count(&app, &admin, &format!("/api/v1/contracts?customer_id={acme}")).await, 1);
    // From the day after, it is fine; a draft is checked when it is activated.
    create(&app, &admin, "/api/v1/contracts", monthly(&acme, "2027-07-01", 5_000)).await;
    let mut draft = monthly(&acme, "2027-03-01", 5_000);
    draft["status"] = json!("draft");
    let draft = create(&app, &admin, "/api/v1/contracts", draft).await;
    let activate = app.post(&format!("/api/v1/contracts/{}/status", id(&draft)), &admin, json!({"status": "active"})).await;
    expect_problem(activate, 422, "validation_failed").await;
    let still: Value = app.get(&format!("/api/v1/contracts/{}", id(&draft)), &admin).await.json().await.unwrap();
    assert_eq!(still["status"], "draft");
    let history: Value = app.get(&format!("/api/v1/contracts/{}/history", id(&draft)), &admin).await.json().await.unwrap();
    assert_eq!(history.as_array().unwrap().len(), 1, "a refused change leaves no history");
}

#[tokio::test]
async fn bad_contract_terms_are_field_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    let other = customer(&app, &admin, "Other").await;
    let foreign = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{other}/locations"),
        json!({"name": "Elsewhere", "address_line": "Side 2", "city": "Zagreb"}),
    )
    .await;
    let cases: [(Value, &str, &str); 6] = [
        (json!({"ends_on": "2026-12-31"}), "ends_on", "before_start"),
        (json!({"hourly_rate_minor": -1}), "hourly_rate_minor", "range"),
        (json!({"services": [{"kind": "rental", "description": "x", "fee_minor": -5}]}), "services[0].fee_minor", "range"),
        (json!({"currency": "eur"}), "currency", "currency"),
        (json!({"location_ids": [id(&foreign)]}), "location_ids[0]", "location_of_another_customer"),
        (json!({"category_ids": [uuid::Uuid::now_v7()]}), "category_ids[0]", "not_found"),
    ];
    for (change, field, code) in cases {
        let mut body = monthly(&acme, "2027-01-01", 1_000);
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let problem = expect_problem(app.post("/api/v1/contracts", &admin, body).await, 422, "validation_failed").await;
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{problem}");
    }
    let unknown_cycle = app
        .post(
            "/api/v1/contracts",
            &admin,
            json!({"customer_id": acme, "name": "x", "starts_on": "2027-01-01", "cycle": "weekly", "timing": "in_advance"}),
        )
        .await;
    assert_eq!(unknown_cycle.status(), 422);
    assert_eq!(count(&app, &admin, "/api/v1/contracts").await, 0);
}

#[tokio::test]
async fn equipment_names_a_contract_of_its_own_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    let other = customer(&app, &admin, "Other").await;
    let contract = create(&app, &admin, "/api/v1/contracts", monthly(&acme, "2027-01-01", 1_000)).await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Printer"})).await;
    let unit = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "P-1", "customer_id": acme, "contract_id": id(&contract)}),
    )
    .await;
    assert_eq!(unit["contract_id"], contract["id"]);
    let foreign = app
        .post(
            "/api/v1/equipment",
            &admin,
            json!({"product_id": id(&product), "serial_number": "P-2", "customer_id": other, "contract_id": id(&contract)}),
        )
        .await;
    let problem = expect_problem(foreign, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "contract_of_another_customer");
    // Moving the unit to another customer takes it out of reach of the contract.
    let moved = app.patch(&format!("/api/v1/equipment/{}", id(&unit)), &admin, json!({"customer_id": other})).await;
    expect_problem(moved, 422, "validation_failed").await;
    let listed = app.get(&format!("/api/v1/equipment?contract_id={}", id(&contract)), &admin).await.json::<Value>().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    // A ticket on the unit is marked as covered.
    let ticket =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Jam", "equipment_id": id(&unit), "reported_at": "2027-02-01T09:00:00Z"}))
            .await;
    assert_eq!(ticket["contract_id"], contract["id"]);
    let before = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Old jam", "equipment_id": id(&unit), "reported_at": "2026-11-30T09:00:00Z"}),
    )
    .await;
    assert_eq!(before["contract_id"], Value::Null, "reported before the contract started");
}

#[tokio::test]
async fn a_ticket_of_a_covered_category_is_marked_and_unmarked_as_it_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    let covered = create(&app, &admin, "/api/v1/dictionaries/ticket-categories", json!({"name": "Printers"})).await;
    let other = create(&app, &admin, "/api/v1/dictionaries/ticket-categories", json!({"name": "Network"})).await;
    let mut terms = monthly(&acme, "2026-01-01", 1_000);
    terms["category_ids"] = json!([id(&covered)]);
    let contract = create(&app, &admin, "/api/v1/contracts", terms).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Toner", "customer_id": acme, "category_id": id(&covered)})).await;
    assert_eq!(ticket["contract_id"], contract["id"]);
    let moved: Value =
        app.patch(&format!("/api/v1/tickets/{}", id(&ticket)), &admin, json!({"category_id": id(&other)})).await.json().await.unwrap();
    assert_eq!(moved["contract_id"], Value::Null);
}

#[tokio::test]
async fn open_tickets_follow_their_customers_contracts_as_they_are_entered_and_changed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = customer(&app, &admin, "Acme").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Opened before the contract", "customer_id": acme})).await;
    assert_eq!(ticket["contract_id"], Value::Null);
    let contract = create(&app, &admin, "/api/v1/contracts", monthly(&acme, "2026-01-01", 1_000)).await;
    let path = format!("/api/v1/tickets/{}", id(&ticket));
    let marked: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(marked["contract_id"], contract["id"]);
    // Scoped to a location the ticket is not at: no longer covered.
    let site = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{acme}/locations"),
        json!({"name": "Plant", "address_line": "Main 1", "city": "Kranj"}),
    )
    .await;
    let scoped = app.patch(&format!("/api/v1/contracts/{}", id(&contract)), &admin, json!({"location_ids": [id(&site)]})).await;
    assert_eq!(scoped.status(), 200);
    let unmarked: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(unmarked["contract_id"], Value::Null);
}

#[tokio::test]
async fn billing_rates_are_set_per_scope_and_date_and_refuse_what_does_not_fit() {
    let app = TestApp::spawn().await;
    let (_, finance) = app.user("finance").await;
    let acme = customer(&app, &app.admin_token().await, "Acme").await;
    let base =
        create(&app, &finance, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 5_000, "valid_from": "2027-01-01"}))
            .await;
    assert_eq!(base["currency"], "EUR");
    create(
        &app,
        &finance,
        "/api/v1/billing-rates",
        json!({"scope": "role", "role": "technician", "rate_minor": 6_000, "valid_from": "2027-01-01"}),
    )
    .await;
    create(
        &app,
        &finance,
        "/api/v1/billing-rates",
        json!({"scope": "customer", "customer_id": acme, "rate_minor": 4_000, "valid_from": "2027-01-01"}),
    )
    .await;
    let twice = app
        .post("/api/v1/billing-rates", &finance, json!({"scope": "installation", "rate_minor": 5_500, "valid_from": "2027-01-01"}))
        .await;
    expect_problem(twice, 409, "rate_exists").await;
    create(&app, &finance, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 5_500, "valid_from": "2027-07-01"}))
        .await;

    let cases: [(Value, &str, &str); 5] = [
        (json!({"scope": "installation", "rate_minor": -1}), "rate_minor", "range"),
        (json!({"scope": "role", "rate_minor": 1}), "role", "required"),
        (json!({"scope": "installation", "customer_id": acme, "rate_minor": 1}), "customer_id", "not_for_this_kind"),
        (json!({"scope": "customer", "customer_id": uuid::Uuid::now_v7(), "rate_minor": 1}), "customer_id", "not_found"),
        (json!({"scope": "installation", "rate_minor": 1, "currency": "e1r"}), "currency", "currency"),
    ];
    for (body, field, code) in cases {
        let problem = expect_problem(app.post("/api/v1/billing-rates", &finance, body.clone()).await, 422, "validation_failed").await;
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{body}");
    }
    assert_eq!(count(&app, &finance, "/api/v1/billing-rates").await, 4);
    assert_eq!(count(&app, &finance, "/api/v1/billing-rates?scope=installation").await, 2);

    let path = format!("/api/v1/billing-rates/{}", id(&base));
    let changed: Value = app.patch(&path, &finance, json!({"rate_minor": 5_100})).await.json().await.unwrap();
    assert_eq!(changed["rate_minor"], 5_100);
    assert_eq!(app.delete(&path, &finance).await.status(), 204);
    assert_eq!(app.get(&path, &finance).await.status(), 404);
}
