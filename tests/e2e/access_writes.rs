//! The write half of the authorisation matrix: every documented write route, for every role,
//! called with a real body on a fresh resource that role may act on (its own ticket, the task
//! given to it or to its partner), by an integration's key of each scope that allows it, and
//! (the portal's routes) by a customer's contact.
//! Where the matrix allows the caller it must answer 2xx; where not, 403. A write route without a case here fails the test, so each new route states how it
//! is used.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::access::{allowed, permission_of, person_only, scopes_for};
use crate::attachments::PNG;
use crate::support::{ADMIN_PASSWORD, PASSWORD, TestApp, attach, create, id, status_of_class};

/// Write routes whose success needs a state this matrix cannot make on the spot, each with
/// the test that drives it to 2xx (their refusals are still checked by the 403 matrix).
const PROVEN_ELSEWHERE: &[(&str, &str, &str)] = &[
    ("POST", "/api/v1/jobs/{id}/retry", "jobs::a_failing_job_backs_off_then_dies_visibly_and_an_admin_can_retry_it"),
    ("POST", "/api/v1/messages/{id}/retry", "email_out::a_permanent_refusal_marks_the_message_failed_in_the_outbox_and_on_the_timeline"),
    ("POST", "/api/v1/webhooks/{id}/ping", "webhooks (a receiver on 127.0.0.1, which the matrix's server refuses)"),
    ("POST", "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", "webhooks (as above)"),
];

/// Who acts: a staff member of one role (a partner user works for `partner_id`).
struct Actor {
    role: &'static str,
    id: String,
    token: String,
    partner_id: Option<String>,
}

/// What a case sends.
enum Body {
    None,
    Json(Value),
    Multipart(Form),
    Raw(&'static str, String),
}

/// The fixtures a case builds on, created as the admin.
struct Given<'a> {
    app: &'a TestApp,
    admin: String,
    acme: String,
    colleague: String,
    /// The contact behind the portal caller (a manager of Acme).
    portal_contact: String,
}

fn unique() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

fn png(name: &str) -> Form {
    Form::new().part("file", Part::bytes(PNG.to_vec()).file_name(name.to_owned()).mime_str("image/png").unwrap())
}

impl Given<'_> {
    /// POSTs `body` as the admin and expects success (201, or 202 for what runs in the
    /// background); the new resource's id.
    async fn make(&self, path: &str, body: Value) -> String {
        let res = self.app.post(path, &self.admin, body).await;
        let status = res.status();
        let made: Value = res.json().await.unwrap_or_default();
        assert!(status.is_success(), "POST {path} answered {status}: {made}");
        id(&made)
    }

    /// A ticket `actor` may work on: the desk's own, or (field staff, finance) one the admin
    /// opened with a task given to them.
    async fn ticket_for(&self, actor: &Actor) -> String {
        let body = json!({"title": "Boiler leaks", "customer_id": self.acme});
        if ["admin", "coordinator", "agent"].contains(&actor.role) {
            return id(&create(self.app, &actor.token, "/api/v1/tickets", body).await);
        }
        let ticket = self.make("/api/v1/tickets", body).await;
        if actor.role == "technician" {
            self.make(&format!("/api/v1/tickets/{ticket}/tasks"), json!({"title": "Inspect", "assignee_id": actor.id})).await;
        }
        ticket
    }

    /// A task `actor` may work on: on their ticket, assigned to them or given to their partner.
    async fn task_for(&self, actor: &Actor) -> String {
        let ticket = self.ticket_for(actor).await;
        let body = match actor.role {
            "technician" => json!({"title": "Replace the seal", "assignee_id": actor.id}),
            "partner" => json!({"title": "Dig", "partner_id": actor.partner_id}),
            _ => json!({"title": "Replace the seal"}),
        };
        self.make(&format!("/api/v1/tickets/{ticket}/tasks"), body).await
    }

    async fn call(&self) -> String {
        let call = create(self.app, &self.admin, "/api/v1/calls", json!({"channel": "phone", "subject": "Pump hums"})).await;
        id(&call["call"])
    }

    /// A contract in `status` (`active`, `draft`).
    async fn contract(&self, status: &str) -> String {
        // A customer of its own: a customer's contracts may not overlap.
        let body = json!({"customer_id": self.customer().await, "name": "Support", "starts_on": "2020-01-01",
                          "cycle": "monthly", "timing": "in_arrears",
                          "status": status, "services": [{"kind": "support", "description": "Support", "fee_minor": 1000}]});
        self.make("/api/v1/contracts", body).await
    }

    /// A billing run of a period of its own (one open run per period), computed.
    async fn run(&self, customer: &str) -> String {
        let run = self.make("/api/v1/billing-runs", json!({"period": "2020-03", "customer_id": customer})).await;
        self.app.run_jobs().await;
        run
    }

    async fn customer(&self) -> String {
        self.make("/api/v1/customers", json!({"name": format!("Customer {}", unique())})).await
    }

    /// A time entry of `actor`'s (the admin's, for one who logs no time).
    async fn entry_of(&self, actor: &Actor, may: bool) -> String {
        let task = self.task_for(actor).await;
        let body = json!({"task_id": task, "work_date": today(), "minutes": 30});
        id(&create(self.app, if may { &actor.token } else { &self.admin }, "/api/v1/time-entries", body).await)
    }

    async fn line_of(&self, actor: &Actor) -> String {
        let task = self.task_for(actor).await;
        self.make(&format!("/api/v1/tasks/{task}/checklist"), json!({"text": "Check the valve"})).await
    }

    /// The request `actor` sends to `method path`: a real path and a real body.
    /// (`may`: whether the matrix allows `actor`; one who may not gets the admin's fixtures.)
    async fn case(&self, actor: &Actor, may: bool, method: &str, path: &str) -> Option<(String, Body)> {
        use Body::{Json, Multipart, None as Empty, Raw};
        let a = &self.admin;
        let u = unique();
        Some(match (method, path.trim_start_matches("/api/v1")) {
            ("POST", "/api-keys") => ("/api-keys".into(), Json(json!({"name": "ERP", "scopes": ["tickets:read"]}))),
            ("DELETE", "/api-keys/{id}") => {
                let key = self.make("/api/v1/api-keys", json!({"name": "Old", "scopes": ["tickets:read"]})).await;
                (format!("/api-keys/{key}"), Empty)
            }
            ("DELETE", "/attachments/{id}") => {
                let ticket = self.ticket_for(actor).await;
                let uploader = if may { &actor.token } else { a };
                let file = attach(self.app, uploader, &ticket, png("plate.png")).await;
                (format!("/attachments/{file}"), Empty)
            }
            ("POST", "/billing-rates") => {
                let body =
                    json!({"scope": "customer", "customer_id": self.customer().await, "rate_minor": 5000, "valid_from": "2020-01-01"});
                ("/billing-rates".into(), Json(body))
            }
            ("PATCH" | "DELETE", "/billing-rates/{id}") => {
                let body =
                    json!({"scope": "customer", "customer_id": self.customer().await, "rate_minor": 5000, "valid_from": "2020-01-01"});
                let rate = self.make("/api/v1/billing-rates", body).await;
                (format!("/billing-rates/{rate}"), if method == "PATCH" { Json(json!({"rate_minor": 6000})) } else { Empty })
            }
            ("POST", "/billing-runs") => ("/billing-runs".into(), Json(json!({"period": "2020-02", "customer_id": self.customer().await}))),
            ("POST", "/billing-runs/{id}/finalize") => {
                (format!("/billing-runs/{}/finalize", self.run(&self.customer().await).await), Empty)
            }
            ("POST", "/billing-runs/{id}/recompute") => {
                (format!("/billing-runs/{}/recompute", self.run(&self.customer().await).await), Empty)
            }
            ("POST", "/calls") => ("/calls".into(), Json(json!({"channel": "phone", "subject": "Pump leaks"}))),
            ("POST", "/calls/{id}/attachments") => {
                // An integration's key adds files to the calls it registered (it reads no others).
                let call = if actor.role == "integration" {
                    let made = create(self.app, &actor.token, "/api/v1/calls", json!({"channel": "web_form", "subject": "Photo"})).await;
                    id(&made["call"])
                } else {
                    self.call().await
                };
                (format!("/calls/{call}/attachments"), Multipart(png("photo.png")))
            }
            ("POST", "/calls/{id}/convert") => (format!("/calls/{}/convert", self.call().await), Json(json!({}))),
            ("POST", "/calls/{id}/dismiss") => (format!("/calls/{}/dismiss", self.call().await), Json(json!({"reason": "spam"}))),
            ("POST", "/calls/{id}/merge") => {
                let ticket = self.ticket_for(actor).await;
                (format!("/calls/{}/merge", self.call().await), Json(json!({"ticket_id": ticket})))
            }
            ("POST", "/canned-responses") => {
                ("/canned-responses".into(), Json(json!({"name": format!("Thanks {u}"), "language": "en", "body": "Thank you."})))
            }
            ("PATCH" | "DELETE", "/canned-responses/{id}") => {
                let canned =
                    self.make("/api/v1/canned-responses", json!({"name": format!("Hello {u}"), "language": "en", "body": "Hello."})).await;
                (format!("/canned-responses/{canned}"), if method == "PATCH" { Json(json!({"body": "Hi."})) } else { Empty })
            }
            ("POST", "/canned-responses/{id}/render") => {
                let canned =
                    self.make("/api/v1/canned-responses", json!({"name": format!("Hello {u}"), "language": "en", "body": "Hello."})).await;
                let ticket = self.ticket_for(actor).await;
                (format!("/canned-responses/{canned}/render"), Json(json!({"ticket_id": ticket})))
            }
            ("PATCH", "/checklist-items/{id}") => {
                (format!("/checklist-items/{}", self.line_of(actor).await), Json(json!({"checked": true})))
            }
            ("DELETE", "/checklist-items/{id}") => (format!("/checklist-items/{}", self.line_of(actor).await), Empty),
            ("POST", "/contacts") => ("/contacts".into(), Json(json!({"customer_id": self.acme, "name": "Ana"}))),
            ("PUT", "/contacts/by-external-ref/{ref}") => {
                (format!("/contacts/by-external-ref/c-{u}"), Json(json!({"customer_id": self.acme, "name": "Bo"})))
            }
            ("PATCH" | "DELETE" | "POST", "/contacts/{id}" | "/contacts/{id}/portal-invitation") => {
                let body = json!({"customer_id": self.acme, "name": "Cy", "email": format!("cy-{u}@acme.example")});
                let contact = self.make("/api/v1/contacts", body).await;
                match method {
                    "PATCH" => (format!("/contacts/{contact}"), Json(json!({"job_title": "Plant manager"}))),
                    "DELETE" => (format!("/contacts/{contact}"), Empty),
                    _ => (format!("/contacts/{contact}/portal-invitation"), Json(json!({"role": "requester"}))),
                }
            }
            ("POST", "/contracts") => {
                let body = json!({"customer_id": self.customer().await, "name": "Support", "starts_on": "2020-01-01", "cycle": "monthly",
                                  "timing": "in_arrears", "services": [{"kind": "support", "description": "Support", "fee_minor": 1000}]});
                ("/contracts".into(), Json(body))
            }
            ("PATCH", "/contracts/{id}") => (format!("/contracts/{}", self.contract("active").await), Json(json!({"notes": "Renewed"}))),
            ("POST", "/contracts/{id}/status") => {
                (format!("/contracts/{}/status", self.contract("draft").await), Json(json!({"status": "active"})))
            }
            ("POST", "/custom-fields") => {
                ("/custom-fields".into(), Json(json!({"entity": "ticket", "key": format!("k{u}"), "label": "Meter", "kind": "number"})))
            }
            ("PUT" | "DELETE", "/custom-fields/{id}") => {
                let body = json!({"entity": "ticket", "key": format!("k{u}"), "label": "Meter", "kind": "number"});
                let field = self.make("/api/v1/custom-fields", body.clone()).await;
                (format!("/custom-fields/{field}"), if method == "PUT" { Json(body) } else { Empty })
            }
            ("POST", "/customers") => ("/customers".into(), Json(json!({"name": "Globex"}))),
            ("PUT", "/customers/by-external-ref/{ref}") => (format!("/customers/by-external-ref/cu-{u}"), Json(json!({"name": "Initech"}))),
            ("PATCH", "/customers/{id}") => (format!("/customers/{}", self.customer().await), Json(json!({"notes": "Gate code 42"}))),
            ("DELETE", "/customers/{id}") => (format!("/customers/{}", self.customer().await), Empty),
            ("POST", "/customers/{id}/locations") => {
                (format!("/customers/{}/locations", self.acme), Json(json!({"name": "Plant", "address_line": "Main 1", "city": "Kranj"})))
            }
            ("POST", "/dictionaries/{kind}") => ("/dictionaries/ticket-categories".into(), Json(json!({"name": format!("Boilers {u}")}))),
            ("PATCH" | "DELETE", "/dictionaries/{kind}/{id}") => {
                let entry = self.make("/api/v1/dictionaries/ticket-categories", json!({"name": format!("Pumps {u}")})).await;
                let path = format!("/dictionaries/ticket-categories/{entry}");
                (path, if method == "PATCH" { Json(json!({"name": format!("Heat pumps {u}")})) } else { Empty })
            }
            ("PUT", "/documents/by-external-ref/{ref}") => {
                let ticket = self.make("/api/v1/tickets", json!({"title": "Billed"})).await;
                let body = json!({"ticket_id": ticket, "kind": "invoice", "number": format!("FV/{u}"), "issued_on": today()});
                (format!("/documents/by-external-ref/d-{u}"), Json(body))
            }
            ("PATCH", "/documents/{id}") => {
                let ticket = self.make("/api/v1/tickets", json!({"title": "Billed"})).await;
                let body = json!({"kind": "invoice", "number": format!("FV/{u}"), "issued_on": today()});
                let document = self.make(&format!("/api/v1/tickets/{ticket}/documents"), body).await;
                (format!("/documents/{document}"), Json(json!({"amount_minor": 12000, "currency": "EUR"})))
            }
            ("POST", "/equipment") | ("PUT", "/equipment/by-external-ref/{ref}") | ("PATCH" | "DELETE", "/equipment/{id}") => {
                let product = self.make("/api/v1/products", json!({"name": format!("Pump {u}")})).await;
                let body = json!({"product_id": product, "serial_number": format!("S-{u}"), "customer_id": self.acme});
                match method {
                    "POST" => ("/equipment".into(), Json(body)),
                    "PUT" => (format!("/equipment/by-external-ref/e-{u}"), Json(body)),
                    _ => {
                        let unit = self.make("/api/v1/equipment", body).await;
                        (format!("/equipment/{unit}"), if method == "PATCH" { Json(json!({"notes": "Behind the door"})) } else { Empty })
                    }
                }
            }
            ("POST", "/forms") | ("PUT" | "DELETE", "/forms/{id}") => {
                let body = json!({"slug": format!("contact-{u}"), "title": "Contact", "success_text": "Thanks.",
                                  "fields": [{"name": "email", "label": "Email", "kind": "email", "required": true, "role": "sender_email"}]});
                if method == "POST" {
                    ("/forms".into(), Json(body))
                } else {
                    let form = self.make("/api/v1/forms", body.clone()).await;
                    (format!("/forms/{form}"), if method == "PUT" { Json(body) } else { Empty })
                }
            }
            ("POST", "/imports") => ("/imports?kind=products".into(), Raw("text/csv", format!("name\nValve {u}\n"))),
            ("POST", "/inbound/email") => {
                let mail = format!(
                    "From: Ana <ana-{u}@acme.example>\r\nTo: desk@servdesk.test\r\nSubject: Boiler noisy\r\nMessage-ID: <{u}@acme.example>\r\n\r\nIt hums.\r\n"
                );
                ("/inbound/email".into(), Raw("message/rfc822", mail))
            }
            ("PUT" | "DELETE", "/locations/by-external-ref/{ref}" | "/locations/{id}") | ("PATCH", "/locations/{id}") => {
                let body = json!({"customer_id": self.acme, "name": "Depot", "address_line": "Side 2", "city": "Bled"});
                if method == "PUT" {
                    (format!("/locations/by-external-ref/l-{u}"), Json(body))
                } else {
                    let location = self.make(&format!("/api/v1/customers/{}/locations", self.acme), body).await;
                    (format!("/locations/{location}"), if method == "PATCH" { Json(json!({"notes": "Ring twice"})) } else { Empty })
                }
            }
            ("POST", "/me/calendar-token") => ("/me/calendar-token".into(), Empty),
            ("DELETE", "/me/calendar-token") => {
                let res = self.app.request(Method::POST, "/api/v1/me/calendar-token", Some(&actor.token)).send().await.unwrap();
                assert!(res.status().is_success());
                ("/me/calendar-token".into(), Empty)
            }
            ("POST", "/me/password") => (
                "/me/password".into(),
                Json(json!({"current_password": if actor.role == "admin" { ADMIN_PASSWORD } else { PASSWORD },
                            "new_password": "a longer pass phrase 2027"})),
            ),
            ("PUT", "/notification-settings/{event}") => ("/notification-settings/public_reply".into(), Json(json!({"enabled": true}))),
            ("POST", "/partners") => ("/partners".into(), Json(json!({"name": format!("Subco {u}")}))),
            ("PATCH" | "DELETE", "/partners/{id}") => {
                let partner = self.make("/api/v1/partners", json!({"name": format!("Subco {u}")})).await;
                (format!("/partners/{partner}"), if method == "PATCH" { Json(json!({"phone": "+38640111222"})) } else { Empty })
            }
            ("POST", "/products") => ("/products".into(), Json(json!({"name": format!("Fan {u}")}))),
            ("PUT", "/products/by-external-ref/{ref}") => {
                (format!("/products/by-external-ref/p-{u}"), Json(json!({"name": format!("Fan {u}")})))
            }
            ("PATCH" | "DELETE", "/products/{id}") => {
                let product = self.make("/api/v1/products", json!({"name": format!("Fan {u}")})).await;
                (format!("/products/{product}"), if method == "PATCH" { Json(json!({"sku": format!("F-{u}")})) } else { Empty })
            }
            ("POST", "/sla/calendars") | ("PUT" | "DELETE", "/sla/calendars/{id}") => {
                let body = json!({"name": format!("Office {u}"), "time_zone": "Europe/Ljubljana", "week": {}});
                if method == "POST" {
                    ("/sla/calendars".into(), Json(body))
                } else {
                    let calendar = self.make("/api/v1/sla/calendars", body.clone()).await;
                    (format!("/sla/calendars/{calendar}"), if method == "PUT" { Json(body) } else { Empty })
                }
            }
            ("POST", "/sla/policies") | ("PUT" | "DELETE", "/sla/policies/{id}") => {
                let calendar =
                    self.make("/api/v1/sla/calendars", json!({"name": format!("Office {u}"), "time_zone": "UTC", "week": {}})).await;
                let body = json!({"name": format!("Policy {u}"), "calendar_id": calendar, "resolution_minutes": 480});
                if method == "POST" {
                    ("/sla/policies".into(), Json(body))
                } else {
                    let policy = self.make("/api/v1/sla/policies", body.clone()).await;
                    (format!("/sla/policies/{policy}"), if method == "PUT" { Json(body) } else { Empty })
                }
            }
            ("POST", "/statements/{id}/invoice") => {
                let customer = self.customer().await;
                let body = json!({"customer_id": customer, "name": "Support", "starts_on": "2020-01-01", "cycle": "monthly",
                                  "timing": "in_arrears", "services": [{"kind": "support", "description": "Support", "fee_minor": 1000}]});
                self.make("/api/v1/contracts", body).await;
                let run = self.run(&customer).await;
                assert!(self.app.post(&format!("/api/v1/billing-runs/{run}/finalize"), a, json!({})).await.status().is_success());
                let statements: Value = self.app.get(&format!("/api/v1/statements?run_id={run}"), a).await.json().await.unwrap();
                let statement = id(&statements["items"][0]);
                (format!("/statements/{statement}/invoice"), Json(json!({"number": format!("FV/{u}"), "issued_on": today()})))
            }
            ("PUT", "/tasks/by-external-ref/{ref}") => {
                let ticket = self.ticket_for(actor).await;
                (format!("/tasks/by-external-ref/t-{u}"), Json(json!({"ticket_id": ticket, "title": "Bleed the radiators"})))
            }
            ("PATCH", "/tasks/{id}") => (format!("/tasks/{}", self.task_for(actor).await), Json(json!({"description": "Bring a ladder"}))),
            ("POST", "/tasks/{id}/checklist") => {
                (format!("/tasks/{}/checklist", self.task_for(actor).await), Json(json!({"text": "Photograph the plate"})))
            }
            ("POST", "/tasks/{id}/completion") => {
                let data = Form::new().text("data", json!({"work_done": "Seal replaced"}).to_string());
                (format!("/tasks/{}/completion", self.task_for(actor).await), Multipart(data))
            }
            ("POST", "/tasks/{id}/status") => {
                (format!("/tasks/{}/status", self.task_for(actor).await), Json(json!({"status": "in_progress"})))
            }
            ("POST", "/portal/requests") => ("/portal/requests".into(), Json(json!({"subject": "Radiator cold", "body": "Since Monday."}))),
            ("POST", "/portal/tickets/{id}/replies") => {
                let body = json!({"title": "Boiler noisy", "customer_id": self.acme, "contact_id": self.portal_contact});
                (format!("/portal/tickets/{}/replies", self.make("/api/v1/tickets", body).await), Json(json!({"body": "Thank you."})))
            }
            ("POST", "/portal/auth/logout") => ("/portal/auth/logout".into(), Empty),
            ("POST", "/teams") => ("/teams".into(), Json(json!({"name": format!("Field {u}")}))),
            ("PATCH" | "DELETE", "/teams/{id}") | ("POST", "/teams/{id}/members") | ("DELETE", "/teams/{id}/members/{user_id}") => {
                let team = self.make("/api/v1/teams", json!({"name": format!("Field {u}")})).await;
                match (method, path.ends_with("{user_id}"), path.ends_with("/members")) {
                    ("PATCH", ..) => (format!("/teams/{team}"), Json(json!({"description": "North"}))),
                    ("POST", _, true) => (format!("/teams/{team}/members"), Json(json!({"user_id": self.colleague}))),
                    ("DELETE", true, _) => {
                        let added = self.app.post(&format!("/api/v1/teams/{team}/members"), a, json!({"user_id": self.colleague})).await;
                        assert!(added.status().is_success());
                        (format!("/teams/{team}/members/{}", self.colleague), Empty)
                    }
                    _ => (format!("/teams/{team}"), Empty),
                }
            }
            ("POST", "/telephony/calls") => (
                "/telephony/calls".into(),
                Json(json!({"caller": "+38640111222", "direction": "inbound", "started_at": chrono::Utc::now(), "external_id": u})),
            ),
            ("PUT" | "DELETE", "/templates/{event}/{language}") => {
                let body = json!({"subject": "Re: {{ticket.title}}", "body_text": "{{comment.body}}"});
                if method == "DELETE" {
                    let put = self.app.request(Method::PUT, "/api/v1/templates/public_reply/de", Some(a)).json(&body).send().await.unwrap();
                    assert!(put.status().is_success());
                    ("/templates/public_reply/de".into(), Empty)
                } else {
                    ("/templates/public_reply/de".into(), Json(body))
                }
            }
            ("POST", "/tickets") => ("/tickets".into(), Json(json!({"title": "Radiator cold", "customer_id": self.acme}))),
            ("PUT", "/tickets/by-external-ref/{ref}") => {
                (format!("/tickets/by-external-ref/tk-{u}"), Json(json!({"title": "Radiator cold"})))
            }
            ("POST", "/tickets/{id}/claim") => {
                // A ticket waiting in the queue of a team the actor is in.
                let team = self.make("/api/v1/teams", json!({"name": format!("Queue {u}")})).await;
                if may {
                    let joined = self.app.post(&format!("/api/v1/teams/{team}/members"), a, json!({"user_id": actor.id})).await;
                    assert!(joined.status().is_success());
                }
                let ticket = self.make("/api/v1/tickets", json!({"title": "Unclaimed"})).await;
                let queued = self.app.post(&format!("/api/v1/tickets/{ticket}/assign"), a, json!({"team_id": team})).await;
                assert!(queued.status().is_success(), "{}", queued.text().await.unwrap());
                (format!("/tickets/{ticket}/claim"), Empty)
            }
            (_, p) if p.starts_with("/tickets/{id}") => {
                let ticket = self.ticket_for(actor).await;
                let action = p.trim_start_matches("/tickets/{id}");
                let body = match (method, action) {
                    ("PATCH", "") => Json(json!({"description": "It rattles too"})),
                    ("POST", "/assign") => Json(json!({"assignee_id": self.colleague})),
                    ("POST", "/attachments") => Multipart(png("meter.png")),
                    ("POST", "/checklist") => Json(json!({"text": "Bring the manual"})),
                    ("POST", "/close") => Json(json!({"note": "Fixed on the phone"})),
                    ("POST", "/comments") => Json(json!({"visibility": "internal", "body": "Parts ordered"})),
                    ("POST", "/documents") => Json(json!({"kind": "invoice", "number": format!("FV/{u}"), "issued_on": today()})),
                    ("POST", "/handover") => {
                        if may {
                            let given =
                                self.app.post(&format!("/api/v1/tickets/{ticket}/assign"), a, json!({"assignee_id": actor.id})).await;
                            assert!(given.status().is_success());
                        }
                        Json(json!({"assignee_id": self.colleague, "note": "Off tomorrow"}))
                    }
                    ("POST", "/reopen") => {
                        let body = json!({"cancel_open_tasks": true});
                        let closed = self.app.post(&format!("/api/v1/tickets/{ticket}/close"), a, body).await;
                        assert!(closed.status().is_success(), "{}", closed.text().await.unwrap());
                        Json(json!({"note": "It leaks again"}))
                    }
                    ("POST", "/status") => Json(json!({"status_id": status_of_class(self.app, a, "open").await})),
                    ("POST", "/tasks") => Json(json!({"title": "Order the part"})),
                    ("DELETE", "/tracking-links") => Empty,
                    _ => return None,
                };
                (format!("/tickets/{ticket}{action}"), body)
            }
            ("POST", "/time-entries") => {
                let task = self.task_for(actor).await;
                ("/time-entries".into(), Json(json!({"task_id": task, "work_date": today(), "minutes": 45})))
            }
            ("PATCH", "/time-entries/{id}") => (format!("/time-entries/{}", self.entry_of(actor, may).await), Json(json!({"minutes": 50}))),
            ("DELETE", "/time-entries/{id}") => (format!("/time-entries/{}", self.entry_of(actor, may).await), Empty),
            ("POST", "/timer/start") => ("/timer/start".into(), Json(json!({"task_id": self.task_for(actor).await, "switch": true}))),
            ("POST", "/timer/stop") => {
                let body = json!({"task_id": self.task_for(actor).await, "switch": true,
                                  "started_at": chrono::Utc::now() - chrono::Duration::minutes(20)});
                if may {
                    let started = self.app.post("/api/v1/timer/start", &actor.token, body).await;
                    assert!(started.status().is_success(), "{} could not start a timer", actor.role);
                }
                ("/timer/stop".into(), Json(json!({"note": "Done"})))
            }
            ("POST", "/triage-rules") | ("PUT" | "DELETE", "/triage-rules/{id}") => {
                let body =
                    json!({"name": format!("Spam {u}"), "conditions": {"sender_domains": ["spam.example"]}, "action": {"kind": "dismiss"}});
                if method == "POST" {
                    ("/triage-rules".into(), Json(body))
                } else {
                    let rule = self.make("/api/v1/triage-rules", body.clone()).await;
                    (format!("/triage-rules/{rule}"), if method == "PUT" { Json(body) } else { Empty })
                }
            }
            ("POST", "/users") => {
                let body = json!({"email": format!("new-{u}@servdesk.test"), "name": "New", "role": "agent", "password": "a long pass phrase 2027"});
                ("/users".into(), Json(body))
            }
            (_, "/users/{id}" | "/users/{id}/calendar-token" | "/users/{id}/password") => {
                let body = json!({"email": format!("old-{u}@servdesk.test"), "name": "Old", "role": "agent", "password": "a long pass phrase 2027"});
                let user = self.make("/api/v1/users", body).await;
                match (method, path.rsplit('/').next().unwrap()) {
                    ("PATCH", _) => (format!("/users/{user}"), Json(json!({"extension": "214"}))),
                    ("POST", "password") => (format!("/users/{user}/password"), Json(json!({"password": "another pass phrase 2027"}))),
                    ("DELETE", "calendar-token") => (format!("/users/{user}/calendar-token"), Empty),
                    _ => (format!("/users/{user}"), Empty),
                }
            }
            ("POST", "/webhooks") | ("PUT" | "DELETE", "/webhooks/{id}") | ("POST", "/webhooks/{id}/rotate-secret") => {
                let body = json!({"url": "https://93.184.216.34/hook"});
                if method == "POST" && !path.ends_with("rotate-secret") {
                    ("/webhooks".into(), Json(body))
                } else {
                    let hook = self.make("/api/v1/webhooks", body.clone()).await;
                    match method {
                        "PUT" => (format!("/webhooks/{hook}"), Json(body)),
                        "DELETE" => (format!("/webhooks/{hook}"), Empty),
                        _ => (format!("/webhooks/{hook}/rotate-secret"), Json(json!({"overlap_hours": 1}))),
                    }
                }
            }
            _ => return None,
        })
    }
}

async fn send(app: &TestApp, method: &str, path: &str, token: &str, body: Body) -> (u16, String) {
    let mut req = app.request(Method::from_bytes(method.as_bytes()).unwrap(), &format!("/api/v1{path}"), Some(token));
    req = match body {
        Body::None => req,
        Body::Json(v) => req.json(&v),
        Body::Multipart(form) => req.multipart(form),
        Body::Raw(content_type, text) => req.header("Content-Type", content_type).body(text),
    };
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

#[tokio::test]
async fn every_write_route_answers_2xx_to_the_roles_it_allows_and_403_to_the_others() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let acme = id(&create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await);
    let colleague = app.user("agent").await.0;
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"name": "Ana", "customer_id": acme, "email": "ana@acme.example"})).await;
    create(&app, &admin, &format!("/api/v1/contacts/{}/portal-invitation", id(&contact)), json!({"role": "manager"})).await;
    let portal_token = crate::portal::accept_invitation(&app, "ana@acme.example").await;
    let portal = Actor { role: "portal", id: id(&contact), token: portal_token, partner_id: None };
    let given = Given { app: &app, admin: admin.clone(), acme, colleague, portal_contact: id(&contact) };
    let mut actors = vec![Actor { role: "admin", id: String::new(), token: admin.clone(), partner_id: None }];
    for role in ["coordinator", "agent", "technician", "finance"] {
        let (id, token) = app.user(role).await;
        actors.push(Actor { role, id, token, partner_id: None });
    }
    let partner = given.make("/api/v1/partners", json!({"name": "Subco"})).await;
    let (partner_user, partner_token) = app.user_with("partner", json!({"partner_id": partner})).await;
    actors.push(Actor { role: "partner", id: partner_user, token: partner_token, partner_id: Some(partner) });
    let me: Value = app.get("/api/v1/me", &admin).await.json().await.unwrap();
    actors[0].id = id(&me);
    // An integration's key per scope that writes something (keys see every ticket).
    let mut keys = std::collections::HashMap::new();
    for scope in ["calls:write", "tickets:write", "inbound:write", "telephony:write", "billing:write", "directory:write"] {
        let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": scope, "scopes": [scope]})).await;
        keys.insert(
            scope,
            Actor { role: "integration", id: String::new(), token: key["secret"].as_str().unwrap().to_owned(), partner_id: None },
        );
    }

    let doc: Value = serde_json::to_value(servdesk_api::openapi::document()).unwrap();
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys().filter(|m| ["post", "put", "patch", "delete"].contains(&m.as_str())) {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    // A password change ends the caller's other sessions, a logout the portal caller's: last.
    routes.sort_by_key(|(_, path)| path == "/api/v1/me/password" || path == "/api/v1/portal/auth/logout");
    let mut succeeded = 0;
    let mut failures = Vec::new();
    for (method, path) in &routes {
        if PROVEN_ELSEWHERE.iter().any(|(m, p, _)| m == method && p == path) {
            continue;
        }
        let rule = allowed(method, path).unwrap_or_else(|| panic!("{method} {path} is not in the access matrix"));
        // Public routes are driven by their own tests (auth, portal, forms).
        let Some(roles) = rule else { continue };
        // The portal's are for a customer's contact: staff get 403, the contact 2xx.
        let portal_route = path.starts_with("/api/v1/portal/");
        let scoped = match permission_of(method, path) {
            Some(permission) if !person_only(method, path) => scopes_for(permission),
            _ => &[],
        };
        let integrations = scoped.iter().filter_map(|scope| keys.get(scope));
        for actor in actors.iter().chain(integrations).chain(portal_route.then_some(&portal)) {
            let may = matches!(actor.role, "integration" | "portal") || roles.contains(&actor.role);
            let Some((concrete, body)) = given.case(actor, may, method, path).await else {
                panic!("{method} {path} has no case in the write matrix");
            };
            let (status, text) = send(&app, method, &concrete, &actor.token, body).await;
            if may {
                if (200..300).contains(&status) {
                    succeeded += 1;
                } else {
                    failures.push(format!("{} {method} {concrete} answered {status}: {text}", actor.role));
                }
            } else if status != 403 {
                failures.push(format!("{} {method} {concrete} answered {status}, not 403: {text}", actor.role));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(succeeded > 200, "only {succeeded} route × role pairs succeeded");
}
