//! Bulk imports: a CSV or JSON file of one kind of directory record, checked whole on
//! arrival, imported by the worker with progress, upserting by external reference, each row
//! whole or not at all, a dry run that keeps nothing, and a report of the rows not taken.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, expect_problem, id};

async fn upload(app: &TestApp, token: &str, query: &str, content_type: &str, body: impl Into<reqwest::Body>) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/imports?{query}"), Some(token))
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Uploads, runs the worker, answers the finished import.
async fn import(app: &TestApp, token: &str, query: &str, content_type: &str, body: &str) -> Value {
    let res = upload(app, token, query, content_type, body.to_owned()).await;
    assert_eq!(res.status().as_u16(), 202);
    let location = res.headers().get("location").unwrap().to_str().unwrap().to_owned();
    let queued: Value = res.json().await.unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(location, format!("/api/v1/imports/{}", id(&queued)));
    app.run_jobs().await;
    let done: Value = app.get(&location, token).await.json().await.unwrap();
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["processed_rows"], done["total_rows"]);
    done
}

async fn errors(app: &TestApp, token: &str, import: &Value) -> Vec<Value> {
    let page: Value = app.get(&format!("/api/v1/imports/{}/errors", id(import)), token).await.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let page: Value = app.get(&format!("{path}?limit=200"), token).await.json().await.unwrap();
    page["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn customers_then_their_contacts_by_the_erps_ids_are_imported_and_a_second_run_updates_instead_of_doubling() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;

    // A Polish spreadsheet's export: semicolons, a byte-order mark, a quoted field, a bad email.
    let customers = "\u{feff}Name;Email;Tax_ID;acknowledge_calls;External_Ref\r\n\
                     \"Novak; d.o.o.\";info@novak.si;SI123;yes;C-1\r\n\
                     Horvat s.p.;;;no;C-2\r\n\
                     Broken;not-an-email;;;C-3\r\n";
    let done = import(&app, &admin, "kind=customers&file_name=crm.csv", "text/csv; charset=utf-8", customers).await;
    assert_eq!(
        (&done["total_rows"], &done["created_rows"], &done["updated_rows"], &done["failed_rows"]),
        (&json!(3), &json!(2), &json!(0), &json!(1))
    );
    assert_eq!((&done["file_name"], &done["format"], &done["dry_run"]), (&json!("crm.csv"), &json!("csv"), &json!(false)));
    let problems = errors(&app, &admin, &done).await;
    assert_eq!(problems.len(), 1);
    assert_eq!(
        (&problems[0]["row"], &problems[0]["external_ref"], &problems[0]["field"], &problems[0]["code"]),
        (&json!(4), &json!("C-3"), &json!("email"), &json!("email"))
    );
    let novak: Value = app.get("/api/v1/customers/by-external-ref/C-1", &admin).await.json().await.unwrap();
    assert_eq!((&novak["name"], &novak["tax_id"], &novak["acknowledge_calls"]), (&json!("Novak; d.o.o."), &json!("SI123"), &json!(true)));
    let horvat: Value = app.get("/api/v1/customers/by-external-ref/C-2", &admin).await.json().await.unwrap();
    assert_eq!(horvat["acknowledge_calls"], false);

    // Contacts as JSON, naming their customers by the ERP's ids.
    let contacts = json!([
        {"name": "Maja Horvat", "email": "Maja@Horvat.si", "phones": ["+386 40 123 456", "+386 1 234 56 78"], "customer_external_ref": "C-2", "external_ref": "P-1"},
        {"name": "Ana Novak", "customer_external_ref": "C-1"},
        {"name": "Nobody's", "customer_external_ref": "C-9", "external_ref": "P-3"},
        {"name": "", "customer_external_ref": "C-1"}
    ]);
    let done = import(&app, &admin, "kind=contacts", "application/json", &contacts.to_string()).await;
    let problems = errors(&app, &admin, &done).await;
    assert_eq!((&done["created_rows"], &done["failed_rows"]), (&json!(2), &json!(2)), "{problems:?}");
    let found: Vec<(Value, Value, Value)> = problems.iter().map(|p| (p["row"].clone(), p["field"].clone(), p["code"].clone())).collect();
    assert_eq!(found, vec![(json!(3), json!("customer_external_ref"), json!("not_found")), (json!(4), json!("name"), json!("blank"))]);
    let maja: Value = app.get("/api/v1/contacts/by-external-ref/P-1", &admin).await.json().await.unwrap();
    assert_eq!(maja["customer_id"], horvat["id"]);
    assert_eq!(maja["phones"].as_array().unwrap().len(), 2);
    assert_eq!(maja["email"], "maja@horvat.si");

    // The same customers again, one of them renamed: updated by reference, none doubled.
    let again = "name;external_ref\r\nNovak Group;C-1\r\nHorvat s.p.;C-2\r\n";
    let done = import(&app, &admin, "kind=customers", "text/csv", again).await;
    assert_eq!((&done["created_rows"], &done["updated_rows"], &done["failed_rows"]), (&json!(0), &json!(2), &json!(0)));
    assert_eq!(count(&app, &admin, "/api/v1/customers").await, 2);
    let novak: Value = app.get("/api/v1/customers/by-external-ref/C-1", &admin).await.json().await.unwrap();
    assert_eq!((&novak["name"], &novak["tax_id"]), (&json!("Novak Group"), &json!("SI123")), "a column left out keeps its value");

    // The report as CSV, to fix the file by.
    let res = app
        .request(Method::GET, &format!("/api/v1/imports/{}/errors?format=csv&delimiter=comma", id(&done)), Some(&admin))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let listed: Value = app.get("/api/v1/imports?kind=contacts", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    let contacts_import = &listed["items"][0];
    let csv = app
        .request(Method::GET, &format!("/api/v1/imports/{}/errors", id(contacts_import)), Some(&admin))
        .header("Accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next().map(|l| l.replace(';', ",")), Some("row,external_ref,field,code,message".to_owned()));
    assert!(lines.next().unwrap().contains("P-3"));
}

#[tokio::test]
async fn a_dry_run_checks_every_row_as_an_import_would_and_keeps_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let products = "name,sku,default_warranty_months,serial_pattern,external_ref\n\
                    Pump X1,X1,24,,M-1\n\
                    Pump X2,X2,many,,M-2\n\
                    Valve,V,12,[unclosed,M-3\n";
    let done = import(&app, &admin, "kind=products&dry_run=true", "text/csv", products).await;
    assert_eq!(done["dry_run"], true);
    assert_eq!((&done["created_rows"], &done["failed_rows"]), (&json!(1), &json!(2)));
    let problems = errors(&app, &admin, &done).await;
    let fields: Vec<&Value> = problems.iter().map(|p| &p["field"]).collect();
    assert_eq!(fields, vec![&json!("default_warranty_months"), &json!("serial_pattern")]);
    assert_eq!(count(&app, &admin, "/api/v1/products").await, 0, "a dry run keeps nothing");

    // The real import then does what the dry run said.
    let done = import(&app, &admin, "kind=products", "text/csv", products).await;
    assert_eq!((&done["created_rows"], &done["failed_rows"]), (&json!(1), &json!(2)));
    assert_eq!(count(&app, &admin, "/api/v1/products").await, 1);
}

#[tokio::test]
async fn a_row_that_fails_in_the_database_mid_batch_is_left_out_whole_and_the_rows_after_it_are_taken() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = import(&app, &admin, "kind=customers", "text/csv", "name,external_ref\nAcme,C-1\n").await;
    assert_eq!(customer["created_rows"], 1);
    import(&app, &admin, "kind=products", "text/csv", "name,external_ref\nPump,M-1\n").await;
    import(
        &app,
        &admin,
        "kind=locations",
        "text/csv",
        "name,address_line,city,customer_external_ref,external_ref\nPlant,Cesta 1,Kranj,C-1,L-1\n",
    )
    .await;
    // The second unit repeats the first's serial number: the database refuses it (on
    // PostgreSQL that would end the whole transaction without a savepoint per row).
    let units = "serial_number,product_external_ref,location_external_ref,installed_on,external_ref\n\
                 SN-1,M-1,L-1,2026-01-10,E-1\n\
                 SN-1,M-1,L-1,2026-01-10,E-2\n\
                 SN-2,M-1,,2026-02-01,E-3\n\
                 SN-3,M-9,,,E-4\n";
    let done = import(&app, &admin, "kind=equipment", "text/csv", units).await;
    assert_eq!((&done["created_rows"], &done["failed_rows"]), (&json!(2), &json!(2)), "{done}");
    let problems = errors(&app, &admin, &done).await;
    let found: Vec<(Value, Value)> = problems.iter().map(|p| (p["row"].clone(), p["code"].clone())).collect();
    assert_eq!(found, vec![(json!(3), json!("serial_number_taken")), (json!(5), json!("not_found"))]);
    let unit: Value = app.get("/api/v1/equipment/by-external-ref/E-1", &admin).await.json().await.unwrap();
    let location: Value = app.get("/api/v1/locations/by-external-ref/L-1", &admin).await.json().await.unwrap();
    assert_eq!((&unit["location_id"], &unit["customer_id"]), (&location["id"], &location["customer_id"]));
    expect_problem(app.get("/api/v1/equipment/by-external-ref/E-2", &admin).await, 404, "not_found").await;
    assert_eq!(count(&app, &admin, "/api/v1/equipment").await, 2);
}

#[tokio::test]
async fn a_file_that_cannot_be_imported_is_refused_whole_and_nothing_is_queued() {
    let app = TestApp::spawn_with(|c| c.import_max_bytes = 200).await;
    let admin = app.admin_token().await;
    let problem =
        expect_problem(upload(&app, &admin, "kind=contacts", "text/csv", "name,emial\nAna,a@b.si\n").await, 422, "validation_failed").await;
    assert_eq!((&problem["errors"][0]["field"], &problem["errors"][0]["code"]), (&json!("emial"), &json!("unknown")));
    expect_problem(upload(&app, &admin, "kind=contacts", "text/csv", "name\n").await, 422, "invalid_body").await;
    expect_problem(upload(&app, &admin, "kind=contacts", "text/csv", "name\n\"open\n").await, 422, "invalid_body").await;
    expect_problem(upload(&app, &admin, "kind=contacts", "application/json", r#"{"name": "not a list"}"#).await, 422, "invalid_body").await;
    expect_problem(upload(&app, &admin, "kind=contacts", "text/csv", vec![b'n', b'a', 0xff, b'\n']).await, 422, "invalid_body").await;
    expect_problem(upload(&app, &admin, "kind=contacts", "application/xml", "<a/>").await, 415, "unsupported_media_type").await;
    expect_problem(upload(&app, &admin, "kind=tickets", "text/csv", "name\nA\n").await, 400, "invalid_query").await;
    let big = format!("name\n{}", "Someone\n".repeat(40));
    expect_problem(upload(&app, &admin, "kind=contacts", "text/csv", big).await, 413, "payload_too_large").await;
    let listed: Value = app.get("/api/v1/imports", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"], json!([]));
    assert_eq!(app.run_jobs().await, 0);
}

#[tokio::test]
async fn a_file_of_several_batches_with_bad_rows_here_and_there_imports_every_good_row_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // 1,200 rows: three batches; a blank name in the first and the third (refused by the
    // create's own checks, after the rows before them in the batch were written).
    let mut file = String::from("name;sku;external_ref\n");
    for i in 1..=1200 {
        let name = if i == 3 || i == 1100 { String::new() } else { format!("Part {i}") };
        file.push_str(&format!("{name};SKU-{i};M-{i}\n"));
    }
    let done = import(&app, &admin, "kind=products", "text/csv", &file).await;
    assert_eq!((&done["total_rows"], &done["created_rows"], &done["failed_rows"]), (&json!(1200), &json!(1198), &json!(2)));
    let rows: Vec<Value> = errors(&app, &admin, &done).await.iter().map(|e| e["row"].clone()).collect();
    assert_eq!(rows, vec![json!(4), json!(1101)], "CSV lines: the header is line 1");
    let mut listed = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/products?limit=200&cursor={c}"),
            None => "/api/v1/products?limit=200".to_owned(),
        };
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        listed += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(listed, 1198, "each good row once, none of the rolled-back attempt left over");
}
