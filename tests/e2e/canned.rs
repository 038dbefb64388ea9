//! Canned responses: placeholders checked when saved, rendered for a ticket as the agent.

use serde_json::{Value, json};

use crate::support::{TestApp, expect_problem};

#[tokio::test]
async fn a_canned_response_renders_for_a_ticket_and_unknown_placeholders_are_refused_on_save() {
    let app = TestApp::spawn().await;
    let coordinator = app.user("coordinator").await.1;
    let (_, agent) = app.user("agent").await;
    let res = app
        .post("/api/v1/canned-responses", &coordinator, json!({"name": "Bad", "language": "en", "body": "Hi {{ contact.nickname }}"}))
        .await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "body");
    expect_problem(
        app.post("/api/v1/canned-responses", &agent, json!({"name": "X", "language": "en", "body": "x"})).await,
        403,
        "forbidden",
    )
    .await;

    let canned: Value = app
        .post(
            "/api/v1/canned-responses",
            &coordinator,
            json!({"name": "On the way", "language": "EN", "body": "Dear {{ contact.name }} ({{customer.name}}), {{ ticket.number }} is {{ ticket.status }}. {{ agent.name }}"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(canned["language"], "en");
    let customer: Value = app.post("/api/v1/customers", &agent, json!({"name": "Pekarna"})).await.json().await.unwrap();
    let contact: Value =
        app.post("/api/v1/contacts", &agent, json!({"customer_id": customer["id"], "name": "Eva"})).await.json().await.unwrap();
    let ticket: Value =
        app.post("/api/v1/tickets", &agent, json!({"title": "Oven", "contact_id": contact["id"]})).await.json().await.unwrap();
    let rendered: Value = app
        .post(&format!("/api/v1/canned-responses/{}/render", canned["id"].as_str().unwrap()), &agent, json!({"ticket_id": ticket["id"]}))
        .await
        .json()
        .await
        .unwrap();
    let me: Value = app.get("/api/v1/me", &agent).await.json().await.unwrap();
    assert_eq!(
        rendered["body"],
        format!("Dear Eva (Pekarna), {} is New. {}", ticket["number"].as_str().unwrap(), me["name"].as_str().unwrap())
    );
    expect_problem(
        app.post("/api/v1/canned-responses", &coordinator, json!({"name": "On the way", "language": "en", "body": "dup"})).await,
        409,
        "name_taken",
    )
    .await;
    let listed: Value = app.get("/api/v1/canned-responses?language=en&q=way", &agent).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}
