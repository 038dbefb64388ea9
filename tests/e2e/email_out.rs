//! Outbound email through a real Postfix into a real Dovecot mailbox, read back over IMAP:
//! our headers, threading, templates by language, switches, permanent refusals, a relay that
//! is down while messages wait, and a worker that dies mid-delivery.

use mail_parser::{MessageParser, MimeHeaders};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use servdesk_usecases::config::Config;

use crate::support::{MailServers, TestApp, create, expect_problem, id, mail_servers, mailbox_address};

fn relay(config: &mut Config, port: u16) {
    config.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.mail.from = "Servdesk Support <desk@servdesk.test>".to_owned();
    config.company_name = "Acme Servis".to_owned();
    config.frontend_url = "https://desk.acme.test".to_owned();
    config.worker.backoff_base = std::time::Duration::from_millis(200);
    config.worker.backoff_cap = std::time::Duration::from_millis(500);
}

async fn spawn_with_relay(servers: &MailServers) -> TestApp {
    let port = servers.smtp_port;
    TestApp::spawn_with(|c| relay(c, port)).await
}

/// A customer with a contact at a fresh mailbox; returns (customer id, contact id, address).
async fn contact(app: &TestApp, token: &str, extra: Value) -> (String, String, String) {
    let address = mailbox_address("contact");
    let customer = create(app, token, "/api/v1/customers", json!({"name": format!("Customer {}", uuid::Uuid::now_v7())})).await;
    let mut body = json!({"customer_id": id(&customer), "name": "Ana Horvat", "email": address});
    for (k, v) in extra.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let contact = create(app, token, "/api/v1/contacts", body).await;
    (id(&customer), id(&contact), address)
}

fn header<'a>(message: &'a mail_parser::Message<'a>, name: &str) -> Option<String> {
    message.header_raw(name).map(|v| v.trim().to_owned())
}

#[tokio::test]
async fn a_public_reply_reaches_the_contacts_mailbox_threaded_under_the_ticket_with_its_file() {
    let servers = mail_servers();
    let app = spawn_with_relay(&servers).await;
    let admin = app.admin_token().await;
    let (_, contact_id, address) = contact(&app, &admin, json!({})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Boiler leaks", "contact_id": contact_id})).await;
    let number = ticket["number"].as_str().unwrap().to_owned();
    app.run_jobs().await;

    let t = id(&ticket);
    let png = {
        let mut bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut bytes, 1, 1);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.write_header().unwrap().write_image_data(&[0]).unwrap();
        bytes
    };
    let form = Form::new().part("file", Part::bytes(png).file_name("quote.png").mime_str("image/png").unwrap());
    let res = app.request(Method::POST, &format!("/api/v1/tickets/{t}/attachments"), Some(&admin)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let uploaded: Value = res.json().await.unwrap();
    let file_id = uploaded["items"][0]["id"].as_str().unwrap().to_owned();
    create(
        &app,
        &admin,
        &format!("/api/v1/tickets/{t}/comments"),
        json!({"visibility": "public", "body": "The technician comes tomorrow at 9.\nThe quote is attached.", "attachment_ids": [file_id]}),
    )
    .await;
    app.run_jobs().await;

    let inbox = servers.inbox(&address, 2).await;
    assert_eq!(inbox.len(), 2, "the ticket's notice and the reply");
    let parsed: Vec<_> = inbox.iter().map(|raw| MessageParser::default().parse(raw).unwrap()).collect();
    let created = parsed.iter().find(|m| m.subject().unwrap().contains("being handled")).unwrap();
    let reply = parsed.iter().find(|m| m.subject().unwrap().contains("Boiler leaks") && !m.subject().unwrap().contains("handled")).unwrap();

    assert_eq!(reply.subject(), Some(format!("[{number}] Boiler leaks").as_str()));
    assert!(created.subject().unwrap().starts_with(&format!("[{number}] ")));
    assert_eq!(reply.from().unwrap().first().unwrap().address(), Some("desk@servdesk.test"));
    assert_eq!(reply.from().unwrap().first().unwrap().name(), Some("Servdesk Support"));
    assert_eq!(reply.to().unwrap().first().unwrap().address(), Some(address.as_str()));
    assert!(reply.body_text(0).unwrap().contains("The technician comes tomorrow at 9."));
    assert!(reply.body_html(0).unwrap().contains("The technician comes tomorrow at 9.<br>"));
    let files: Vec<_> = reply.attachments().map(|a| a.attachment_name().unwrap_or_default().to_owned()).collect();
    assert_eq!(files, ["quote.png"]);
    assert_eq!(header(reply, "Auto-Submitted"), None, "a person's reply is not automatic");
    assert_eq!(header(created, "Auto-Submitted").as_deref(), Some("auto-generated"));

    // Our Message-IDs are kept; the reply answers the notice before it.
    let outbox = app.outbox().await;
    let sent_reply = outbox.iter().find(|m| m["event"] == "public_reply").unwrap();
    let sent_created = outbox.iter().find(|m| m["event"] == "ticket_created").unwrap();
    assert_eq!(sent_reply["status"], "sent");
    assert_eq!(reply.message_id(), sent_reply["message_id"].as_str());
    assert_eq!(created.message_id(), sent_created["message_id"].as_str());
    assert!(sent_reply["message_id"].as_str().unwrap().ends_with("@servdesk.test"));
    assert_eq!(reply.in_reply_to().as_text(), sent_created["message_id"].as_str());
    assert_eq!(reply.references().as_text(), sent_created["message_id"].as_str());

    let history: Value = app.get(&format!("/api/v1/tickets/{t}/messages"), &admin).await.json().await.unwrap();
    assert_eq!(history["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn an_acknowledgement_is_auto_replied_and_status_notices_follow_the_class() {
    let servers = mail_servers();
    let app = spawn_with_relay(&servers).await;
    let admin = app.admin_token().await;
    let sender = mailbox_address("sender");
    let intake = create(
        &app,
        &admin,
        "/api/v1/calls",
        json!({"channel": "email", "from_email": sender, "from_name": "Marko", "subject": "Pump noise", "body": "It rattles."}),
    )
    .await;
    app.run_jobs().await;
    let inbox = servers.inbox(&sender, 1).await;
    let ack = MessageParser::default().parse(&inbox[0]).unwrap();
    let call_number = intake["call"]["number"].as_str().unwrap();
    assert_eq!(ack.subject(), Some(format!("[{call_number}] We received your request: Pump noise").as_str()));
    assert_eq!(header(&ack, "Auto-Submitted").as_deref(), Some("auto-replied"));
    assert!(ack.body_text(0).unwrap().contains("Hello Marko"));
    assert!(ack.body_text(0).unwrap().contains("Acme Servis"));

    // A ticket with a contact: work starting, resolution and closing are announced; a move
    // to waiting is not.
    let (_, contact_id, address) = contact(&app, &admin, json!({})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pump", "contact_id": contact_id})).await;
    let t = id(&ticket);
    let statuses: Value = app.get("/api/v1/dictionaries/ticket-statuses", &admin).await.json().await.unwrap();
    let status = |class: &str| id(statuses["items"].as_array().unwrap().iter().find(|s| s["class"] == class).unwrap());
    for class in ["open", "pending", "resolved"] {
        let res = app.post(&format!("/api/v1/tickets/{t}/status"), &admin, json!({"status_id": status(class)})).await;
        assert_eq!(res.status(), 200, "{class}");
    }
    let res = app.post(&format!("/api/v1/tickets/{t}/close"), &admin, json!({})).await;
    assert_eq!(res.status(), 200);
    app.run_jobs().await;
    let mut events: Vec<String> =
        app.outbox().await.iter().filter(|m| m["ticket_id"] == t.as_str()).map(|m| m["event"].as_str().unwrap().to_owned()).collect();
    events.sort();
    assert_eq!(events, ["ticket_closed", "ticket_created", "ticket_in_progress", "ticket_resolved"]);
    let inbox = servers.inbox(&address, 4).await;
    assert_eq!(inbox.len(), 4);
}

#[tokio::test]
async fn templates_are_checked_when_saved_and_chosen_by_the_contacts_language() {
    let servers = mail_servers();
    let app = spawn_with_relay(&servers).await;
    let admin = app.admin_token().await;

    let broken = app
        .request(Method::PUT, "/api/v1/templates/ticket_created/pl", Some(&admin))
        .json(&json!({"subject": "Zgłoszenie {{ task.number }}", "body_text": "x"}))
        .send()
        .await
        .unwrap();
    let problem = expect_problem(broken, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "subject");
    assert_eq!(problem["errors"][0]["code"], "template_invalid");
    let syntax = app
        .request(Method::PUT, "/api/v1/templates/ticket_created/pl", Some(&admin))
        .json(&json!({"subject": "ok", "body_text": "{% if ticket.title %}unclosed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(expect_problem(syntax, 422, "validation_failed").await["errors"][0]["field"], "body_text");
    let unknown = app
        .request(Method::PUT, "/api/v1/templates/no_such_event/pl", Some(&admin))
        .json(&json!({"subject": "a", "body_text": "b"}))
        .send()
        .await
        .unwrap();
    expect_problem(unknown, 404, "not_found").await;

    let saved = app
        .request(Method::PUT, "/api/v1/templates/ticket_created/pl", Some(&admin))
        .json(&json!({
            "subject": "Przyjęliśmy zgłoszenie: {{ ticket.title }}",
            "body_text": "Dzień dobry {{ recipient.name }},\n\nzgłoszenie {{ ticket.number }} zostało przyjęte.\n\n{{ company.name }}"
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.unwrap();
    assert_eq!(saved["template"]["source"], "custom");
    assert_eq!(saved["preview"]["subject"], "Przyjęliśmy zgłoszenie: <ticket.title>");
    let listed: Value = app.get("/api/v1/templates", &admin).await.json().await.unwrap();
    let created: Vec<&Value> = listed.as_array().unwrap().iter().filter(|t| t["event"] == "ticket_created").collect();
    assert_eq!(created.len(), 2, "the built-in English one and the Polish one");

    // A Polish contact, a customer without a language, an English contact of a Polish customer.
    let (_, polish, polish_address) = contact(&app, &admin, json!({"language": "pl-PL"})).await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Zakład", "language": "pl"})).await;
    let english_address = mailbox_address("english");
    let english = create(
        &app,
        &admin,
        "/api/v1/contacts",
        json!({"customer_id": id(&customer), "name": "John", "email": english_address, "language": "en"}),
    )
    .await;
    let default_address = mailbox_address("default");
    let by_customer =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Ewa", "email": default_address})).await;
    for contact_id in [polish.clone(), id(&english), id(&by_customer)] {
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Kocioł", "contact_id": contact_id})).await;
    }
    app.run_jobs().await;
    let subject = |raw: &Vec<u8>| MessageParser::default().parse(raw).unwrap().subject().unwrap().to_owned();
    assert!(subject(&servers.inbox(&polish_address, 1).await[0]).ends_with("Przyjęliśmy zgłoszenie: Kocioł"));
    assert!(subject(&servers.inbox(&english_address, 1).await[0]).ends_with("Your request is being handled: Kocioł"));
    assert!(subject(&servers.inbox(&default_address, 1).await[0]).ends_with("Przyjęliśmy zgłoszenie: Kocioł"), "the customer's language");

    let res = app.delete("/api/v1/templates/ticket_created/pl", &admin).await;
    assert_eq!(res.status(), 204);
    expect_problem(app.delete("/api/v1/templates/ticket_created/pl", &admin).await, 404, "not_found").await;
    let shipped: Value = app.get("/api/v1/templates/ticket_created/pl", &admin).await.json().await.unwrap();
    assert_eq!(shipped["source"], "built_in", "Servdesk ships Polish");
    expect_problem(app.get("/api/v1/templates/ticket_created/it", &admin).await, 404, "not_found").await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Zawór", "contact_id": polish})).await;
    app.run_jobs().await;
    let polish_inbox = servers.inbox(&polish_address, 2).await;
    let subjects: Vec<String> = polish_inbox.iter().map(subject).collect();
    assert!(subjects.iter().any(|s| s.ends_with("Zgłoszenie przyjęte do realizacji: Zawór")), "{subjects:?}");
    let builtin: Value = app.get("/api/v1/templates/ticket_created/en", &admin).await.json().await.unwrap();
    assert_eq!(builtin["source"], "built_in");
    assert!(builtin["variables"].as_array().unwrap().contains(&json!("ticket.number")));

    let (_, agent) = app.user("agent").await;
    expect_problem(app.get("/api/v1/templates", &agent).await, 403, "forbidden").await;
    expect_problem(app.get("/api/v1/outbox", &agent).await, 403, "forbidden").await;
}

#[tokio::test]
async fn notifications_switched_off_for_everyone_or_one_customer_are_not_sent() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (quiet, quiet_contact, _) = contact(&app, &admin, json!({})).await;
    let (_, loud_contact, _) = contact(&app, &admin, json!({})).await;

    let switched: Value = app
        .request(Method::PUT, "/api/v1/notification-settings/ticket_created", Some(&admin))
        .json(&json!({"customer_id": quiet, "enabled": false}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(switched, json!({"event": "ticket_created", "enabled": false, "installation": null, "customer": false}));
    for contact_id in [&quiet_contact, &loud_contact] {
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Door", "contact_id": contact_id})).await;
    }
    app.run_jobs().await;
    let to: Vec<Value> = app.outbox().await.iter().map(|m| m["contact_id"].clone()).collect();
    assert_eq!(to, [json!(loud_contact)], "only the customer who did not switch it off");

    // Off for everyone, back on for one customer.
    app.request(Method::PUT, "/api/v1/notification-settings/ticket_created", Some(&admin))
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    app.request(Method::PUT, "/api/v1/notification-settings/ticket_created", Some(&admin))
        .json(&json!({"customer_id": quiet, "enabled": true}))
        .send()
        .await
        .unwrap();
    for contact_id in [&quiet_contact, &loud_contact] {
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Window", "contact_id": contact_id})).await;
    }
    app.run_jobs().await;
    let mut to: Vec<String> = app.outbox().await.iter().map(|m| m["contact_id"].as_str().unwrap().to_owned()).collect();
    to.sort();
    let mut expected = vec![loud_contact.clone(), quiet_contact.clone()];
    expected.sort();
    assert_eq!(to, expected);
    let listed: Value = app.get(&format!("/api/v1/notification-settings?customer_id={quiet}"), &admin).await.json().await.unwrap();
    let created = listed.as_array().unwrap().iter().find(|s| s["event"] == "ticket_created").unwrap();
    assert_eq!(created, &json!({"event": "ticket_created", "enabled": true, "installation": false, "customer": true}));
}

#[tokio::test]
async fn a_permanent_refusal_marks_the_message_failed_in_the_outbox_and_on_the_timeline() {
    let servers = mail_servers();
    let app = spawn_with_relay(&servers).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Gone Ltd"})).await;
    let address = format!("rejected-{}@example.test", uuid::Uuid::now_v7().simple());
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Gone", "email": address})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Bounce", "contact_id": id(&contact)})).await;
    app.run_jobs().await;

    let outbox = app.outbox().await;
    assert_eq!(outbox.len(), 1);
    assert_eq!(outbox[0]["status"], "failed");
    assert_eq!(outbox[0]["attempts"], 1, "a 5xx is not retried");
    assert!(outbox[0]["last_error"].as_str().unwrap().contains("No such mailbox here"), "{}", outbox[0]);
    let failed: Value = app.get("/api/v1/outbox?status=failed", &admin).await.json().await.unwrap();
    assert_eq!(failed["items"].as_array().unwrap().len(), 1);
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    let event = events["items"].as_array().unwrap().iter().find(|e| e["kind"] == "message_failed").unwrap();
    assert!(event["data"]["error"].as_str().unwrap().contains("550"));
    assert_eq!(event["data"]["to"], address.as_str());

    // An admin can send it again (it fails again here, and is recorded again).
    let message_id = outbox[0]["id"].as_str().unwrap();
    let retried: Value = app.post(&format!("/api/v1/messages/{message_id}/retry"), &admin, json!({})).await.json().await.unwrap();
    assert_eq!(retried["status"], "queued");
    expect_problem(app.post(&format!("/api/v1/messages/{message_id}/retry"), &admin, json!({})).await, 409, "message_not_failed").await;
    app.run_jobs().await;
    assert_eq!(app.outbox().await[0]["status"], "failed");
}

#[tokio::test]
async fn a_temporary_refusal_is_retried_with_backoff_until_the_attempts_run_out() {
    let servers = mail_servers();
    let port = servers.smtp_port;
    let app = TestApp::spawn_with(|c| relay(c, port)).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Busy Ltd"})).await;
    let address = format!("deferred-{}@example.test", uuid::Uuid::now_v7().simple());
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Busy", "email": address})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Busy", "contact_id": id(&contact)})).await;
    app.run_jobs().await;
    let first = app.outbox().await.remove(0);
    assert_eq!(first["status"], "queued", "a 4xx is retried");
    assert!(first["last_error"].as_str().unwrap().contains("450"), "{first}");
    let job = servdesk_persistence::jobs::list(
        &app.state.db,
        &servdesk_persistence::jobs::JobFilter { status: None, kind: Some("deliver.email".to_owned()) },
        servdesk_persistence::PageRequest::first(5),
    )
    .await
    .unwrap()
    .items
    .remove(0);
    assert!(job.run_at > chrono::Utc::now() - chrono::Duration::milliseconds(100), "the retry waits for its backoff");
    assert_eq!(job.status, servdesk_domain::jobs::JobStatus::Queued);
    // Until the last attempt: then the message is failed, with the server's answer.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.outbox().await[0]["status"] == "queued" && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        app.run_jobs().await;
    }
    let last = app.outbox().await.remove(0);
    assert_eq!(last["status"], "failed");
    assert_eq!(last["attempts"], 10);
    assert!(last["last_error"].as_str().unwrap().contains("Mailbox busy"));
}

#[tokio::test]
async fn messages_queued_while_the_relay_is_down_each_arrive_once_when_it_is_back() {
    let servers = mail_servers();
    let port = servers.fault_smtp_port;
    let app = TestApp::spawn_with(|c| relay(c, port)).await;
    let admin = app.admin_token().await;
    let (_, contact_id, address) = contact(&app, &admin, json!({})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Outage", "contact_id": contact_id})).await;
    let t = id(&ticket);

    servers.fault_postfix("stop");
    let restart = scopeguard(&servers);
    for n in 0..5 {
        create(&app, &admin, &format!("/api/v1/tickets/{t}/comments"), json!({"visibility": "public", "body": format!("Update {n}")}))
            .await;
    }
    app.run_jobs().await;
    let waiting = app.outbox().await;
    assert_eq!(waiting.len(), 6);
    assert!(waiting.iter().all(|m| m["status"] == "queued" && m["attempts"].as_u64() >= Some(1)), "every message waits for a retry");
    assert!(waiting[0]["last_error"].as_str().unwrap().len() > 5);

    drop(restart);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        app.run_jobs().await;
        if app.outbox().await.iter().all(|m| m["status"] == "sent") || std::time::Instant::now() > deadline {
            break;
        }
    }
    let inbox = servers.inbox(&address, 6).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let inbox_again = servers.inbox(&address, 6).await;
    assert_eq!(inbox.len(), 6);
    assert_eq!(inbox_again.len(), 6, "nothing arrives twice");
    let mut ids: Vec<String> =
        inbox.iter().map(|raw| MessageParser::default().parse(raw).unwrap().message_id().unwrap().to_owned()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 6);
}

/// Starts the fault relay again when dropped, also when the test fails half-way.
struct Restart<'a>(&'a MailServers);

impl Drop for Restart<'_> {
    fn drop(&mut self) {
        self.0.fault_postfix("start");
    }
}

fn scopeguard(servers: &MailServers) -> Restart<'_> {
    Restart(servers)
}

#[tokio::test]
async fn a_delivery_whose_worker_died_is_taken_over_and_sent_once() {
    let servers = mail_servers();
    let app = spawn_with_relay(&servers).await;
    let admin = app.admin_token().await;
    let (_, contact_id, address) = contact(&app, &admin, json!({})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Crash", "contact_id": contact_id})).await;

    // Compose only (no relay in this registry), then a worker claims the delivery and dies.
    let composer = servdesk_usecases::jobs::Registry::standard(&app.state.config)
        .register_shared("notify.ticket_created", std::sync::Arc::new(servdesk_channels::Compose::new(app.state.desk.clone())));
    servdesk_usecases::jobs::Worker::new(app.state.db.clone(), composer, app.state.config.worker.clone()).run_once().await.unwrap();
    let now = chrono::Utc::now();
    let claimed = servdesk_persistence::jobs::claim(
        &app.state.db,
        "dead-worker",
        &["deliver.email".to_owned()],
        10,
        chrono::Duration::milliseconds(300),
        now,
    )
    .await
    .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(app.run_jobs().await, 0, "the dead worker's lock still holds");
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    assert_eq!(app.run_jobs().await, 1, "taken over once the lock expired");
    assert_eq!(app.outbox().await[0]["status"], "sent");

    // Should the same delivery run again (a worker that died after sending but before
    // recording), the message is already sent and is not sent twice.
    let message_id = app.outbox().await[0]["id"].as_str().unwrap().to_owned();
    let mut again = servdesk_persistence::jobs::NewJob::now("deliver.email", json!({"message_id": message_id}), now);
    again.unique_key = Some(format!("replay:{message_id}"));
    servdesk_persistence::jobs::enqueue(&app.state.db, again, now).await.unwrap();
    assert_eq!(app.run_jobs().await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert_eq!(servers.inbox(&address, 1).await.len(), 1);
}
