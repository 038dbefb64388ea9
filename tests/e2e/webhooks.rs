//! Webhooks against a real HTTP receiver in this process: signatures checked with the
//! documented recipe, retries after the receiver was down, order per ticket, a subscription
//! switched off after failing and its owner told, redelivery, ping, rotation, refusals.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Datelike;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::support::{TestApp, create, expect_problem, id};

#[derive(Debug, Clone)]
struct Received {
    event_id: String,
    event_type: String,
    signature: String,
    body: String,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// A receiver on 127.0.0.1 that records what it is sent and answers 503 while `failing`
/// is above zero (counting down per request).
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    failing: Arc<AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
}

impl Receiver {
    fn start() -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let failing: Arc<AtomicUsize> = Arc::default();
        let (g, f) = (got.clone(), failing.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = HttpServer::new(move || {
            let (g, f) = (g.clone(), f.clone());
            App::new().route(
                "/hook",
                web::post().to(move |req: HttpRequest, body: web::Bytes| {
                    let (g, f) = (g.clone(), f.clone());
                    async move {
                        let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                        if f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                            return HttpResponse::ServiceUnavailable().body("down for maintenance");
                        }
                        g.lock().unwrap().push(Received {
                            event_id: header("Servdesk-Event-Id"),
                            event_type: header("Servdesk-Event-Type"),
                            signature: header("Servdesk-Signature"),
                            body: String::from_utf8(body.to_vec()).unwrap(),
                        });
                        HttpResponse::Ok().body("thanks")
                    }
                }),
            )
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver { url, got, failing, handle }
    }

    fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

/// The README's verification recipe: HMAC-SHA256 of `"{t}.{body}"` under the secret, hex,
/// compared with each `v1`; `t` within five minutes.
fn verify(secret: &str, header: &str, body: &str) -> bool {
    let mut t = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => signatures.push(v.to_owned()),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if (chrono::Utc::now().timestamp() - t).abs() > 300 {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{body}").as_bytes());
    let expected = hex::encode(mac.finalize().into_bytes());
    signatures.contains(&expected)
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.retry_base = Duration::from_millis(100);
        c.webhooks.timeout = Duration::from_secs(5);
    })
    .await
}

/// Runs the worker until `done` holds of what the receiver got (at most ten seconds).
async fn until(app: &TestApp, receiver: &Receiver, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
    for _ in 0..100 {
        app.run_jobs().await;
        let got = receiver.received();
        if done(&got) {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the receiver did not get what was expected: {:?}", receiver.received());
}

#[tokio::test]
async fn deliveries_are_signed_carry_the_resource_and_arrive_once_after_the_receiver_was_down() {
    let app = spawn().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    let hook = create(
        &app,
        &admin,
        "/api/v1/webhooks",
        json!({"url": receiver.url, "event_types": ["ticket.created", "ticket.updated", "comment.created"]}),
    )
    .await;
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    let shown: Value = app.get(&format!("/api/v1/webhooks/{}", id(&hook)), &admin).await.json().await.unwrap();
    assert!(shown.get("secret").is_none(), "the secret is shown only when made");

    // Down for the first two attempts: retried, then received once.
    receiver.failing.store(2, Ordering::SeqCst);
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Boiler leaks"})).await;
    let got = until(&app, &receiver, |g| !g.is_empty()).await;
    assert_eq!(got.len(), 1);
    let delivery = &got[0];
    assert_eq!(delivery.event_type, "ticket.created");
    assert!(verify(&secret, &delivery.signature, &delivery.body), "{}", delivery.signature);
    assert!(!verify("whsec_wrong", &delivery.signature, &delivery.body));
    let body = delivery.json();
    assert_eq!(body["id"], delivery.event_id.as_str());
    assert_eq!(body["type"], "ticket.created");
    assert_eq!(body["data"]["id"], id(&ticket).as_str());
    assert_eq!(body["data"]["title"], "Boiler leaks", "the resource as the API returns it");

    // An update carries the changed fields' earlier values; an unsubscribed event is not sent.
    app.patch(&format!("/api/v1/tickets/{}", id(&ticket)), &admin, json!({"title": "Boiler leaks badly"})).await;
    create(&app, &admin, &format!("/api/v1/tickets/{}/tasks", id(&ticket)), json!({"title": "Visit"})).await;
    let got = until(&app, &receiver, |g| g.iter().any(|r| r.event_type == "ticket.updated")).await;
    let updated = got.iter().find(|r| r.event_type == "ticket.updated").unwrap().json();
    assert_eq!(updated["previous"]["title"], "Boiler leaks");
    assert_eq!(updated["data"]["title"], "Boiler leaks badly");
    app.run_jobs().await;
    assert!(!receiver.received().iter().any(|r| r.event_type == "task.created"), "not subscribed");

    // The log shows the failed attempts and the success, once each delivery.
    let log: Value = app.get(&format!("/api/v1/webhooks/{}/deliveries", id(&hook)), &admin).await.json().await.unwrap();
    let items = log["items"].as_array().unwrap();
    let first = items.iter().find(|d| d["event_id"] == delivery.event_id.as_str()).unwrap();
    assert_eq!(
        (first["status"].as_str(), first["attempts"].as_u64(), first["response_status"].as_u64()),
        (Some("delivered"), Some(3), Some(200))
    );
    assert_eq!(first["response_excerpt"], "thanks");

    // Redelivery: the same event id and body, a fresh signature, a new log entry.
    let again = app
        .post(&format!("/api/v1/webhooks/{}/deliveries/{}/redeliver", id(&hook), first["id"].as_str().unwrap()), &admin, json!({}))
        .await;
    assert_eq!(again.status(), 202);
    let got = until(&app, &receiver, |g| g.iter().filter(|r| r.event_id == delivery.event_id).count() == 2).await;
    let repeated: Vec<&Received> = got.iter().filter(|r| r.event_id == delivery.event_id).collect();
    assert_eq!(repeated[0].body, repeated[1].body);
}

#[tokio::test]
async fn events_of_one_ticket_arrive_in_the_order_they_happened_even_after_a_failure() {
    let app = spawn().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    create(
        &app,
        &admin,
        "/api/v1/webhooks",
        json!({"url": receiver.url, "event_types": ["ticket.created", "ticket.updated", "comment.created"]}),
    )
    .await;
    receiver.failing.store(1, Ordering::SeqCst);
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "One"})).await;
    for n in 2..=4 {
        app.patch(&format!("/api/v1/tickets/{}", id(&ticket)), &admin, json!({"title": format!("Title {n}")})).await;
        create(
            &app,
            &admin,
            &format!("/api/v1/tickets/{}/comments", id(&ticket)),
            json!({"visibility": "internal", "body": format!("Note {n}")}),
        )
        .await;
    }
    let got = until(&app, &receiver, |g| g.len() >= 7).await;
    let ticket_events: Vec<String> = got
        .iter()
        .map(Received::json)
        .filter(|b| b["resource"] == "ticket")
        .map(|b| format!("{}:{}", b["type"].as_str().unwrap(), b["previous"]["title"].as_str().unwrap_or("-")))
        .collect();
    assert_eq!(
        ticket_events,
        ["ticket.created:-", "ticket.updated:One", "ticket.updated:Title 2", "ticket.updated:Title 3"],
        "in order, the first after its retry"
    );
}

#[tokio::test]
async fn a_subscription_failing_past_the_window_is_switched_off_and_its_owner_told_and_can_be_switched_on_again() {
    let app = TestApp::spawn_with(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.retry_base = Duration::from_millis(50);
        c.webhooks.disable_after = Duration::from_millis(400);
    })
    .await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    receiver.failing.store(usize::MAX, Ordering::SeqCst);
    let hook = create(&app, &admin, "/api/v1/webhooks", json!({"url": receiver.url})).await;
    create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await;
    create(&app, &admin, "/api/v1/calls", json!({"channel": "api", "subject": "Printer jam"})).await;
    let mut off = Value::Null;
    for _ in 0..100 {
        app.run_jobs().await;
        off = app.get(&format!("/api/v1/webhooks/{}", id(&hook)), &admin).await.json().await.unwrap();
        if off["active"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(off["active"], false, "{off}");
    assert_eq!(off["disabled_reason"], "the receiver answered 503");
    let told = app.outbox().await;
    assert!(told.iter().any(|m| m["event"] == "webhook_disabled" && m["to_address"] == "admin@servdesk.test"), "{told:?}");
    let log: Value = app.get(&format!("/api/v1/webhooks/{}/deliveries", id(&hook)), &admin).await.json().await.unwrap();
    assert!(log["items"].as_array().unwrap().iter().all(|d| d["status"] == "failed"), "{log}");

    // Nothing is queued while it is off; switched on again it starts afresh.
    receiver.failing.store(0, Ordering::SeqCst);
    create(&app, &admin, "/api/v1/calls", json!({"channel": "api", "subject": "While off"})).await;
    app.run_jobs().await;
    assert!(receiver.received().is_empty());
    let version = off["version"].as_i64().unwrap();
    let res = app
        .request(reqwest::Method::PUT, &format!("/api/v1/webhooks/{}", id(&hook)), Some(&admin))
        .header("If-Match", format!("\"{version}\""))
        .json(&json!({"url": receiver.url, "active": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let on: Value = res.json().await.unwrap();
    assert!(on["failing_since"].is_null() && on["disabled_reason"].is_null());
    create(&app, &admin, "/api/v1/calls", json!({"channel": "api", "subject": "After"})).await;
    let got = until(&app, &receiver, |g| g.iter().any(|r| r.event_type == "call.received")).await;
    assert_eq!(got.iter().filter(|r| r.event_type == "call.received").count(), 1, "only what happened after");
}

#[tokio::test]
async fn a_rotated_secret_signs_alongside_the_old_one_during_the_overlap_and_a_ping_reaches_the_receiver() {
    let app = spawn().await;
    let admin = app.admin_token().await;
    let receiver = Receiver::start();
    let hook = create(&app, &admin, "/api/v1/webhooks", json!({"url": receiver.url, "event_types": ["call.received"]})).await;
    let old = hook["secret"].as_str().unwrap().to_owned();
    let res = app.post(&format!("/api/v1/webhooks/{}/rotate-secret", id(&hook)), &admin, json!({"overlap_hours": 2})).await;
    assert_eq!(res.status(), 200);
    let rotated: Value = res.json().await.unwrap();
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(old, new);
    assert!(rotated["previous_secret_expires_at"].is_string());

    let ping = app.post(&format!("/api/v1/webhooks/{}/ping", id(&hook)), &admin, json!({})).await;
    assert_eq!(ping.status(), 202);
    let got = until(&app, &receiver, |g| !g.is_empty()).await;
    assert_eq!(got[0].event_type, "ping");
    assert!(verify(&new, &got[0].signature, &got[0].body) && verify(&old, &got[0].signature, &got[0].body), "{}", got[0].signature);
    assert_eq!(got[0].signature.matches("v1=").count(), 2);
}

#[tokio::test]
async fn private_destinations_and_unknown_events_are_refused_and_only_admins_manage_webhooks() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for url in ["http://127.0.0.1:9/hook", "http://10.0.0.5/hook", "http://[::1]/hook", "http://169.254.169.254/latest"] {
        let problem = expect_problem(app.post("/api/v1/webhooks", &admin, json!({"url": url})).await, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["code"], "private_address", "{url}");
    }
    let problem =
        expect_problem(app.post("/api/v1/webhooks", &admin, json!({"url": "ftp://example.com/x"})).await, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "url");
    let problem = expect_problem(
        app.post("/api/v1/webhooks", &admin, json!({"url": "http://127.0.0.1/x", "event_types": ["ticket.exploded"]})).await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["field"], "event_types");
    let (_, coordinator) = app.user("coordinator").await;
    expect_problem(app.get("/api/v1/webhooks", &coordinator).await, 403, "forbidden").await;
}

#[tokio::test]
async fn a_finalized_billing_run_tells_each_statement_and_the_feed_carries_products_contracts_and_statements() {
    let app = spawn().await;
    let admin = app.admin_token().await;
    let (_, finance) = app.user("finance").await;
    let receiver = Receiver::start();
    create(&app, &admin, "/api/v1/webhooks", json!({"url": receiver.url, "event_types": ["statement.finalized"]})).await;
    create(&app, &admin, "/api/v1/products", json!({"name": "Pump X1"})).await;
    let last_month = chrono::Utc::now().date_naive().with_day(1).unwrap() - chrono::Months::new(1);
    let mut customers = Vec::new();
    for name in ["Acme", "Novak"] {
        let customer = create(&app, &admin, "/api/v1/customers", json!({"name": name})).await;
        create(
            &app,
            &finance,
            "/api/v1/contracts",
            json!({
                "customer_id": id(&customer), "name": "Support", "starts_on": last_month, "cycle": "monthly", "timing": "in_arrears",
                "services": [{"kind": "support", "description": "Support", "fee_minor": 10_000}]
            }),
        )
        .await;
        customers.push(id(&customer));
    }
    let period = format!("{:04}-{:02}", last_month.year(), last_month.month());
    let run: Value = app.post("/api/v1/billing-runs", &finance, json!({"period": period})).await.json().await.unwrap();
    app.run_jobs().await;
    let res = app.post(&format!("/api/v1/billing-runs/{}/finalize", id(&run)), &finance, json!({})).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    let got = until(&app, &receiver, |g| g.len() == 2).await;
    let mut told: Vec<String> = got
        .iter()
        .map(|r| {
            let body = r.json();
            assert_eq!((r.event_type.as_str(), body["data"]["is_final"].as_bool()), ("statement.finalized", Some(true)));
            assert!(body["data"]["number"].as_str().unwrap().starts_with("ST-"));
            body["data"]["customer_id"].as_str().unwrap().to_owned()
        })
        .collect();
    told.sort();
    customers.sort();
    assert_eq!(told, customers, "one event per statement");

    // The feed names them too, with their records.
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let feed: Value = app.get("/api/v1/changes?types=product,contract,statement&limit=1000", &admin).await.json().await.unwrap();
        seen = feed["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| !e["record"].is_null())
            .map(|e| e["resource"].as_str().unwrap().to_owned())
            .collect();
        if seen.len() == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen.into_iter().collect::<Vec<_>>(), ["contract", "product", "statement"]);
}
