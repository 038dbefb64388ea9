//! The conversation: public replies queued for the contact in the same transaction, internal
//! notes whose @mentions queue notifications.

use serde_json::{Value, json};
use servdesk_domain::jobs::JobStatus;
use servdesk_persistence::jobs::{self, JobFilter};
use servdesk_persistence::{PageRequest, tickets};

use crate::support::{TestApp, create, expect_problem, id};

async fn queued(app: &TestApp, kind: &str) -> Vec<Value> {
    let filter = JobFilter { status: Some(JobStatus::Queued), kind: Some(kind.to_owned()) };
    let page = jobs::list(&app.state.db, &filter, PageRequest::first(100)).await.unwrap();
    page.items.into_iter().map(|j| j.payload).collect()
}

#[tokio::test]
async fn a_public_reply_is_queued_for_the_contact_and_is_the_first_response() {
    let app = TestApp::spawn().await;
    let (_, agent) = app.user("agent").await;
    let customer = create(&app, &agent, "/api/v1/customers", json!({"name": "Pekarna"})).await;
    let contact =
        create(&app, &agent, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Eva", "email": "eva@pekarna.si"})).await;
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Oven cold", "contact_id": id(&contact)})).await;
    let t = id(&ticket);

    let comment = create(
        &app,
        &agent,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({"visibility": "public", "body": "A technician comes tomorrow at 9."}),
    )
    .await;
    assert_eq!(comment["visibility"], "public");
    let jobs = queued(&app, "notify.public_reply").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["to"]["address"], "eva@pekarna.si");
    assert_eq!(jobs[0]["to"]["channel"], "email");
    assert_eq!(jobs[0]["comment_id"], comment["id"]);
    // The worker composes it from the template: the outbox holds exactly what will be sent.
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let reply = outbox.iter().find(|m| m["event"] == "public_reply").unwrap();
    assert_eq!(reply["subject"], format!("[{}] Oven cold", ticket["number"].as_str().unwrap()));
    assert!(reply["body_text"].as_str().unwrap().starts_with("A technician comes tomorrow at 9."));
    assert_eq!(reply["to_address"], "eva@pekarna.si");
    assert_eq!(reply["status"], "queued", "no SMTP relay is configured: it waits in the outbox");

    let after: Value = app.get(&format!("/api/v1/tickets/{t}"), &agent).await.json().await.unwrap();
    assert!(after["first_response_at"].is_string());
    let events: Value = app.get(&format!("/api/v1/tickets/{t}/events"), &agent).await.json().await.unwrap();
    let last = events["items"].as_array().unwrap().last().unwrap();
    assert_eq!(last["kind"], "comment_added");
    assert!(last["data"]["delivery"]["queued_job_id"].is_string());
    let listed: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &agent).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["body"], "A technician comes tomorrow at 9.");
}

#[tokio::test]
async fn a_reply_goes_by_sms_to_a_contact_who_prefers_it_and_nowhere_without_a_contact() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Mesnica"})).await;
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Jure", "email": "jure@mesnica.si", "phones": ["+386 41 222 333"], "preferred_channel": "sms"})).await;
    let with_contact = create(&app, &admin, "/api/v1/tickets", json!({"title": "Fridge", "contact_id": id(&contact)})).await;
    create(&app, &admin, &format!("/api/v1/tickets/{}/comments", id(&with_contact)), json!({"visibility": "public", "body": "On our way"}))
        .await;
    let jobs = queued(&app, "notify.public_reply").await;
    assert_eq!((jobs[0]["to"]["channel"].as_str(), jobs[0]["to"]["address"].as_str()), (Some("sms"), Some("+38641222333")));

    let without = create(&app, &admin, "/api/v1/tickets", json!({"title": "Anonymous"})).await;
    create(&app, &admin, &format!("/api/v1/tickets/{}/comments", id(&without)), json!({"visibility": "public", "body": "Hello?"})).await;
    assert_eq!(queued(&app, "notify.public_reply").await.len(), 1, "nothing to send to");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&without)), &admin).await.json().await.unwrap();
    assert!(events["items"][1]["data"]["delivery"]["not_sent"].is_string());
}

#[tokio::test]
async fn mentions_in_an_internal_note_notify_those_colleagues_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (email, name) in [("ana.kos@servdesk.test", "Ana Kos"), ("bo@servdesk.test", "Bo")] {
        let body = json!({"email": email, "name": name, "role": "coordinator", "password": "a long test password"});
        create(&app, &admin, "/api/v1/users", body).await;
    }
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Escalation"})).await;
    let note = create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{}/comments", id(&ticket)),
        json!({"visibility": "internal", "body": "@ana.kos please call back; @nobody is not here; mail customer@ana.kos.example"}),
    )
    .await;
    assert_eq!(note["mentioned_user_ids"].as_array().unwrap().len(), 1);
    let mentions = queued(&app, "notify.mention").await;
    assert_eq!(mentions.len(), 1);
    assert_eq!(mentions[0]["ticket_number"], ticket["number"]);
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let mention = outbox.iter().find(|m| m["event"] == "mention").unwrap();
    assert_eq!(mention["to_address"], "ana.kos@servdesk.test");
    assert!(mention["body_text"].as_str().unwrap().contains("@ana.kos please call back"));
    assert!(mention["body_text"].as_str().unwrap().contains(&format!("/tickets/{}", id(&ticket))), "a link to the ticket");
    assert!(queued(&app, "notify.public_reply").await.is_empty(), "a note is not sent to the customer");
    let t = tickets::get(&app.state.db, uuid::Uuid::parse_str(&id(&ticket)).unwrap()).await.unwrap();
    assert!(t.first_response_at.is_none(), "a note is not a response");
}

#[tokio::test]
async fn technicians_comment_on_their_tickets_and_finance_only_reads() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (tech_id, technician) = app.user("technician").await;
    let (_, finance) = app.user("finance").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Site visit", "assignee_id": tech_id})).await;
    let path = format!("/api/v1/tickets/{}/comments", id(&ticket));
    create(&app, &technician, &path, json!({"visibility": "internal", "body": "Replaced the fuse"})).await;
    expect_problem(app.post(&path, &finance, json!({"visibility": "internal", "body": "x"})).await, 403, "forbidden").await;
    let listed: Value = app.get(&path, &finance).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
    expect_problem(app.post(&path, &technician, json!({"visibility": "shout", "body": "x"})).await, 422, "invalid_body").await;
}

#[tokio::test]
async fn a_mention_reaches_only_colleagues_who_may_open_the_ticket_and_says_who_it_skipped() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut logins = Vec::new();
    for (login, role) in [("cora", "coordinator"), ("agnes", "agent"), ("tim", "technician"), ("fay", "finance")] {
        let body = json!({"email": format!("{login}@servdesk.test"), "name": login, "role": role, "password": "a long test password"});
        logins.push(id(&create(&app, &admin, "/api/v1/users", body).await));
    }
    let partner = create(&app, &admin, "/api/v1/partners", json!({"name": "Subco"})).await;
    let body = json!({"email": "pat@servdesk.test", "name": "Pat", "role": "partner", "partner_id": id(&partner), "password": "a long test password"});
    create(&app, &admin, "/api/v1/users", body).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Board matter"})).await;
    let note = create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{}/comments", id(&ticket)),
        json!({"visibility": "internal", "body": "@cora @agnes @tim @fay @pat @ghost see the quote"}),
    )
    .await;
    assert_eq!(note["mentioned_user_ids"], json!([logins[0], logins[3]]), "the coordinator and finance may open it");
    let skipped: Vec<(String, String)> = note["skipped_mentions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["mention"].as_str().unwrap().to_owned(), s["reason"].as_str().unwrap().to_owned()))
        .collect();
    let expected: Vec<(String, String)> =
        [("@agnes", "cannot_see_ticket"), ("@tim", "cannot_see_ticket"), ("@pat", "cannot_see_ticket"), ("@ghost", "no_such_user")]
            .iter()
            .map(|(m, r)| (m.to_string(), r.to_string()))
            .collect();
    assert_eq!(skipped, expected);
    assert_eq!(queued(&app, "notify.mention").await.len(), 2, "notices to those two only");
}
