//! Month-end billing end to end: a contract, a warranty ticket, billable work with materials,
//! a paid task and a late entry give the expected statement line by line; recomputing gives
//! the same; of two finalizations one wins; the late entry is billed once; the CSV parses
//! with Python's csv module and the PDF names the customer and the total.

use chrono::{Datelike, Months, NaiveDate, Utc};
use reqwest::Method;
use reqwest::multipart::Form;
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

fn month_of(day: NaiveDate) -> String {
    format!("{:04}-{:02}", day.year(), day.month())
}

async fn log(app: &TestApp, token: &str, ticket: &Value, task: Option<&Value>, date: NaiveDate, minutes: i64) -> Value {
    let mut body = json!({"ticket_id": id(ticket), "work_date": date, "minutes": minutes, "note": format!("{minutes} min")});
    if let Some(task) = task {
        body["task_id"] = task["id"].clone();
    }
    create(app, token, "/api/v1/time-entries", body).await
}

/// Starts a run and lets the worker compute it; answers the computed run.
async fn run(app: &TestApp, token: &str, period: &str) -> Value {
    let res = app.post("/api/v1/billing-runs", token, json!({"period": period})).await;
    assert_eq!(res.status(), 202);
    let started: Value = res.json().await.unwrap();
    assert_eq!(started["status"], "queued");
    computed(app, token, &id(&started)).await
}

async fn computed(app: &TestApp, token: &str, run_id: &str) -> Value {
    app.run_jobs().await;
    let run: Value = app.get(&format!("/api/v1/billing-runs/{run_id}"), token).await.json().await.unwrap();
    assert_eq!(run["status"], "draft", "{run}");
    assert_eq!(run["customers_done"], run["customers_total"]);
    run
}

async fn statement_of(app: &TestApp, token: &str, run: &Value, customer: &str) -> Option<Value> {
    let list: Value = app.get(&format!("/api/v1/statements?run_id={}&customer_id={customer}", id(run)), token).await.json().await.unwrap();
    let first = list["items"].as_array().unwrap().first()?.clone();
    Some(app.get(&format!("/api/v1/statements/{}", id(&first)), token).await.json().await.unwrap())
}

/// The lines as `(kind, basis, minutes, included, amount, late)`.
fn summary(statement: &Value) -> Vec<(String, String, i64, i64, i64, bool)> {
    statement["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["basis"].as_str().unwrap_or("-").to_owned(),
                l["minutes"].as_i64().unwrap(),
                l["included_minutes"].as_i64().unwrap(),
                l["amount_minor"].as_i64().unwrap(),
                l["late"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// Lines without what differs between two computations (ids, timestamps).
fn comparable(statement: &Value) -> Value {
    let mut s = statement.clone();
    for key in ["id", "created_at", "updated_at", "version", "run_id"] {
        s.as_object_mut().unwrap().remove(key);
    }
    s
}

#[tokio::test]
async fn a_month_of_contract_warranty_billable_paid_and_late_work_bills_as_expected_and_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, finance) = app.user("finance").await;
    let today = Utc::now().date_naive();
    let this_month = month_of(today);
    let previous = today.with_day(1).unwrap() - Months::new(1);
    let previous_month = month_of(previous);

    let acme =
        id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme Tiskárna s.r.o.", "billing_address": "Dunajska 5, Ljubljana"}))
            .await);
    let site = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{acme}/locations"),
        json!({"name": "Plant", "address_line": "Main 1", "city": "Kranj"}),
    )
    .await;
    create(&app, &finance, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 6_000, "valid_from": "2020-01-01"}))
        .await;
    // Support of the plant from the 17th of last month: 300.00 a month in arrears, one hour
    // included, 50.00 an hour beyond it.
    let starts_on = previous.with_day(17).unwrap();
    create(
        &app,
        &finance,
        "/api/v1/contracts",
        json!({
            "customer_id": acme, "name": "Plant support", "starts_on": starts_on, "cycle": "monthly", "timing": "in_arrears",
            "included_minutes": 60, "hourly_rate_minor": 5_000, "location_ids": [id(&site)],
            "services": [{"kind": "support", "description": "Plant support", "fee_minor": 30_000}]
        }),
    )
    .await;

    // Last month: only the contract's first, prorated month.
    let first_run = run(&app, &finance, &previous_month).await;
    let first = statement_of(&app, &finance, &first_run, &acme).await.unwrap();
    let days = i64::from(previous.num_days_in_month()) - 16;
    let prorated = (30_000 * days * 2 + i64::from(previous.num_days_in_month())) / (2 * i64::from(previous.num_days_in_month()));
    assert_eq!(summary(&first), [("flat_fee".into(), "-".into(), 0, 0, prorated, false)]);
    let finalized: Value =
        app.post(&format!("/api/v1/billing-runs/{}/finalize", id(&first_run)), &finance, json!({})).await.json().await.unwrap();
    assert_eq!(finalized["status"], "finalized");

    // This month's work.
    let warranty = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Jammed under warranty", "customer_id": acme, "warranty": true, "warranty_reason": "Sold last spring"}),
    )
    .await;
    let billable = create(&app, &admin, "/api/v1/tickets", json!({"title": "Toner leak", "customer_id": acme})).await;
    let covered =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Plant printer", "customer_id": acme, "location_id": id(&site)})).await;
    let paid_task =
        create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&covered)), json!({"title": "Extra install", "paid": true})).await;
    let repair = create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&billable)), json!({"title": "Replace the fuser"})).await;

    let late = log(&app, &admin, &billable, None, previous.with_day(20).unwrap(), 60).await; // after last month was billed
    log(&app, &admin, &warranty, None, today, 90).await;
    log(&app, &admin, &billable, None, today, 120).await;
    log(&app, &admin, &covered, None, today, 45).await;
    log(&app, &admin, &covered, None, today, 45).await;
    log(&app, &admin, &covered, Some(&paid_task), today, 30).await;
    let form = Form::new().text("data", json!({"work_done": "Fuser replaced", "materials": [{"description": "Fuser kit", "quantity": 2, "unit": "pcs", "unit_price_minor": 1_500}]}).to_string());
    let done =
        app.request(Method::POST, &format!("/api/v1/tasks/{}/completion", id(&repair)), Some(&admin)).multipart(form).send().await.unwrap();
    assert_eq!(done.status(), 201, "{:?}", done.text().await);

    // A second run of the month computed alongside: only one of the two may finalize.
    let rival = run(&app, &finance, &this_month).await;
    let month_run = run(&app, &finance, &this_month).await;
    let statement = statement_of(&app, &finance, &month_run, &acme).await.unwrap();
    let s = |k: &str, b: &str, m: i64, i: i64, a: i64, l: bool| (k.to_owned(), b.to_owned(), m, i, a, l);
    assert_eq!(
        summary(&statement),
        [
            s("flat_fee", "-", 0, 0, 30_000, false),
            s("work", "billable", 60, 0, 6_000, true),
            s("work", "warranty", 90, 0, 0, false),
            s("work", "billable", 120, 0, 12_000, false),
            s("work", "contract", 45, 45, 0, false),
            s("work", "contract", 45, 15, 2_500, false),
            s("work", "paid", 30, 0, 2_500, false),
            s("material", "billable", 0, 0, 3_000, false),
        ],
        "{statement}"
    );
    assert_eq!(statement["totals"], json!([{"currency": "EUR", "amount_minor": 56_000}]));
    assert_eq!(statement["late_lines"], 1);
    assert_eq!(statement["lines"][1]["source"], "time_entry");
    assert_eq!(statement["lines"][1]["source_id"], late["id"]);
    assert_eq!(statement["lines"][3]["rate_source"], "installation");
    assert_eq!(statement["lines"][5]["rate_source"], "contract");
    assert_eq!(statement["number"], Value::Null);

    // Recomputing gives the same statement.
    let again = app.post(&format!("/api/v1/billing-runs/{}/recompute", id(&month_run)), &finance, json!({})).await;
    assert_eq!(again.status(), 202);
    let recomputed_run = computed(&app, &finance, &id(&month_run)).await;
    let recomputed = statement_of(&app, &finance, &recomputed_run, &acme).await.unwrap();
    assert_eq!(comparable(&recomputed)["lines"], comparable(&statement)["lines"]);
    assert_eq!(recomputed["totals"], statement["totals"]);

    // Finalize twice at once: one wins.
    let path = format!("/api/v1/billing-runs/{}/finalize", id(&month_run));
    let (a, b) = tokio::join!(app.post(&path, &finance, json!({})), app.post(&path, &finance, json!({})));
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let final_statement = statement_of(&app, &finance, &recomputed_run, &acme).await.unwrap();
    assert!(final_statement["number"].as_str().unwrap().starts_with("ST-"), "{final_statement}");
    assert_eq!(final_statement["is_final"], true);
    // Each finalized statement is also a document of its customer.
    let documents: Value = app.get(&format!("/api/v1/documents?kind=statement&customer_id={acme}"), &finance).await.json().await.unwrap();
    let document = documents["items"].as_array().unwrap().iter().find(|d| d["number"] == final_statement["number"]).cloned().unwrap();
    assert_eq!((document["amount_minor"].as_i64(), document["statement_id"].clone()), (Some(56_000), final_statement["id"].clone()));
    let printed = app.get(document["file_url"].as_str().unwrap(), &finance).await;
    assert_eq!(printed.headers()["content-type"], "application/pdf");
    let generated = app.patch(&format!("/api/v1/documents/{}", id(&document)), &finance, json!({"status": "void"})).await;
    expect_problem(generated, 409, "generated_document").await;

    // The rival run of the same month bills the same sources: it cannot finalize too.
    let rival_finalize = app.post(&format!("/api/v1/billing-runs/{}/finalize", id(&rival)), &finance, json!({})).await;
    expect_problem(rival_finalize, 409, "already_billed").await;
    let rival_after: Value = app.get(&format!("/api/v1/billing-runs/{}", id(&rival)), &finance).await.json().await.unwrap();
    assert_eq!(rival_after["status"], "draft", "a refused finalization changes nothing");

    // A billed entry stays as billed.
    let changed = app.patch(&format!("/api/v1/time-entries/{}", id(&late)), &admin, json!({"minutes": 30})).await;
    expect_problem(changed, 409, "already_billed").await;
    expect_problem(app.delete(&format!("/api/v1/time-entries/{}", id(&late)), &admin).await, 409, "already_billed").await;

    // Nothing is billed twice: the month again has nothing left for the customer.
    let later = run(&app, &finance, &this_month).await;
    assert!(statement_of(&app, &finance, &later, &acme).await.is_none(), "the late entry and the month are billed once");

    // The ERP posts back its invoice.
    let invoiced: Value = app
        .post(
            &format!("/api/v1/statements/{}/invoice", id(&final_statement)),
            &finance,
            json!({"number": "FV/2026/0042", "issued_on": today, "external_ref": "erp-9"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invoiced["invoice"]["number"], "FV/2026/0042");
    let draft_invoice = app
        .post(
            &format!("/api/v1/statements/{}/invoice", id(&statement_of(&app, &finance, &rival, &acme).await.unwrap())),
            &finance,
            json!({"number": "X", "issued_on": today}),
        )
        .await;
    expect_problem(draft_invoice, 409, "statement_not_final").await;

    // CSV for the ERP, as Polish spreadsheets read it, parsed by Python's csv module.
    let csv = app
        .request(Method::GET, &format!("/api/v1/statements/{}?delimiter=semicolon&decimal=comma", id(&final_statement)), Some(&finance))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let rows = parse_csv(&text, ';');
    assert_eq!(rows.len(), 9, "a header and 8 lines: {text}");
    let header = &rows[0];
    let amount = header.iter().position(|h| h == "amount").unwrap();
    let kind = header.iter().position(|h| h == "kind").unwrap();
    assert_eq!(rows[1][amount], "300,00");
    assert_eq!(rows[8][kind], "material");
    assert_eq!(rows[1][header.iter().position(|h| h == "customer").unwrap()], "Acme Tiskárna s.r.o.");

    // The printable statement names the customer and the total.
    let pdf = app
        .request(Method::GET, &format!("/api/v1/statements/{}", id(&final_statement)), Some(&finance))
        .header("Accept", "application/pdf")
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&app, &pdf.bytes().await.unwrap());
    for expected in ["Acme Tiskárna s.r.o.", "560.00 EUR", final_statement["number"].as_str().unwrap()] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
}

/// Rows of `text` as Python's csv module reads them.
fn parse_csv(text: &str, delimiter: char) -> Vec<Vec<String>> {
    let script = format!("import csv, json, sys\nprint(json.dumps(list(csv.reader(sys.stdin, delimiter={delimiter:?}))))");
    let mut child = std::process::Command::new("python3")
        .args(["-c", &script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is installed");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

fn pdf_text(app: &TestApp, pdf: &[u8]) -> String {
    assert!(pdf.starts_with(b"%PDF-"));
    let path = app.state.config.data_dir.join("statement.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext").args(["-layout"]).arg(&path).arg("-").output().expect("pdftotext is installed");
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test]
async fn a_run_needs_a_month_and_a_known_customer_and_refuses_what_is_not_a_draft() {
    let app = TestApp::spawn().await;
    let (_, finance) = app.user("finance").await;
    for period in ["2027", "2027-Q1", "2027-13", "january"] {
        let problem =
            expect_problem(app.post("/api/v1/billing-runs", &finance, json!({"period": period})).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "period", "{period}");
    }
    let unknown = app.post("/api/v1/billing-runs", &finance, json!({"period": "2027-01", "customer_id": uuid::Uuid::now_v7()})).await;
    expect_problem(unknown, 422, "validation_failed").await;
    let runs: Value = app.get("/api/v1/billing-runs", &finance).await.json().await.unwrap();
    assert_eq!(runs["items"], json!([]), "nothing written");

    let queued: Value = app.post("/api/v1/billing-runs", &finance, json!({"period": "2026-01"})).await.json().await.unwrap();
    let finalize = app.post(&format!("/api/v1/billing-runs/{}/finalize", id(&queued)), &finance, json!({})).await;
    expect_problem(finalize, 409, "run_not_draft").await;
    let recompute = app.post(&format!("/api/v1/billing-runs/{}/recompute", id(&queued)), &finance, json!({})).await;
    expect_problem(recompute, 409, "run_not_draft").await;
}

#[tokio::test]
async fn effective_time_is_reported_per_customer_user_and_category_as_json_and_csv() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, tech) = app.user_with("technician", json!({"cost_rate_minor": 3_000})).await;
    let (_, finance) = app.user("finance").await;
    let (_, coordinator) = app.user("coordinator").await;
    let today = Utc::now().date_naive();
    let acme = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    let beta = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Beta"})).await);
    let a = create(&app, &admin, "/api/v1/tickets", json!({"title": "A", "customer_id": acme, "assignee_id": tech_id})).await;
    let b = create(&app, &admin, "/api/v1/tickets", json!({"title": "B", "customer_id": beta})).await;
    log(&app, &admin, &a, None, today, 30).await;
    log(&app, &tech, &a, None, today, 60).await;
    log(&app, &admin, &b, None, today, 45).await;
    let path = format!("/api/v1/reports/effective-time?from={today}&to={today}");

    let by_customer: Value = app.get(&path, &finance).await.json().await.unwrap();
    let rows: Vec<(String, i64)> = by_customer["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["customer_name"].as_str().unwrap().to_owned(), r["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(rows, [("Acme".to_owned(), 90), ("Beta".to_owned(), 45)]);
    assert_eq!(by_customer["minutes"], 135);
    assert_eq!(by_customer["rows"][0]["cost_minor"], 3_000, "finance sees the labour cost");
    let hidden: Value = app.get(&path, &coordinator).await.json().await.unwrap();
    assert_eq!(hidden["rows"][0]["cost_minor"], Value::Null, "a coordinator does not");

    let by_user: Value = app.get(&format!("{path}&group_by=user&customer_id={acme}"), &finance).await.json().await.unwrap();
    assert_eq!(by_user["rows"].as_array().unwrap().len(), 2);
    assert!(by_user["rows"].as_array().unwrap().iter().any(|r| r["user_id"] == json!(tech_id) && r["minutes"] == 60));

    let csv =
        app.request(Method::GET, &format!("{path}&format=csv&delimiter=semicolon&decimal=comma"), Some(&finance)).send().await.unwrap();
    let rows = parse_csv(&csv.text().await.unwrap(), ';');
    assert_eq!(rows.len(), 3);
    assert_eq!((rows[1][0].as_str(), rows[1][4].as_str()), ("Acme", "1,50"));

    expect_problem(app.get(&format!("{path}&group_by=team"), &finance).await, 400, "invalid_query").await;
    expect_problem(app.get("/api/v1/reports/effective-time?period=2026-Q5", &finance).await, 422, "validation_failed").await;
    assert_eq!(app.get(&path, &tech).await.status(), 403);
}

#[tokio::test]
async fn a_warranty_task_on_a_billable_ticket_is_billed_at_zero_with_its_time_and_parts() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let today = Utc::now().date_naive();
    let acme = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    create(&app, &admin, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 6_000, "valid_from": "2020-01-01"})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump", "customer_id": acme})).await;
    let covered =
        create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Seal under warranty", "warranty": true}))
            .await;
    assert_eq!(covered["warranty"], true);
    log(&app, &admin, &ticket, Some(&covered), today, 60).await;
    log(&app, &admin, &ticket, None, today, 30).await;
    let form = Form::new().text("data", json!({"work_done": "Seal replaced", "materials": [{"description": "Seal", "quantity": 1, "unit": "pcs", "unit_price_minor": 900}]}).to_string());
    let done = app
        .request(Method::POST, &format!("/api/v1/tasks/{}/completion", id(&covered)), Some(&admin))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 201);
    let run = run(&app, &admin, &month_of(today)).await;
    let statement = statement_of(&app, &admin, &run, &acme).await.unwrap();
    let s = |k: &str, b: &str, m: i64, a: i64| (k.to_owned(), b.to_owned(), m, 0, a, false);
    assert_eq!(summary(&statement), [s("work", "warranty", 60, 0), s("work", "billable", 30, 3_000), s("material", "warranty", 0, 0)]);
}

#[tokio::test]
async fn effective_time_shows_what_the_statements_charged_for_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, finance) = app.user("finance").await;
    let day = Utc::now().date_naive().with_day(1).unwrap() - Months::new(1);
    let acme = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    create(&app, &finance, "/api/v1/billing-rates", json!({"scope": "installation", "rate_minor": 6_000, "valid_from": "2020-01-01"}))
        .await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump", "customer_id": acme})).await;
    log(&app, &admin, &ticket, None, day, 90).await;
    let path = format!("/api/v1/reports/effective-time?from={day}&to={day}");
    let before: Value = app.get(&path, &finance).await.json().await.unwrap();
    assert_eq!((&before["rows"][0]["billed"], &before["billed"]), (&json!([]), &json!([])), "nothing billed yet");

    let month = run(&app, &finance, &month_of(day)).await;
    app.post(&format!("/api/v1/billing-runs/{}/finalize", id(&month)), &finance, json!({})).await;
    let after: Value = app.get(&path, &finance).await.json().await.unwrap();
    let charged = json!([{"currency": "EUR", "amount_minor": 9_000}]);
    assert_eq!((&after["rows"][0]["billed"], &after["billed"], &after["billed_minutes"]), (&charged, &charged, &json!(90)), "{after}");
    let csv = app.request(Method::GET, &format!("{path}&format=csv"), Some(&finance)).send().await.unwrap();
    let rows = parse_csv(&csv.text().await.unwrap(), ',');
    assert_eq!(rows[1].last().map(String::as_str), Some("EUR 90.00"));
}
