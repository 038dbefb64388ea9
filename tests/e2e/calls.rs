//! Calls: intake with sender matching and acknowledgements, the untriaged queue, triage once,
//! and monitoring alarms that never flood the desk.

use chrono::Datelike;
use serde_json::{Value, json};
use servdesk_persistence::PageRequest;
use servdesk_persistence::jobs::{self, JobFilter};

use crate::support::{TestApp, create, expect_problem, id};

async fn acknowledgements(app: &TestApp) -> Vec<Value> {
    let filter = JobFilter { status: None, kind: Some("notify.call_acknowledged".to_owned()) };
    let page = jobs::list(&app.state.db, &filter, PageRequest::first(200)).await.unwrap();
    page.items.into_iter().map(|j| j.payload).collect()
}

async fn known_contact(app: &TestApp, token: &str, acknowledge_calls: bool) -> (Value, Value) {
    let customer = create(app, token, "/api/v1/customers", json!({"name": "Vodovod d.o.o.", "acknowledge_calls": acknowledge_calls})).await;
    let contact = create(
        app,
        token,
        "/api/v1/contacts",
        json!({"customer_id": id(&customer), "name": "Iva Kranjc", "email": "iva@vodovod.si", "phones": ["+386 41 555 666"]}),
    )
    .await;
    (customer, contact)
}

#[tokio::test]
async fn a_call_is_kept_as_received_matched_to_its_sender_and_numbered() {
    let app = TestApp::spawn().await;
    let (_, agent) = app.user("agent").await;
    let (customer, contact) = known_contact(&app, &agent, true).await;
    let intake = create(
        &app,
        &agent,
        "/api/v1/calls",
        json!({"channel": "phone", "from_phone": " 00386 (41) 555-666 ", "body": "  Water pressure low\nsince morning  "}),
    )
    .await;
    assert_eq!(intake["outcome"], "created");
    let call = &intake["call"];
    assert_eq!(call["number"], format!("C-{}-000001", chrono::Utc::now().year()));
    assert_eq!(call["state"], "untriaged");
    assert_eq!(call["contact_id"], contact["id"]);
    assert_eq!(call["customer_id"], customer["id"]);
    assert_eq!(call["from_phone"], "+38641555666");
    assert_eq!(call["body"], "  Water pressure low\nsince morning  ", "raw content untouched");
    assert_eq!(call["acknowledged"], false, "phone calls are not acknowledged by default");
    assert!(acknowledgements(&app).await.is_empty());
}

#[tokio::test]
async fn email_and_web_calls_are_acknowledged_unless_automated_or_switched_off() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    known_contact(&app, &admin, true).await;
    let intake =
        create(&app, &admin, "/api/v1/calls", json!({"channel": "email", "from_email": "IVA@vodovod.si", "subject": "Leak"})).await;
    assert_eq!(intake["call"]["acknowledged"], true);
    let acks = acknowledgements(&app).await;
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0]["to"]["channel"], "email");
    assert_eq!(acks[0]["to"]["address"], "iva@vodovod.si");
    assert_eq!(acks[0]["to"]["name"], "Iva Kranjc");
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let ack = outbox.iter().find(|m| m["event"] == "call_acknowledged").unwrap();
    let number = intake["call"]["number"].as_str().unwrap();
    assert!(ack["subject"].as_str().unwrap().contains(number), "{ack}");
    assert!(ack["body_text"].as_str().unwrap().contains("Iva Kranjc"));
    assert_eq!(ack["auto_submitted"], "auto-replied");

    create(&app, &admin, "/api/v1/calls", json!({"channel": "email", "from_email": "no-reply@shop.example", "subject": "Your order"}))
        .await;
    create(
        &app,
        &admin,
        "/api/v1/calls",
        json!({"channel": "email", "from_email": "ana@example.com", "metadata": {"auto_submitted": "auto-replied"}}),
    )
    .await;
    create(&app, &admin, "/api/v1/calls", json!({"channel": "web_form", "from_name": "Anonymous"})).await;
    let quiet = create(&app, &admin, "/api/v1/customers", json!({"name": "Quiet", "acknowledge_calls": false})).await;
    create(&app, &admin, "/api/v1/calls", json!({"channel": "web_form", "customer_id": id(&quiet), "from_email": "boss@quiet.example"}))
        .await;
    assert_eq!(acknowledgements(&app).await.len(), 1, "robots, senders without an address and quiet customers get none");
}

#[tokio::test]
async fn coordinators_triage_the_oldest_calls_first_and_only_once() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (_, agent) = app.user("agent").await;
    let (customer, contact) = known_contact(&app, &agent, true).await;
    let first = create(
        &app,
        &agent,
        "/api/v1/calls",
        json!({"channel": "email", "from_email": "iva@vodovod.si", "subject": "Broken valve", "body": "Valve V2 leaks."}),
    )
    .await;
    let second = create(&app, &agent, "/api/v1/calls", json!({"channel": "phone", "subject": "Spam offer"})).await;
    let third = create(&app, &agent, "/api/v1/calls", json!({"channel": "phone", "subject": "Same valve again"})).await;

    let queue: Value = app.get("/api/v1/calls?state=untriaged", &coordinator).await.json().await.unwrap();
    let numbers: Vec<&str> = queue["items"].as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap()).collect();
    assert_eq!(numbers, [&first, &second, &third].map(|c| c["call"]["number"].as_str().unwrap()));

    let call_id = first["call"]["id"].as_str().unwrap();
    expect_problem(app.post(&format!("/api/v1/calls/{call_id}/convert"), &agent, json!({})).await, 403, "forbidden").await;
    let converted: Value =
        app.post(&format!("/api/v1/calls/{call_id}/convert"), &coordinator, json!({"description": "Valve V2"})).await.json().await.unwrap();
    assert_eq!(converted["state"], "converted");
    assert!(converted["triaged_at"].is_string() && converted["triaged_by_user_id"].is_string());
    let ticket: Value =
        app.get(&format!("/api/v1/tickets/{}", converted["ticket_id"].as_str().unwrap()), &coordinator).await.json().await.unwrap();
    assert_eq!(
        (ticket["title"].as_str(), ticket["details"].as_str(), ticket["description"].as_str()),
        (Some("Broken valve"), Some("Valve V2 leaks."), Some("Valve V2"))
    );
    assert_eq!((ticket["channel"].as_str(), ticket["call_id"].as_str()), (Some("email"), Some(call_id)));
    assert_eq!((&ticket["contact_id"], &ticket["customer_id"]), (&contact["id"], &customer["id"]));
    expect_problem(app.post(&format!("/api/v1/calls/{call_id}/convert"), &coordinator, json!({})).await, 409, "already_triaged").await;
    expect_problem(
        app.post(&format!("/api/v1/calls/{call_id}/dismiss"), &coordinator, json!({"reason": "spam"})).await,
        409,
        "already_triaged",
    )
    .await;

    let dismissed: Value = app
        .post(&format!("/api/v1/calls/{}/dismiss", second["call"]["id"].as_str().unwrap()), &coordinator, json!({"reason": "spam"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((dismissed["state"].as_str(), dismissed["dismiss_reason"].as_str()), (Some("dismissed"), Some("spam")));

    let third_id = third["call"]["id"].as_str().unwrap();
    let merged: Value =
        app.post(&format!("/api/v1/calls/{third_id}/merge"), &coordinator, json!({"ticket_id": ticket["id"]})).await.json().await.unwrap();
    assert_eq!((merged["state"].as_str(), merged["ticket_id"].as_str()), (Some("merged"), ticket["id"].as_str()));
    let comments: Value = app.get(&format!("/api/v1/tickets/{}/comments", id(&ticket)), &coordinator).await.json().await.unwrap();
    assert!(comments["items"][0]["body"].as_str().unwrap().contains("Same valve again"));
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &coordinator).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().last().unwrap()["kind"], "call_merged");

    let left: Value = app.get("/api/v1/calls?state=untriaged", &coordinator).await.json().await.unwrap();
    assert!(left["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn five_hundred_repeated_triggers_from_one_device_make_one_ticket() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Plant 3", "auto_resolve_alarms": true})).await;
    let key: Value =
        app.post("/api/v1/api-keys", &admin, json!({"name": "Monitoring", "scopes": ["calls:write"]})).await.json().await.unwrap();
    let monitoring = key["secret"].as_str().unwrap().to_owned();
    let alarm = json!({"channel": "api", "subject": "Pump P-7 pressure low", "customer_id": id(&customer), "dedup_key": "plant-3/p-7/pressure", "auto_convert": true});

    // Concurrent first triggers must still open a single ticket.
    let mut outcomes = Vec::new();
    for batch in 0..25 {
        let sends = (0..20).map(|_| app.post("/api/v1/calls", &monitoring, alarm.clone()));
        for res in futures_util::future::join_all(sends).await {
            assert!(res.status() == 201 || res.status() == 200, "batch {batch}: {}", res.status());
            outcomes.push(res.json::<Value>().await.unwrap());
        }
    }
    let ticket_ids: std::collections::HashSet<&str> = outcomes.iter().map(|o| o["ticket_id"].as_str().unwrap()).collect();
    assert_eq!(ticket_ids.len(), 1, "one ticket");
    assert_eq!(outcomes.iter().filter(|o| o["outcome"] == "converted").count(), 1);
    assert_eq!(outcomes.iter().filter(|o| o["outcome"] == "deduplicated").count(), 499);
    assert_eq!(outcomes.iter().filter_map(|o| o["alarm_count"].as_i64()).max(), Some(500));
    let tickets: Value = app.get("/api/v1/tickets", &admin).await.json().await.unwrap();
    assert_eq!(tickets["items"].as_array().unwrap().len(), 1, "zero new tickets");
    let calls: Value = app.get("/api/v1/calls", &admin).await.json().await.unwrap();
    assert_eq!(calls["items"].as_array().unwrap().len(), 1, "repeats are counted, not queued");
    let ticket_id = ticket_ids.into_iter().next().unwrap().to_owned();
    let mut repeats = 0;
    let mut path = format!("/api/v1/tickets/{ticket_id}/events?limit=200");
    loop {
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        repeats += page["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "alarm_repeated").count();
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/api/v1/tickets/{ticket_id}/events?limit=200&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(repeats, 499);
    assert!(acknowledgements(&app).await.is_empty(), "machines get no acknowledgement");

    // The device clears the alarm; the customer's setting resolves the ticket.
    let resolve = json!({"channel": "api", "customer_id": id(&customer), "dedup_key": "plant-3/p-7/pressure", "action": "resolve"});
    let res = app.post("/api/v1/calls", &monitoring, resolve).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "resolved");
    let ticket: Value = app.get(&format!("/api/v1/tickets/{ticket_id}"), &admin).await.json().await.unwrap();
    assert_eq!(ticket["status"]["class"], "resolved");

    // Once its ticket is closed, the same alarm opens a new one.
    app.post(&format!("/api/v1/tickets/{ticket_id}/close"), &admin, json!({})).await;
    let again = create(&app, &monitoring, "/api/v1/calls", alarm).await;
    assert_eq!(again["outcome"], "converted");
    assert_ne!(again["ticket_id"].as_str().unwrap(), ticket_id);
}

#[tokio::test]
async fn a_resolve_records_the_clearing_without_resolving_when_the_customer_says_not_to() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Careful"})).await;
    let alarm =
        json!({"channel": "api", "customer_id": id(&customer), "dedup_key": "srv-1/disk", "auto_convert": true, "subject": "Disk 95%"});
    let opened = create(&app, &admin, "/api/v1/calls", alarm).await;
    let res = app
        .post(
            "/api/v1/calls",
            &admin,
            json!({"channel": "api", "customer_id": id(&customer), "dedup_key": "srv-1/disk", "action": "resolve"}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "resolved");
    let ticket: Value = app.get(&format!("/api/v1/tickets/{}", opened["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(ticket["status"]["class"], "new", "recorded, not resolved");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let last = events["items"].as_array().unwrap().last().unwrap();
    assert_eq!((last["kind"].as_str(), last["data"]["ticket_resolved"].as_bool()), (Some("alarm_resolved"), Some(false)));
}
