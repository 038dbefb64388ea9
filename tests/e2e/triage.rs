//! Triage rules at intake: the first matching rule dismisses spam (unanswered), converts a
//! call to a routed and tagged ticket (on its timeline), or tags it for the coordinator;
//! calls left waiting are announced to coordinators (or the team they asked for), which
//! the notification switch turns off.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{TestApp, create, expect_problem, id};

async fn rule(app: &TestApp, token: &str, body: Value) -> Value {
    create(app, token, "/api/v1/triage-rules", body).await
}

#[tokio::test]
async fn the_first_matching_rule_dismisses_spam_converts_urgent_calls_and_tags_the_rest() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, coordinator) = app.user("coordinator").await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Night shift"})).await);
    rule(
        &app,
        &coordinator,
        json!({"name": "Spam", "position": 1, "conditions": {"sender_domains": ["spam.example"]}, "action": {"kind": "dismiss"}}),
    )
    .await;
    let urgent = rule(
        &app,
        &coordinator,
        json!({
            "name": "Urgent email", "position": 2,
            "conditions": {"channels": ["email"], "subject_words": ["urgent"]},
            "action": {"kind": "convert", "routing": {"team_id": team}, "tags": ["urgent"]}
        }),
    )
    .await;
    rule(
        &app,
        &coordinator,
        json!({"name": "Phones", "position": 3, "conditions": {"channels": ["phone"]}, "action": {"kind": "tag", "tags": ["phone"]}}),
    )
    .await;
    let list: Value = app.get("/api/v1/triage-rules", &coordinator).await.json().await.unwrap();
    let names: Vec<&str> = list["items"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["Spam", "Urgent email", "Phones"]);

    let take = |body: Value| app.post("/api/v1/calls", &admin, body);
    let spam: Value =
        take(json!({"channel": "email", "from_email": "win@mail.spam.example", "subject": "URGENT prize"})).await.json().await.unwrap();
    assert_eq!(spam["outcome"], "dismissed");
    assert_eq!(spam["call"]["dismiss_reason"], "spam");
    assert_eq!(spam["call"]["metadata"]["rule"]["name"], "Spam");
    assert_eq!(spam["call"]["acknowledged"], false);

    let hot: Value = take(json!({"channel": "email", "from_email": "ana@customer.example", "subject": "Urgent: no heating"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(hot["outcome"], "converted");
    let ticket_id = hot["ticket_id"].as_str().unwrap();
    let ticket: Value = app.get(&format!("/api/v1/tickets/{ticket_id}"), &admin).await.json().await.unwrap();
    assert_eq!(ticket["team_id"], team.as_str());
    assert_eq!(ticket["tags"], json!(["urgent"]));
    let events: Value = app.get(&format!("/api/v1/tickets/{ticket_id}/events"), &admin).await.json().await.unwrap();
    let applied = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "rule_applied").cloned().unwrap();
    assert_eq!(applied["data"]["rule_id"], urgent["id"]);

    let phone: Value =
        take(json!({"channel": "phone", "from_phone": "+38640111222", "subject": "Boiler noise"})).await.json().await.unwrap();
    assert_eq!(phone["outcome"], "created");
    assert_eq!(phone["call"]["metadata"]["tags"], json!(["phone"]));
    let converted: Value =
        app.post(&format!("/api/v1/calls/{}/convert", id(&phone["call"])), &coordinator, json!({})).await.json().await.unwrap();
    let ticket: Value =
        app.get(&format!("/api/v1/tickets/{}", converted["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(ticket["tags"], json!(["phone"]));

    // The spammer was not answered; the others were acknowledged.
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let acknowledged: Vec<&str> =
        outbox.iter().filter(|m| m["event"] == "call_acknowledged").map(|m| m["to_address"].as_str().unwrap()).collect();
    assert!(!acknowledged.contains(&"win@mail.spam.example"), "{acknowledged:?}");
    assert!(acknowledged.contains(&"ana@customer.example"));
}

#[tokio::test]
async fn a_request_a_rule_converts_brings_its_files_to_the_ticket() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    rule(&app, &admin, json!({"name": "Portal", "conditions": {"channels": ["portal"]}, "action": {"kind": "convert"}})).await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"name": "Ana", "customer_id": id(&customer), "email": "ana@acme.example"})).await;
    app.post(&format!("/api/v1/contacts/{}/portal-invitation", id(&contact)), &admin, json!({})).await;
    let portal = crate::portal::accept_invitation(&app, "ana@acme.example").await;
    let form = reqwest::multipart::Form::new()
        .text("subject", "Broken")
        .text("body", "See the photo")
        .part("file", reqwest::multipart::Part::bytes(crate::attachments::PNG.to_vec()).file_name("p.png").mime_str("image/png").unwrap());
    let res = app.request(Method::POST, "/api/v1/portal/requests", Some(&portal)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let call: Value = app.get(&format!("/api/v1/calls/{}", id(&res.json::<Value>().await.unwrap())), &admin).await.json().await.unwrap();
    assert_eq!(call["state"], "converted");
    let files: Value =
        app.get(&format!("/api/v1/tickets/{}/attachments", call["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(files["items"][0]["filename"], "p.png");
}

#[tokio::test]
async fn a_call_left_waiting_is_announced_to_coordinators_unless_the_notice_is_switched_off() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (coordinator_id, _) = app.user("coordinator").await;
    let coordinator: Value = app.get(&format!("/api/v1/users/{coordinator_id}"), &admin).await.json().await.unwrap();
    let res = app.post("/api/v1/calls", &admin, json!({"channel": "phone", "from_phone": "+38640111222", "subject": "Boiler noise"})).await;
    assert_eq!(res.status(), 201);
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let notice = outbox.iter().find(|m| m["event"] == "call_received").cloned().expect("a call_received notice");
    assert_eq!(notice["to_address"], coordinator["email"]);
    assert!(notice["subject"].as_str().unwrap().contains("waits for triage"));

    app.request(Method::PUT, "/api/v1/notification-settings/call_received", Some(&admin))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    app.post("/api/v1/calls", &admin, json!({"channel": "phone", "from_phone": "+38640111333", "subject": "Second"})).await;
    app.run_jobs().await;
    assert_eq!(app.outbox().await.iter().filter(|m| m["event"] == "call_received").count(), 1);
}

#[tokio::test]
async fn a_rule_needs_a_condition_and_real_routing_and_only_coordinators_write_rules() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, agent) = app.user("agent").await;
    let res = app.post("/api/v1/triage-rules", &admin, json!({"name": "All", "conditions": {}, "action": {"kind": "dismiss"}})).await;
    expect_problem(res, 422, "validation_failed").await;
    let ghost = json!({"name": "Ghost team", "conditions": {"channels": ["sms"]}, "action": {"kind": "convert", "routing": {"team_id": uuid::Uuid::now_v7()}}});
    let problem = expect_problem(app.post("/api/v1/triage-rules", &admin, ghost).await, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "action.routing.team_id");
    let res = app
        .post("/api/v1/triage-rules", &agent, json!({"name": "x", "conditions": {"channels": ["sms"]}, "action": {"kind": "dismiss"}}))
        .await;
    expect_problem(res, 403, "forbidden").await;
}
