//! Linked documents written by the ERP: added as JSON or with a file, upserted by the ERP's
//! reference (a replay changes nothing), changed, listed; bad ones refused with nothing
//! written; Servdesk's own documents stay Servdesk's.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

async fn erp_key(app: &TestApp, admin: &str) -> String {
    let key = create(app, admin, "/api/v1/api-keys", json!({"name": "ERP", "scopes": ["billing:write"]})).await;
    key["secret"].as_str().unwrap().to_owned()
}

async fn count(app: &TestApp, token: &str, path: &str) -> usize {
    let list: Value = app.get(path, token).await.json().await.unwrap();
    list["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_erp_links_documents_to_a_ticket_and_replays_them_safely() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let erp = erp_key(&app, &admin).await;
    let acme = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump in for repair", "customer_id": acme})).await;
    let path = format!("/api/v1/tickets/{}/documents", id(&ticket));

    let note =
        create(&app, &erp, &path, json!({"kind": "delivery_note_in", "number": "PZ/17", "issued_on": "2026-11-30", "status": "received"}))
            .await;
    assert_eq!((note["kind"].as_str(), note["customer_id"].as_str()), (Some("delivery_note_in"), Some(acme.as_str())));

    // With its file, as multipart.
    let form =
        Form::new().text("data", json!({"kind": "delivery_note_out", "number": "WZ/3", "issued_on": "2026-12-01"}).to_string()).part(
            "file",
            Part::bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec())
                .file_name("wz3.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = app.request(Method::POST, &path, Some(&erp)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let out: Value = res.json().await.unwrap();
    let file = app.get(out["file_url"].as_str().unwrap(), &admin).await;
    assert_eq!(file.status(), 200);
    assert!(file.bytes().await.unwrap().starts_with(b"%PDF-"));

    // The ERP's sync: new (201), replayed (200, unchanged), changed (200, next version).
    let invoice = json!({"ticket_id": id(&ticket), "kind": "invoice", "number": "FV/42", "issued_on": "2026-12-02", "amount_minor": 48_900, "currency": "EUR"});
    let upsert = "/api/v1/documents/by-external-ref/erp-inv-42";
    let first = app.request(Method::PUT, upsert, Some(&erp)).json(&invoice).send().await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = app.request(Method::PUT, upsert, Some(&erp)).json(&invoice).send().await.unwrap();
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!((again["id"].clone(), again["version"].clone()), (first["id"].clone(), first["version"].clone()));
    let mut paid = invoice.clone();
    paid["status"] = json!("paid");
    let changed: Value = app.request(Method::PUT, upsert, Some(&erp)).json(&paid).send().await.unwrap().json().await.unwrap();
    assert_eq!((changed["status"].as_str(), changed["version"].as_i64()), (Some("paid"), Some(2)));
    assert_eq!(changed["external_ref"], "erp-inv-42");

    let credit = create(
        &app,
        &erp,
        &path,
        json!({"kind": "credit_note", "number": "KOR/1", "issued_on": "2026-12-03", "amount_minor": -4_890, "currency": "EUR"}),
    )
    .await;
    let patched: Value =
        app.patch(&format!("/api/v1/documents/{}", id(&credit)), &erp, json!({"status": "booked"})).await.json().await.unwrap();
    assert_eq!(patched["status"], "booked");

    let of_ticket: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(of_ticket.as_array().unwrap().len(), 4);
    assert_eq!(count(&app, &erp, &format!("/api/v1/documents?customer_id={acme}")).await, 4);
    assert_eq!(count(&app, &erp, "/api/v1/documents?kind=invoice").await, 1);
    assert_eq!(count(&app, &erp, "/api/v1/documents?from=2026-12-02&to=2026-12-02").await, 1);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let added = events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "document_added").count();
    assert_eq!(added, 4);
}

#[tokio::test]
async fn bad_documents_are_refused_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let erp = erp_key(&app, &admin).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump"})).await;
    let path = format!("/api/v1/tickets/{}/documents", id(&ticket));
    create(&app, &erp, &path, json!({"kind": "invoice", "number": "FV/1", "issued_on": "2026-12-01"})).await;
    let cases: [(Value, &str, &str); 4] = [
        (json!({"kind": "statement", "number": "X", "issued_on": "2026-12-01"}), "kind", "not_for_this_kind"),
        (json!({"kind": "invoice", "number": "FV/2", "issued_on": "2026-12-01", "amount_minor": 100}), "currency", "required"),
        (
            json!({"kind": "invoice", "number": "FV/2", "issued_on": "2026-12-01", "amount_minor": 100, "currency": "eur"}),
            "currency",
            "currency",
        ),
        (json!({"kind": "invoice", "number": "  ", "issued_on": "2026-12-01"}), "number", "blank"),
    ];
    for (body, field, code) in cases {
        let problem = expect_problem(app.post(&path, &erp, body.clone()).await, 422, "validation_failed").await;
        assert_eq!((problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()), (Some(field), Some(code)), "{body}");
    }
    expect_problem(
        app.post(&path, &erp, json!({"kind": "invoice", "number": "FV/1", "issued_on": "2026-12-05"})).await,
        409,
        "document_number_taken",
    )
    .await;
    let unknown = format!("/api/v1/tickets/{}/documents", uuid::Uuid::now_v7());
    expect_problem(
        app.post(&unknown, &erp, json!({"kind": "invoice", "number": "FV/9", "issued_on": "2026-12-01"})).await,
        404,
        "not_found",
    )
    .await;
    let other = create(&app, &admin, "/api/v1/tickets", json!({"title": "Other"})).await;
    let foreign_task = create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&other)), json!({"title": "Elsewhere"})).await;
    let wrong_task =
        app.post(&path, &erp, json!({"kind": "invoice", "number": "FV/8", "issued_on": "2026-12-01", "task_id": id(&foreign_task)})).await;
    assert_eq!(expect_problem(wrong_task, 422, "validation_failed").await["errors"][0]["code"], "wrong_ticket");
    let new_ref = app
        .request(Method::PUT, "/api/v1/documents/by-external-ref/erp-1", Some(&erp))
        .json(&json!({"kind": "invoice", "number": "FV/7", "issued_on": "2026-12-01"}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(new_ref, 422, "validation_failed").await["errors"][0]["field"], "ticket_id");
    let unsupported =
        app.request(Method::POST, &path, Some(&erp)).header("Content-Type", "text/plain").body("invoice").send().await.unwrap();
    expect_problem(unsupported, 415, "unsupported_media_type").await;
    // An agent reads the ticket's documents but does not write them.
    let (_, agent) = app.user("agent").await;
    assert_eq!(app.post(&path, &agent, json!({"kind": "invoice", "number": "FV/3", "issued_on": "2026-12-01"})).await.status(), 403);
    assert_eq!(count(&app, &erp, "/api/v1/documents").await, 1, "only the first one");
}
