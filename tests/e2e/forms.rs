//! Web forms: admins define them; websites fetch and post them (JSON, multipart with files,
//! a plain HTML form); the submission becomes an acknowledged call routed where the chosen
//! department says; bots, wrong origins, floods and bad answers are refused as the issue
//! lists; and a real Chromium embeds the form from another origin.

use std::process::Command;

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use servdesk_usecases::config::RateLimit;

use crate::support::{TestApp, create, expect_problem, id};

const SITE: &str = "https://www.acme-heating.example";

fn definition(slug: &str, team: &str, extra: Value) -> Value {
    let mut form = json!({
        "slug": slug,
        "title": "Report a fault",
        "language": "en",
        "fields": [
            {"name": "name", "label": "Your name", "kind": "text", "required": true, "role": "sender_name"},
            {"name": "email", "label": "Email", "kind": "email", "required": true, "role": "sender_email"},
            {"name": "department", "label": "Department", "kind": "select", "required": true, "role": "subject",
             "options": [{"value": "heating", "label": "Heating", "routing": {"team_id": team}}, {"value": "other", "label": "Something else"}]},
            {"name": "message", "label": "What happened?", "kind": "textarea", "required": true, "role": "message"},
            {"name": "photo", "label": "A photo", "kind": "file"}
        ],
        "allowed_origins": [SITE],
        "success_text": "Thank you, we will call you back.",
        "min_fill_seconds": 0
    });
    for (k, v) in extra.as_object().unwrap() {
        form[k] = v.clone();
    }
    form
}

/// The form's definition as a website gets it (with its issue token).
async fn fetched(app: &TestApp, slug: &str) -> Value {
    let res = app.request(Method::GET, &format!("/api/v1/public/forms/{slug}"), None).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

fn answers(issued: &Value) -> Value {
    json!({"name": "Ivo Horvat", "email": "ivo@example.com", "department": "heating", "message": "No hot water since this morning.", "_ts": issued, "_hp": ""})
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_owned(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn post_json(app: &TestApp, slug: &str, body: &Value) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/public/forms/{slug}/submissions"), None).json(body).send().await.unwrap()
}

async fn web_calls(app: &TestApp, admin: &str) -> Vec<Value> {
    let page: Value = app.get("/api/v1/calls?limit=200", admin).await.json().await.unwrap();
    page["items"].as_array().unwrap().iter().filter(|c| c["channel"] == "web_form").cloned().collect()
}

#[tokio::test]
async fn a_submission_becomes_an_acknowledged_call_that_converts_to_the_chosen_departments_team() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    let form = create(&app, &admin, "/api/v1/forms", definition("service-request", &team, json!({}))).await;
    assert_eq!(form["embed_script"], "/api/v1/public/forms/service-request/embed.js");

    let public = fetched(&app, "service-request").await;
    assert_eq!(public["fields"][2]["options"][0], json!({"value": "heating", "label": "Heating"}), "no routing ids go out");
    assert_eq!(public["messages"]["required"], "This field is required.");
    let res = post_json(&app, "service-request", &answers(&public["issued"])).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["message"], "Thank you, we will call you back.");

    let calls = web_calls(&app, &admin).await;
    assert_eq!(calls.len(), 1);
    let call = &calls[0];
    assert_eq!(
        (call["subject"].as_str(), call["from_email"].as_str(), call["from_name"].as_str()),
        (Some("Heating"), Some("ivo@example.com"), Some("Ivo Horvat"))
    );
    assert_eq!(call["metadata"]["fields"]["department"], "heating");
    assert_eq!(call["metadata"]["form"]["slug"], "service-request");
    assert!(call["body"].as_str().unwrap().starts_with("No hot water since this morning."));
    app.run_jobs().await;
    assert!(app.outbox().await.iter().any(|m| m["event"] == "call_acknowledged" && m["to_address"] == "ivo@example.com"));

    // Converted without overrides, the ticket goes to the team the department routes to.
    let converted: Value = app.post(&format!("/api/v1/calls/{}/convert", id(call)), &admin, json!({})).await.json().await.unwrap();
    let ticket: Value =
        app.get(&format!("/api/v1/tickets/{}", converted["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(ticket["team_id"], team.as_str());
    assert_eq!(ticket["channel"], "web_form");
}

#[tokio::test]
async fn a_converting_form_opens_the_ticket_at_once_and_a_plain_html_form_is_sent_to_the_thank_you_page() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    let extra = json!({"auto_convert": true, "thank_you_url": "https://www.acme-heating.example/thanks"});
    create(&app, &admin, "/api/v1/forms", definition("urgent", &team, extra)).await;
    let public = fetched(&app, "urgent").await;
    let a = answers(&public["issued"]);
    let pairs: Vec<(String, String)> = a.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    let client = reqwest::Client::builder().no_proxy().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let encoded: String = pairs.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
    let res = client
        .post(app.url("/api/v1/public/forms/urgent/submissions"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(encoded)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "https://www.acme-heating.example/thanks");
    let calls = web_calls(&app, &admin).await;
    assert_eq!(calls[0]["state"], "converted");
    let ticket: Value =
        app.get(&format!("/api/v1/tickets/{}", calls[0]["ticket_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!((ticket["team_id"].as_str(), ticket["title"].as_str()), (Some(team.as_str()), Some("Heating")));
}

#[tokio::test]
async fn wrong_answers_are_refused_per_field_in_the_forms_language_and_nothing_is_kept() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    create(&app, &admin, "/api/v1/forms", definition("zgloszenie", &team, json!({"language": "pl"}))).await;
    let public = fetched(&app, "zgloszenie").await;
    let mut bad = answers(&public["issued"]);
    bad["email"] = json!("not-an-address");
    bad["department"] = json!("plumbing");
    bad["message"] = json!("");
    let problem = expect_problem(post_json(&app, "zgloszenie", &bad).await, 422, "validation_failed").await;
    let errors: Vec<(String, String)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap().to_owned(), e["message"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        errors,
        vec![
            ("email".to_owned(), "Proszę podać poprawny adres e-mail.".to_owned()),
            ("department".to_owned(), "Proszę wybrać jedną z opcji.".to_owned()),
            ("message".to_owned(), "To pole jest wymagane.".to_owned()),
        ]
    );
    // A file that is not what it claims, with an otherwise good submission: refused whole.
    let mut form = Form::new();
    for (k, v) in answers(&public["issued"]).as_object().unwrap() {
        form = form.text(k.clone(), v.as_str().unwrap().to_owned());
    }
    form = form.part("photo", Part::bytes(b"MZ\x90\0not really a picture".to_vec()).file_name("boiler.png").mime_str("image/png").unwrap());
    let res = app.request(Method::POST, "/api/v1/public/forms/zgloszenie/submissions", None).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 422);
    assert!(web_calls(&app, &admin).await.is_empty());
    expect_problem(post_json(&app, "no-such-form", &json!({})).await, 404, "not_found").await;
    let res = app
        .request(Method::POST, "/api/v1/public/forms/zgloszenie/submissions", None)
        .body("x")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    expect_problem(res, 415, "unsupported_media_type").await;
}

#[tokio::test]
async fn a_photo_comes_with_the_call_and_an_oversized_one_is_refused() {
    let app = TestApp::spawn_with(|c| c.attachment_max_bytes = 1024).await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    create(&app, &admin, "/api/v1/forms", definition("with-photo", &team, json!({}))).await;
    let public = fetched(&app, "with-photo").await;
    let form = |bytes: Vec<u8>| {
        let mut form = Form::new();
        for (k, v) in answers(&public["issued"]).as_object().unwrap() {
            form = form.text(k.clone(), v.as_str().unwrap().to_owned());
        }
        form.part("photo", Part::bytes(bytes).file_name("boiler.png").mime_str("image/png").unwrap())
    };
    let res = app
        .request(Method::POST, "/api/v1/public/forms/with-photo/submissions", None)
        .multipart(form(crate::attachments::PNG.to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let call = web_calls(&app, &admin).await.remove(0);
    let files: Value = app.get(&format!("/api/v1/calls/{}/attachments", id(&call)), &admin).await.json().await.unwrap();
    assert_eq!(files["items"][0]["filename"], "boiler.png");
    let mut big = crate::attachments::PNG.to_vec();
    big.extend(std::iter::repeat_n(0u8, 4096));
    let res = app.request(Method::POST, "/api/v1/public/forms/with-photo/submissions", None).multipart(form(big)).send().await.unwrap();
    assert_eq!(res.status(), 413);
    assert_eq!(web_calls(&app, &admin).await.len(), 1);
}

#[tokio::test]
async fn bots_are_dropped_silently_by_the_honeypot_and_the_fill_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    create(&app, &admin, "/api/v1/forms", definition("slow", &team, json!({"min_fill_seconds": 1}))).await;
    let public = fetched(&app, "slow").await;
    // Too fast, a filled honeypot, a forged or missing issue time: all answered as taken.
    let mut trap = answers(&public["issued"]);
    trap["_hp"] = json!("http://buy-now.example");
    let mut forged = answers(&json!("1700000000.deadbeef"));
    forged["_ts"] = json!("1700000000.deadbeef");
    let mut missing = answers(&public["issued"]);
    missing.as_object_mut().unwrap().remove("_ts");
    for body in [answers(&public["issued"]), trap, forged, missing] {
        assert_eq!(post_json(&app, "slow", &body).await.status(), 201);
    }
    assert!(web_calls(&app, &admin).await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    assert_eq!(post_json(&app, "slow", &answers(&public["issued"])).await.status(), 201);
    assert_eq!(web_calls(&app, &admin).await.len(), 1, "a person who took their time gets through");
}

#[tokio::test]
async fn only_the_forms_origins_may_post_from_a_browser_and_floods_are_limited() {
    let app = TestApp::spawn_with(|c| {
        c.rate_limits.form_per_address = RateLimit::new(60, 2);
    })
    .await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    create(&app, &admin, "/api/v1/forms", definition("contact", &team, json!({}))).await;
    let preflight = |origin: &str| {
        app.request(Method::OPTIONS, "/api/v1/public/forms/contact/submissions", None)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .send()
    };
    let ok = preflight(SITE).await.unwrap();
    assert_eq!(ok.status(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], SITE);
    let refused = preflight("https://evil.example").await.unwrap();
    assert_eq!(refused.status(), 403);
    assert!(refused.headers().get("access-control-allow-origin").is_none());

    let res = app.request(Method::GET, "/api/v1/public/forms/contact", None).header("Origin", SITE).send().await.unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], SITE);
    let public: Value = res.json().await.unwrap();
    let res = app
        .request(Method::POST, "/api/v1/public/forms/contact/submissions", None)
        .header("Origin", "https://evil.example")
        .json(&answers(&public["issued"]))
        .send()
        .await
        .unwrap();
    expect_problem(res, 403, "origin_not_allowed").await;

    let post = || {
        app.request(Method::POST, "/api/v1/public/forms/contact/submissions", None)
            .header("Origin", SITE)
            .json(&answers(&public["issued"]))
            .send()
    };
    assert_eq!(post().await.unwrap().status(), 201);
    let refused = post().await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn a_definition_with_bad_fields_or_origins_is_refused_and_slugs_are_unique() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    let mut bad = definition("bad", &team, json!({"allowed_origins": ["https://example.com/contact"]}));
    bad["fields"][1]["name"] = json!("name");
    let problem = expect_problem(app.post("/api/v1/forms", &admin, bad).await, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, vec!["fields[1].name", "allowed_origins[0]"]);
    let unknown_team = definition("ghost", &uuid::Uuid::now_v7().to_string(), json!({}));
    expect_problem(app.post("/api/v1/forms", &admin, unknown_team).await, 422, "validation_failed").await;
    let form = create(&app, &admin, "/api/v1/forms", definition("taken", &team, json!({}))).await;
    expect_problem(app.post("/api/v1/forms", &admin, definition("taken", &team, json!({}))).await, 409, "slug_taken").await;
    // Switched off, the public form is gone.
    let res = app
        .request(Method::PUT, &format!("/api/v1/forms/{}", id(&form)), Some(&admin))
        .json(&definition("taken", &team, json!({"active": false})))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = app.request(Method::GET, "/api/v1/public/forms/taken", None).send().await.unwrap();
    assert_eq!(res.status(), 404);
}

/// A page server on its own port (another origin than the API's).
async fn page_server(html: String) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let html = html.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let _ = socket.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    html.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(html.as_bytes()).await;
            });
        }
    });
    url
}

#[tokio::test]
async fn a_website_on_another_origin_embeds_the_form_in_a_real_browser_and_a_persons_fill_in_becomes_a_call() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let team = id(&create(&app, &admin, "/api/v1/teams", json!({"name": "Heating"})).await);
    let page = format!(
        "<!DOCTYPE html><html><head><title>Acme Heating</title></head><body><h1>Contact us</h1><div id=\"servdesk-form\"></div>\
         <script src=\"{}/api/v1/public/forms/embedded/embed.js\" data-target=\"#servdesk-form\"></script></body></html>",
        app.base
    );
    let allowed = page_server(page.clone()).await;
    let other = page_server(page).await;
    let extra = json!({"allowed_origins": [allowed], "min_fill_seconds": 1, "language": "hr"});
    create(&app, &admin, "/api/v1/forms", definition("embedded", &team, extra)).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/embed_form.js");
    let (a, o) = (format!("{allowed}/"), format!("{other}/"));
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(&script).arg(&a).arg(&o).output().unwrap_or_else(|e| {
            panic!("cannot run node ({e}); the browser test needs Node.js, Debian's chromium and `npm ci --prefix tests/browser` (.ci/run does all three)")
        })
    })
    .await
    .unwrap();
    assert!(output.status.success(), "browser run failed: {}", String::from_utf8_lossy(&output.stderr));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["requiredError"], "Ovo polje je obavezno.", "{result}");
    assert_eq!(result["invalidFields"], json!(["name", "email", "department", "message"]));
    assert_eq!(result["success"], "Thank you, we will call you back.");
    assert_eq!(result["blockedForm"], 0, "a site not on the list gets no form");
    assert_eq!(result["errors"], json!([]));
    let calls = web_calls(&app, &admin).await;
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["from_email"], "ivo@example.com");
}
