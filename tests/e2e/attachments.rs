//! Attachments: multipart uploads judged from their bytes, the size limit, the object store
//! on disk, streamed authorised downloads, files on comments and on triaged calls.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use servdesk_domain::jobs::JobStatus;
use servdesk_persistence::PageRequest;
use servdesk_persistence::jobs::{self, JobFilter};

use crate::support::{TestApp, create, expect_problem, files_under, id};

pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\x0f\0\0\x01\x01\0\x05\x18\xd8N\0\0\0\0IEND\xaeB`\x82";

fn file(name: &str, content_type: Option<&str>, bytes: Vec<u8>) -> Part {
    let part = Part::bytes(bytes).file_name(name.to_owned());
    match content_type {
        Some(ct) => part.mime_str(ct).unwrap(),
        None => part,
    }
}

async fn upload(app: &TestApp, token: &str, path: &str, parts: Vec<Part>) -> reqwest::Response {
    let form = parts.into_iter().fold(Form::new(), |form, part| form.part("file", part));
    app.request(Method::POST, path, Some(token)).multipart(form).send().await.unwrap()
}

async fn ticket(app: &TestApp, token: &str) -> Value {
    create(app, token, "/api/v1/tickets", json!({"title": "Boiler leaks"})).await
}

/// Files in the storage directory (the object store's local default).
pub(crate) fn stored_objects(app: &TestApp) -> Vec<std::path::PathBuf> {
    files_under(&app.state.config.data_dir.join("attachments"))
}

#[tokio::test]
async fn files_are_stored_outside_the_database_typed_from_their_bytes_and_downloaded_as_uploaded() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = ticket(&app, &admin).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));
    let report = "Tlak 1,2 bar; ventil zamenjan.\n".repeat(2000).into_bytes();
    let res = upload(
        &app,
        &admin,
        &path,
        vec![file("kotao.png", Some("application/octet-stream"), PNG.to_vec()), file("Zapisnik čišćenja.txt", None, report.clone())],
    )
    .await;
    assert_eq!(res.status(), 201);
    let items = res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["content_type"], "image/png", "typed from the bytes, not the declared octet-stream");
    assert_eq!(items[0]["size_bytes"], PNG.len());
    assert_eq!(items[1]["content_type"], "text/plain");
    assert_eq!(items[1]["filename"], "Zapisnik čišćenja.txt");
    assert_eq!(items[1]["ticket_id"], t["id"]);

    // The bytes are on disk, not in the database.
    let objects = stored_objects(&app);
    assert_eq!(objects.len(), 2);
    assert!(objects.iter().any(|p| std::fs::read(p).unwrap() == report));

    let res = app.get(items[1]["content_url"].as_str().unwrap(), &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/plain");
    assert_eq!(res.headers()["content-length"], report.len().to_string().as_str());
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''Zapisnik%20%C4%8Di%C5%A1%C4%87enja.txt"), "{disposition}");
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(res.bytes().await.unwrap().as_ref(), report.as_slice());
    let again = app
        .request(Method::GET, items[1]["content_url"].as_str().unwrap(), Some(&admin))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    // Images may be shown inline on request; text never is.
    let png = app.get(&format!("{}?disposition=inline", items[0]["content_url"].as_str().unwrap()), &admin).await;
    assert!(png.headers()["content-disposition"].to_str().unwrap().starts_with("inline;"));
    let txt = app.get(&format!("{}?disposition=inline", items[1]["content_url"].as_str().unwrap()), &admin).await;
    assert!(txt.headers()["content-disposition"].to_str().unwrap().starts_with("attachment;"));

    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&t)), &admin).await.json().await.unwrap();
    let added = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "attachment_added").unwrap().clone();
    assert_eq!(added["data"]["attachments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_file_that_is_not_what_it_claims_or_is_a_program_is_refused_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = ticket(&app, &admin).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));

    let disguised = file("photo.png", Some("image/png"), b"<html><script>alert(1)</script></html>".to_vec());
    let body =
        expect_problem(upload(&app, &admin, &path, vec![file("ok.png", None, PNG.to_vec()), disguised]).await, 422, "validation_failed")
            .await;
    assert_eq!(body["errors"][0]["code"], "content_type_mismatch");
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
    exe.resize(512, 0);
    let body = expect_problem(upload(&app, &admin, &path, vec![file("invoice.pdf.exe", None, exe)]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "forbidden_type");

    assert!(stored_objects(&app).is_empty(), "the good file of the refused request was removed too");
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty());

    // Not multipart, or multipart without a file.
    let res = app.post(&path, &admin, json!({"file": "x"})).await;
    expect_problem(res, 415, "unsupported_media_type").await;
    let form = Form::new().text("note", "no file here");
    let res = app.request(Method::POST, &path, Some(&admin)).multipart(form).send().await.unwrap();
    let body = expect_problem(res, 422, "validation_failed").await;
    assert_eq!((body["errors"][0]["field"].as_str(), body["errors"][0]["code"].as_str()), (Some("note"), Some("unknown_part")));
    // RFC 2046 wants at least one part: an empty multipart body is malformed.
    let res = app.request(Method::POST, &path, Some(&admin)).multipart(Form::new()).send().await.unwrap();
    expect_problem(res, 400, "malformed_multipart").await;
}

#[tokio::test]
async fn a_file_over_the_default_25_mb_limit_answers_413_and_leaves_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = ticket(&app, &admin).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));
    let limit = 25 * 1024 * 1024;

    let exactly = vec![b'a'; limit];
    assert_eq!(upload(&app, &admin, &path, vec![file("limit.txt", None, exactly)]).await.status(), 201);
    let over = vec![b'a'; limit + 1];
    let res = upload(&app, &admin, &path, vec![file("small.png", None, PNG.to_vec()), file("big.log", None, over)]).await;
    expect_problem(res, 413, "attachment_too_large").await;
    assert_eq!(stored_objects(&app).len(), 1, "only the file at the limit is kept");
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_size_limit_is_configurable() {
    let app = TestApp::spawn_with(|c| c.attachment_max_bytes = 1000).await;
    let admin = app.admin_token().await;
    let t = ticket(&app, &admin).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));
    assert_eq!(upload(&app, &admin, &path, vec![file("a.txt", None, vec![b'a'; 1000])]).await.status(), 201);
    expect_problem(upload(&app, &admin, &path, vec![file("b.txt", None, vec![b'b'; 1001])]).await, 413, "attachment_too_large").await;
}

#[tokio::test]
async fn a_reply_carries_its_files_to_the_outbound_message_and_each_file_goes_with_one_comment() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Pekarna"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Eva", "email": "eva@pekarna.si"})).await;
    let t =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Oven cold", "customer_id": id(&customer), "contact_id": id(&contact)}))
            .await;
    let other = ticket(&app, &admin).await;
    let uploaded: Value =
        upload(&app, &admin, &format!("/api/v1/tickets/{}/attachments", id(&t)), vec![file("quote.png", None, PNG.to_vec())])
            .await
            .json()
            .await
            .unwrap();
    let file_id = uploaded["items"][0]["id"].clone();
    let foreign: Value =
        upload(&app, &admin, &format!("/api/v1/tickets/{}/attachments", id(&other)), vec![file("x.png", None, PNG.to_vec())])
            .await
            .json()
            .await
            .unwrap();

    let comments = format!("/api/v1/tickets/{}/comments", id(&t));
    let res = app
        .post(&comments, &admin, json!({"visibility": "public", "body": "See attached.", "attachment_ids": [foreign["items"][0]["id"]]}))
        .await;
    let body = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "attachment_ids");
    let listed: Value = app.get(&comments, &admin).await.json().await.unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty(), "the refused comment left nothing");

    let comment =
        create(&app, &admin, &comments, json!({"visibility": "public", "body": "The quote is attached.", "attachment_ids": [file_id]}))
            .await;
    assert_eq!(comment["attachments"][0]["id"], file_id);
    assert_eq!(comment["attachments"][0]["comment_id"], comment["id"]);
    let filter = JobFilter { status: Some(JobStatus::Queued), kind: Some("notify.public_reply".to_owned()) };
    let jobs = jobs::list(&app.state.db, &filter, PageRequest::first(10)).await.unwrap();
    assert_eq!(jobs.items.len(), 1);
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let reply = outbox.iter().find(|m| m["event"] == "public_reply").unwrap();
    assert_eq!(reply["attachment_ids"], json!([file_id]), "the reply carries the file");

    let again =
        app.post(&comments, &admin, json!({"visibility": "internal", "body": "Same file again", "attachment_ids": [file_id]})).await;
    expect_problem(again, 422, "validation_failed").await;
    let listed: Value = app.get(&comments, &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["attachments"][0]["filename"], "quote.png");

    // A sent file stays; an unsent one can be removed by its uploader.
    expect_problem(app.delete(&format!("/api/v1/attachments/{}", file_id.as_str().unwrap()), &admin).await, 409, "attachment_in_comment")
        .await;
    let loose = &foreign["items"][0];
    assert_eq!(app.delete(&format!("/api/v1/attachments/{}", id(loose)), &admin).await.status(), 204);
    assert_eq!(app.get(loose["content_url"].as_str().unwrap(), &admin).await.status(), 404);
    assert_eq!(stored_objects(&app).len(), 1);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&other)), &admin).await.json().await.unwrap();
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "attachment_removed"));
}

#[tokio::test]
async fn a_calls_files_follow_it_onto_the_ticket_it_becomes_or_is_merged_into() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let key: Value =
        app.post("/api/v1/api-keys", &admin, json!({"name": "Web form", "scopes": ["calls:write"]})).await.json().await.unwrap();
    let form = key["secret"].as_str().unwrap().to_owned();
    let other_key: Value =
        app.post("/api/v1/api-keys", &admin, json!({"name": "Other", "scopes": ["calls:write"]})).await.json().await.unwrap();

    let call = create(&app, &form, "/api/v1/calls", json!({"channel": "web_form", "subject": "Broken display", "from_email": "a@b.si"}))
        .await["call"]
        .clone();
    let path = format!("/api/v1/calls/{}/attachments", id(&call));
    assert_eq!(upload(&app, &form, &path, vec![file("display.png", Some("image/png"), PNG.to_vec())]).await.status(), 201);
    let res = upload(&app, other_key["secret"].as_str().unwrap(), &path, vec![file("x.png", None, PNG.to_vec())]).await;
    expect_problem(res, 404, "not_found").await;
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["ticket_id"], Value::Null);

    let converted: Value = app.post(&format!("/api/v1/calls/{}/convert", id(&call)), &admin, json!({})).await.json().await.unwrap();
    let ticket_files: Value =
        app.get(&format!("/api/v1/tickets/{}/attachments", converted["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(ticket_files["items"][0]["filename"], "display.png");
    assert_eq!(ticket_files["items"][0]["call_id"], call["id"]);

    let second = create(&app, &form, "/api/v1/calls", json!({"channel": "web_form", "subject": "Still broken"})).await["call"].clone();
    upload(&app, &form, &format!("/api/v1/calls/{}/attachments", id(&second)), vec![file("again.png", None, PNG.to_vec())]).await;
    let merged = app.post(&format!("/api/v1/calls/{}/merge", id(&second)), &admin, json!({"ticket_id": converted["ticket_id"]})).await;
    assert_eq!(merged.status(), 200);
    let comments: Value =
        app.get(&format!("/api/v1/tickets/{}/comments", converted["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(comments["items"][0]["attachments"][0]["filename"], "again.png");
}

#[tokio::test]
async fn who_cannot_see_the_ticket_cannot_see_its_files() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, technician) = app.user("technician").await;
    let (_, agent) = app.user("agent").await;
    let t = ticket(&app, &admin).await;
    let uploaded: Value =
        upload(&app, &admin, &format!("/api/v1/tickets/{}/attachments", id(&t)), vec![file("plan.png", None, PNG.to_vec())])
            .await
            .json()
            .await
            .unwrap();
    let file = &uploaded["items"][0];
    for token in [&technician, &agent] {
        expect_problem(app.get(&format!("/api/v1/attachments/{}", id(file)), token).await, 404, "not_found").await;
        expect_problem(app.get(file["content_url"].as_str().unwrap(), token).await, 404, "not_found").await;
        let res = upload(&app, token, &format!("/api/v1/tickets/{}/attachments", id(&t)), vec![file_part()]).await;
        expect_problem(res, 404, "not_found").await;
    }
    assert_eq!(stored_objects(&app).len(), 1, "a refused upload stores nothing");

    // Assigned, the technician sees the ticket and its files, but may not remove the admin's.
    let res = app.post(&format!("/api/v1/tickets/{}/assign", id(&t)), &admin, json!({"assignee_id": tech_id})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.get(file["content_url"].as_str().unwrap(), &technician).await.status(), 200);
    expect_problem(app.delete(&format!("/api/v1/attachments/{}", id(file)), &technician).await, 403, "forbidden").await;
}

fn file_part() -> Part {
    file("x.png", None, PNG.to_vec())
}

#[tokio::test]
async fn an_upload_with_an_idempotency_key_is_stored_once_and_replayed_without_holding_it_in_memory() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let t = ticket(&app, &admin).await;
    let path = format!("/api/v1/tickets/{}/attachments", id(&t));
    // Larger than the JSON body limit the idempotency layer keeps in memory.
    let big = vec![b'x'; 3 * 1024 * 1024];
    let send = |bytes: Vec<u8>| {
        let form = Form::new().part("file", file("export.csv", Some("text/csv"), bytes));
        app.request(Method::POST, &path, Some(&admin)).header("idempotency-key", "upload-1").multipart(form).send()
    };
    let first = send(big.clone()).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let again = send(big.clone()).await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(stored_objects(&app).len(), 1, "stored once");
    let mut other = big;
    other[0] = b'y';
    expect_problem(send(other).await.unwrap(), 422, "idempotency_key_reused").await;
    let spool = app.state.config.data_dir.join("spool");
    assert_eq!(std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0), 0, "spooled bodies are removed");
}
