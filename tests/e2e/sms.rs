//! SMS through the configured HTTP gateway — here a small HTTP server of the test suite
//! that records what it received and answers as told: retried when the gateway fails
//! for a while, given up on when it refuses the message.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

use crate::support::{TestApp, create, id};

#[derive(Default)]
struct Gateway {
    received: Mutex<Vec<(Option<String>, Value)>>,
    /// Statuses to answer with, in order; 200 once they run out.
    answers: Mutex<VecDeque<u16>>,
}

async fn receive(state: web::Data<Arc<Gateway>>, req: HttpRequest, body: web::Bytes) -> HttpResponse {
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    state.received.lock().unwrap().push((auth, json));
    let status = state.answers.lock().unwrap().pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(format!("answer {status}"))
}

/// Starts the gateway on 127.0.0.1; returns its URL and what it records.
fn start_gateway(answers: &[u16]) -> (String, Arc<Gateway>) {
    let gateway = Arc::new(Gateway { answers: Mutex::new(answers.iter().copied().collect()), ..Default::default() });
    let shared = gateway.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    let server = HttpServer::new(move || App::new().app_data(web::Data::new(shared.clone())).route("/send", web::post().to(receive)))
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
    tokio::spawn(server);
    (url, gateway)
}

async fn spawn(url: String) -> TestApp {
    TestApp::spawn_with(move |c| {
        c.sms.url = Some(url);
        c.sms.auth_header = Some(("Authorization".to_owned(), "Bearer sms-key".to_owned()));
        c.company_name = "Acme Servis".to_owned();
        c.worker.backoff_base = std::time::Duration::from_millis(200);
        c.worker.backoff_cap = std::time::Duration::from_millis(300);
    })
    .await
}

async fn sms_contact(app: &TestApp, token: &str, phone: &str) -> String {
    let customer = create(app, token, "/api/v1/customers", json!({"name": format!("Customer {phone}")})).await;
    let contact = create(
        app,
        token,
        "/api/v1/contacts",
        json!({"customer_id": id(&customer), "name": "Jure", "email": "jure@mesnica.example", "phones": [phone], "preferred_channel": "sms"}),
    )
    .await;
    id(&contact)
}

#[tokio::test]
async fn an_sms_is_retried_while_the_gateway_fails_and_sent_once_it_answers() {
    let (url, gateway) = start_gateway(&[503]);
    let app = spawn(url).await;
    let admin = app.admin_token().await;
    let contact = sms_contact(&app, &admin, "+386 41 222 333").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Fridge", "contact_id": contact})).await;
    app.run_jobs().await;
    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["channel"], "sms");
    assert_eq!(outbox[0]["status"], "queued", "a 503 is retried");
    assert!(outbox[0]["last_error"].as_str().unwrap().contains("503"));

    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    app.run_jobs().await;
    let outbox = app.outbox().await;
    assert_eq!(outbox[0]["status"], "sent");
    let received = gateway.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let (auth, body) = &received[1];
    assert_eq!(auth.as_deref(), Some("Bearer sms-key"));
    assert_eq!(body["to"], "+38641222333");
    let text = body["text"].as_str().unwrap();
    assert!(text.contains(ticket["number"].as_str().unwrap()) && text.starts_with("Acme Servis:"), "{text}");
}

#[tokio::test]
async fn an_sms_the_gateway_refuses_is_failed_with_its_answer() {
    let (url, gateway) = start_gateway(&[400]);
    let app = spawn(url).await;
    let admin = app.admin_token().await;
    let contact = sms_contact(&app, &admin, "+386 41 999 000").await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Freezer", "contact_id": contact})).await;
    app.run_jobs().await;
    let outbox = app.outbox().await;
    assert_eq!(outbox[0]["status"], "failed");
    assert!(outbox[0]["last_error"].as_str().unwrap().contains("400"));
    assert_eq!(gateway.received.lock().unwrap().len(), 1, "not retried");
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "message_failed" && e["data"]["channel"] == "sms"));
}
