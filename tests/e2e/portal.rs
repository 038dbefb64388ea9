//! The customers' portal and tracking links: invitation, password and login-link logins,
//! what a requester and a manager see, replies and new requests, and that nothing of another
//! customer (or a colleague, for a requester) is reachable through any portal route.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::support::{TestApp, attach, create, expect_problem, id};

/// The token in the last outbox message of `event` to `to`.
async fn emailed_token(app: &TestApp, event: &str, to: &str) -> String {
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let message =
        outbox.iter().rev().find(|m| m["event"] == event && m["to_address"] == to).unwrap_or_else(|| panic!("no {event} to {to}"));
    let body = message["body_text"].as_str().unwrap();
    let at = body.find("token=").unwrap_or_else(|| panic!("no link in {body}")) + 6;
    body[at..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect()
}

/// Invites the contact and accepts the invitation; the portal token.
async fn portal_user(app: &TestApp, admin: &str, contact: &Value, role: &str) -> String {
    let res = app.post(&format!("/api/v1/contacts/{}/portal-invitation", id(contact)), admin, json!({"role": role})).await;
    assert_eq!(res.status(), 201);
    let token = accept_invitation(app, contact["email"].as_str().unwrap()).await;
    let me: Value = app.get("/api/v1/portal/me", &token).await.json().await.unwrap();
    assert_eq!(me["role"], role);
    token
}

/// Accepts the invitation last emailed to `email`; the portal token.
pub async fn accept_invitation(app: &TestApp, email: &str) -> String {
    let token = emailed_token(app, "portal_invitation", email).await;
    let res = app
        .request(Method::POST, "/api/v1/portal/auth/invitation", None)
        .json(&json!({"token": token, "password": "portal pass phrase 42"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

struct World {
    admin: String,
    acme: String,
    anna: Value,
    bruno: Value,
    other: Value,
    annas_ticket: String,
    brunos_ticket: String,
    others_ticket: String,
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin_token().await;
    let acme = id(&create(app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    let globex = id(&create(app, &admin, "/api/v1/customers", json!({"name": "Globex"})).await);
    let anna = create(app, &admin, "/api/v1/contacts", json!({"name": "Anna", "customer_id": acme, "email": "anna@acme.example"})).await;
    let bruno = create(app, &admin, "/api/v1/contacts", json!({"name": "Bruno", "customer_id": acme, "email": "bruno@acme.example"})).await;
    let other =
        create(app, &admin, "/api/v1/contacts", json!({"name": "Olga", "customer_id": globex, "email": "olga@globex.example"})).await;
    let ticket = |contact: &Value, customer: &str, title: &str| json!({"title": title, "customer_id": customer, "contact_id": id(contact)});
    let annas_ticket = id(&create(app, &admin, "/api/v1/tickets", ticket(&anna, &acme, "Anna's printer")).await);
    let brunos_ticket = id(&create(app, &admin, "/api/v1/tickets", ticket(&bruno, &acme, "Bruno's boiler")).await);
    let others_ticket = id(&create(app, &admin, "/api/v1/tickets", ticket(&other, &globex, "Globex pump")).await);
    World { admin, acme, anna, bruno, other, annas_ticket, brunos_ticket, others_ticket }
}

async fn numbers(app: &TestApp, token: &str) -> Vec<String> {
    let res = app.get("/api/v1/portal/tickets", token).await;
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.unwrap();
    page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_requester_sees_their_own_requests_and_a_manager_the_whole_company_but_never_another_customers() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let anna = portal_user(&app, &w.admin, &w.anna, "requester").await;
    let bruno = portal_user(&app, &w.admin, &w.bruno, "manager").await;
    let olga = portal_user(&app, &w.admin, &w.other, "manager").await;

    assert_eq!(numbers(&app, &anna).await, vec!["Anna's printer"]);
    let mut company = numbers(&app, &bruno).await;
    company.sort();
    assert_eq!(company, vec!["Anna's printer", "Bruno's boiler"]);
    assert_eq!(numbers(&app, &olga).await, vec!["Globex pump"]);

    // Every portal route with an id answers 404 for what the caller may not see.
    for (token, hidden) in [(&anna, &w.brunos_ticket), (&anna, &w.others_ticket), (&bruno, &w.others_ticket), (&olga, &w.annas_ticket)] {
        for path in [format!("/api/v1/portal/tickets/{hidden}"), format!("/api/v1/portal/tickets/{hidden}/replies")] {
            expect_problem(app.get(&path, token).await, 404, "not_found").await;
        }
        let res = app.post(&format!("/api/v1/portal/tickets/{hidden}/replies"), token, json!({"body": "hello"})).await;
        expect_problem(res, 404, "not_found").await;
    }
    let me: Value = app.get("/api/v1/portal/me", &bruno).await.json().await.unwrap();
    assert_eq!((me["customer_name"].as_str(), me["role"].as_str()), (Some("Acme"), Some("manager")));
    assert_eq!(me["customer_id"], w.acme.as_str());

    // A portal token opens no staff route, and a staff token no portal route.
    expect_problem(app.get("/api/v1/tickets", &anna).await, 403, "customer_token").await;
    expect_problem(app.get(&format!("/api/v1/tickets/{}", w.annas_ticket), &anna).await, 403, "customer_token").await;
    expect_problem(app.get("/api/v1/portal/tickets", &w.admin).await, 403, "staff_token").await;
    expect_problem(app.request(Method::GET, "/api/v1/portal/tickets", None).send().await.unwrap(), 401, "missing_credentials").await;
}

#[tokio::test]
async fn the_contact_reads_public_replies_only_and_answers_with_files() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let anna = portal_user(&app, &w.admin, &w.anna, "requester").await;
    let t = &w.annas_ticket;
    let res =
        app.post(&format!("/api/v1/tickets/{t}/comments"), &w.admin, json!({"body": "We come tomorrow.", "visibility": "public"})).await;
    assert_eq!(res.status(), 201);
    let res =
        app.post(&format!("/api/v1/tickets/{t}/comments"), &w.admin, json!({"body": "Customer is grumpy", "visibility": "internal"})).await;
    assert_eq!(res.status(), 201);

    let form = Form::new()
        .text("body", "Here is a photo of the jam.")
        .part("file", Part::bytes(crate::attachments::PNG.to_vec()).file_name("jam.png").mime_str("image/png").unwrap());
    let res = app.request(Method::POST, &format!("/api/v1/portal/tickets/{t}/replies"), Some(&anna)).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["from_customer"], true);
    assert_eq!(reply["author_name"], "Anna");

    let page: Value = app.get(&format!("/api/v1/portal/tickets/{t}/replies"), &anna).await.json().await.unwrap();
    let bodies: Vec<&str> = page["items"].as_array().unwrap().iter().map(|r| r["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, vec!["We come tomorrow.", "Here is a photo of the jam."]);
    let file_url = page["items"][1]["files"][0]["content_url"].as_str().unwrap().to_owned();
    let res = app.get(&file_url, &anna).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), crate::attachments::PNG);

    // Staff see the reply on the ticket, written by the contact in the portal.
    let comments: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &w.admin).await.json().await.unwrap();
    let last = comments["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["author_contact_id"], id(&w.anna).as_str());
    // A colleague of another customer cannot fetch the file.
    let olga = portal_user(&app, &w.admin, &w.other, "manager").await;
    expect_problem(app.get(&file_url, &olga).await, 404, "not_found").await;

    // A blank reply is refused and stores nothing.
    let res = app.post(&format!("/api/v1/portal/tickets/{t}/replies"), &anna, json!({"body": "  "})).await;
    expect_problem(res, 422, "validation_failed").await;
    let page: Value = app.get(&format!("/api/v1/portal/tickets/{t}/replies"), &anna).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_request_opened_in_the_portal_is_a_call_and_its_tracking_link_follows_it_to_the_ticket() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let anna = portal_user(&app, &w.admin, &w.anna, "requester").await;
    let res = app.post("/api/v1/portal/requests", &anna, json!({"subject": "Scanner broken", "body": "It shows E42."})).await;
    assert_eq!(res.status(), 201);
    let call: Value = res.json().await.unwrap();
    let waiting: Value = app.get("/api/v1/portal/requests", &anna).await.json().await.unwrap();
    assert_eq!(waiting["items"][0]["number"], call["number"]);
    let staff_view: Value = app.get(&format!("/api/v1/calls/{}", id(&call)), &w.admin).await.json().await.unwrap();
    assert_eq!((staff_view["channel"].as_str(), staff_view["contact_id"].as_str()), (Some("portal"), Some(id(&w.anna).as_str())));

    // The acknowledgement carries a tracking link that shows the request without a login.
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let ack = outbox.iter().find(|m| m["event"] == "call_acknowledged" && m["call_id"] == id(&call).as_str()).unwrap();
    let body = ack["body_text"].as_str().unwrap();
    let token: String =
        body[body.find("/track/").unwrap() + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let shown: Value =
        app.request(Method::GET, &format!("/api/v1/public/tracking/{token}"), None).send().await.unwrap().json().await.unwrap();
    assert_eq!((shown["number"].as_str(), shown["status"].as_str()), (call["number"].as_str(), Some("received")));

    let res = app.post(&format!("/api/v1/calls/{}/convert", id(&call)), &w.admin, json!({})).await;
    assert_eq!(res.status(), 200);
    let converted: Value = res.json().await.unwrap();
    let ticket_id = converted["ticket_id"].as_str().unwrap().to_owned();
    app.post(
        &format!("/api/v1/tickets/{ticket_id}/comments"),
        &w.admin,
        json!({"body": "A technician is on the way.", "visibility": "public"}),
    )
    .await;
    app.post(&format!("/api/v1/tickets/{ticket_id}/comments"), &w.admin, json!({"body": "secret note", "visibility": "internal"})).await;
    let shown: Value =
        app.request(Method::GET, &format!("/api/v1/public/tracking/{token}"), None).send().await.unwrap().json().await.unwrap();
    assert!(shown["number"].as_str().unwrap().starts_with('T'), "{shown}");
    assert_eq!(shown["replies"].as_array().unwrap().len(), 1);
    let page = app.request(Method::GET, &format!("/track/{token}"), None).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("A technician is on the way.") && !html.contains("secret note"), "{html}");
    assert_eq!(numbers(&app, &anna).await, vec!["Anna's printer", "Scanner broken"]);

    // Revoked, the link shows nothing; an unknown one is the same 404.
    let res = app.delete(&format!("/api/v1/tickets/{ticket_id}/tracking-links"), &w.admin).await;
    assert_eq!(res.status(), 200);
    let res = app.request(Method::GET, &format!("/api/v1/public/tracking/{token}"), None).send().await.unwrap();
    expect_problem(res, 404, "not_found").await;
    let res = app.request(Method::GET, &format!("/track/{}", "x".repeat(43)), None).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn a_login_link_works_once_a_password_login_is_throttled_and_taking_access_away_ends_the_session() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let anna = portal_user(&app, &w.admin, &w.anna, "requester").await;

    let ask = |email: &str| app.request(Method::POST, "/api/v1/portal/auth/login-link", None).json(&json!({"email": email})).send();
    assert_eq!(ask("anna@acme.example").await.unwrap().status(), 202);
    assert_eq!(ask("nobody@acme.example").await.unwrap().status(), 202);
    let token = emailed_token(&app, "portal_login", "anna@acme.example").await;
    let redeem = || app.request(Method::POST, "/api/v1/portal/auth/login-link/redeem", None).json(&json!({"token": token})).send();
    assert_eq!(redeem().await.unwrap().status(), 200);
    expect_problem(redeem().await.unwrap(), 401, "invalid_link").await;

    let login = |password: &str| {
        app.request(Method::POST, "/api/v1/portal/auth/login", None)
            .json(&json!({"email": "anna@acme.example", "password": password}))
            .send()
    };
    assert_eq!(login("portal pass phrase 42").await.unwrap().status(), 200);
    expect_problem(login("wrong").await.unwrap(), 401, "invalid_credentials").await;

    // Staff take portal access away: the open session ends at once.
    let res = app.patch(&format!("/api/v1/contacts/{}", id(&w.anna)), &w.admin, json!({"portal_access": false})).await;
    assert_eq!(res.status(), 200);
    expect_problem(app.get("/api/v1/portal/tickets", &anna).await, 401, "session_revoked").await;
    expect_problem(login("portal pass phrase 42").await.unwrap(), 401, "invalid_credentials").await;
    let account: Value = app.get(&format!("/api/v1/contacts/{}/portal-account", id(&w.anna)), &w.admin).await.json().await.unwrap();
    assert_eq!(account["portal_access"], false);

    let throttled = TestApp::spawn_with(|c| c.login_max_failures_per_account = 2).await;
    let w2 = world(&throttled).await;
    portal_user(&throttled, &w2.admin, &w2.bruno, "manager").await;
    for _ in 0..2 {
        let res = throttled
            .request(Method::POST, "/api/v1/portal/auth/login", None)
            .json(&json!({"email": "bruno@acme.example", "password": "nope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = throttled
        .request(Method::POST, "/api/v1/portal/auth/login", None)
        .json(&json!({"email": "bruno@acme.example", "password": "portal pass phrase 42"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 429, "too_many_login_attempts").await;
}

#[tokio::test]
async fn a_manager_sees_the_companys_equipment_and_an_invitation_needs_an_email_address() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let product = create(&app, &w.admin, "/api/v1/products", json!({"name": "Boiler"})).await;
    create(
        &app,
        &w.admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "B-1", "customer_id": w.acme, "warranty_end": "2030-01-31"}),
    )
    .await;
    let bruno = portal_user(&app, &w.admin, &w.bruno, "manager").await;
    let units: Value = app.get("/api/v1/portal/equipment", &bruno).await.json().await.unwrap();
    assert_eq!(units["items"][0]["serial_number"], "B-1");
    assert_eq!(units["items"][0]["warranty_end"], "2030-01-31");
    let olga = portal_user(&app, &w.admin, &w.other, "manager").await;
    let units: Value = app.get("/api/v1/portal/equipment", &olga).await.json().await.unwrap();
    assert!(units["items"].as_array().unwrap().is_empty());
    let docs: Value = app.get("/api/v1/portal/documents", &olga).await.json().await.unwrap();
    assert!(docs["items"].as_array().unwrap().is_empty());

    let mute = create(&app, &w.admin, "/api/v1/contacts", json!({"name": "No Mail", "customer_id": w.acme})).await;
    let res = app.post(&format!("/api/v1/contacts/{}/portal-invitation", id(&mute)), &w.admin, json!({})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "email");
    expect_problem(app.get(&format!("/api/v1/contacts/{}/portal-account", id(&mute)), &w.admin).await, 404, "not_found").await;
}

/// Every portal route of the OpenAPI document, called by another customer's manager with
/// the ids of Acme's ticket, document and file, answers 404 (by id) or shows nothing of
/// Acme (lists); called by a requester with a colleague's ticket, 404 likewise.
#[tokio::test]
async fn no_portal_route_shows_anything_of_another_customer_or_a_colleagues_request() {
    let app = TestApp::spawn().await;
    let w = world(&app).await;
    let anna = portal_user(&app, &w.admin, &w.anna, "requester").await;
    let olga = portal_user(&app, &w.admin, &w.other, "manager").await;
    let document = create(
        &app,
        &w.admin,
        &format!("/api/v1/tickets/{}/documents", w.brunos_ticket),
        json!({"kind": "invoice", "number": "FV/7", "issued_on": "2026-12-01"}),
    )
    .await;
    let upload = Form::new().part("file", Part::bytes(crate::attachments::PNG.to_vec()).file_name("p.png").mime_str("image/png").unwrap());
    let file = attach(&app, &w.admin, &w.brunos_ticket, upload).await;
    let reply = json!({"visibility": "public", "body": "See the photo.", "attachment_ids": [file]});
    assert_eq!(app.post(&format!("/api/v1/tickets/{}/comments", w.brunos_ticket), &w.admin, reply).await.status(), 201);
    let doc: Value = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/portal/") || path.starts_with("/api/v1/portal/auth/") {
            continue;
        }
        for method in item.as_object().unwrap().keys().filter(|m| ["get", "post"].contains(&m.as_str())) {
            let concrete = path
                .replace("/tickets/{id}", &format!("/tickets/{}", w.brunos_ticket))
                .replace("/documents/{id}", &format!("/documents/{}", id(&document)))
                .replace("/files/{id}", &format!("/files/{file}"));
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for (who, token) in [("another customer's manager", &olga), ("a colleague", &anna)] {
                let mut req = app.request(m.clone(), &concrete, Some(token));
                if m == Method::POST {
                    req = req.json(&json!({"body": "Let me in", "subject": "Hello"}));
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                if concrete.contains('{') || path.contains("{id}") {
                    assert_eq!(status, 404, "{who} {method} {concrete}");
                } else if m == Method::GET {
                    let text = res.text().await.unwrap();
                    assert_eq!(status, 200, "{who} {method} {concrete}");
                    for secret in [w.brunos_ticket.as_str(), id(&document).as_str(), file.as_str(), "Bruno's boiler", "FV/7"] {
                        assert!(!text.contains(secret), "{who} {method} {concrete} shows {secret}: {text}");
                    }
                } else {
                    // Their own new request or logout: never a way into Acme's.
                    assert!(status < 500, "{who} {method} {concrete} answered {status}");
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} portal route × caller pairs checked");
}

#[tokio::test]
async fn a_tracking_link_stops_working_the_configured_time_after_its_ticket_closed() {
    let app = TestApp::spawn_with(|c| c.tracking_keep_after_close = std::time::Duration::ZERO).await;
    let admin = app.admin_token().await;
    let call = create(&app, &admin, "/api/v1/calls", json!({"channel": "email", "from_email": "ivo@example.com", "subject": "Leak"})).await;
    app.run_jobs().await;
    let outbox = app.outbox().await;
    let body = outbox.iter().find(|m| m["event"] == "call_acknowledged").unwrap()["body_text"].as_str().unwrap().to_owned();
    let token: String =
        body[body.find("/track/").unwrap() + 7..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let converted: Value = app.post(&format!("/api/v1/calls/{}/convert", id(&call["call"])), &admin, json!({})).await.json().await.unwrap();
    let ticket = converted["ticket_id"].as_str().unwrap();
    assert_eq!(app.request(Method::GET, &format!("/track/{token}"), None).send().await.unwrap().status(), 200);
    let res = app.post(&format!("/api/v1/tickets/{ticket}/close"), &admin, json!({})).await;
    assert_eq!(res.status(), 200);
    let res = app.request(Method::GET, &format!("/api/v1/public/tracking/{token}"), None).send().await.unwrap();
    expect_problem(res, 404, "not_found").await;
}
