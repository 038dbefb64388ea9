//! Field completion (one multipart request, all or nothing) and the intervention report,
//! read back with poppler's `pdftotext`.

use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::attachments::stored_objects;
use crate::support::{TestApp, create, expect_problem, id};

/// A JPEG photo made on the spot: a gradient with a disc.
fn jpeg_photo(width: u16, height: u16) -> Vec<u8> {
    let mut pixels = Vec::with_capacity(usize::from(width) * usize::from(height) * 3);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (i32::from(x) - i32::from(width) / 2, i32::from(y) - i32::from(height) / 2);
            let inside = dx * dx + dy * dy < i32::from(height / 4).pow(2);
            let shade = u8::try_from(u32::from(x) * 255 / u32::from(width)).unwrap();
            pixels.extend_from_slice(&if inside { [250, 250, 250] } else { [40, shade, 200] });
        }
    }
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 80).encode(&pixels, width, height, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

/// A PNG with transparency, like a signature drawn on a phone: a dark stroke on nothing.
fn png_signature(width: u32, height: u32) -> Vec<u8> {
    let mut pixels = vec![0u8; (width * height * 4) as usize];
    for x in 0..width {
        let y = (f64::from(height) / 2.0 + (f64::from(x) / 9.0).sin() * f64::from(height) / 4.0) as u32;
        for dy in 0..3 {
            let i = (((y + dy).min(height - 1) * width + x) * 4) as usize;
            pixels[i..i + 4].copy_from_slice(&[20, 20, 90, 255]);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.write_header().unwrap().write_image_data(&pixels).unwrap();
    out
}

fn part(name: &str, content_type: &str, bytes: Vec<u8>) -> Part {
    Part::bytes(bytes).file_name(name.to_owned()).mime_str(content_type).unwrap()
}

async fn complete(app: &TestApp, token: &str, task: &Value, data: Value, files: Vec<(&str, Part)>) -> reqwest::Response {
    let form = files.into_iter().fold(Form::new().text("data", data.to_string()), |form, (name, part)| form.part(name.to_owned(), part));
    app.request(Method::POST, &format!("/api/v1/tasks/{}/completion", id(task)), Some(token)).multipart(form).send().await.unwrap()
}

/// A ticket on a unit of a customer with a site and a contact, and a Repair task on it given to
/// a technician: `(ticket, task, technician token)`.
async fn field_job(app: &TestApp, admin: &str) -> (Value, Value, String) {
    let (tech_id, tech) = app.user_with("technician", json!({"cost_rate_minor": 4000})).await;
    let customer = create(app, admin, "/api/v1/customers", json!({"name": "Zakład Wodociągów Łódź"})).await;
    let location = create(
        app,
        admin,
        &format!("/api/v1/customers/{}/locations", id(&customer)),
        json!({"name": "Stacja pomp 3", "address_line": "ul. Wólczańska 128", "postal_code": "90-001", "city": "Łódź", "country": "PL"}),
    )
    .await;
    let contact = create(
        app,
        admin,
        "/api/v1/contacts",
        json!({"customer_id": id(&customer), "name": "Józef Kowalski", "email": "jozef@wodociagi.example", "phones": ["+48 42 111 22 33"]}),
    )
    .await;
    let product = create(app, admin, "/api/v1/products", json!({"name": "Grundfos CR 10"})).await;
    let unit = create(
        app,
        admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "GF-2024-7781", "customer_id": id(&customer)}),
    )
    .await;
    let ticket = create(
        app,
        admin,
        "/api/v1/tickets",
        json!({"title": "Pump 3 loses pressure", "customer_id": id(&customer), "location_id": id(&location), "contact_id": id(&contact), "equipment_id": id(&unit)}),
    )
    .await;
    let categories: Value = app.get("/api/v1/dictionaries/task-categories?limit=50", admin).await.json().await.unwrap();
    let repair = categories["items"].as_array().unwrap().iter().find(|c| c["name"] == "Repair").unwrap().clone();
    let task = create(
        app,
        admin,
        &format!("/api/v1/tickets/{}/tasks", id(&ticket)),
        json!({"title": "Replace the pressure sensor", "category_id": id(&repair), "assignee_id": tech_id, "planned_start": "2026-11-24T08:00:00Z", "planned_end": "2026-11-24T11:00:00Z"}),
    )
    .await;
    (ticket, task, tech)
}

#[tokio::test]
async fn a_field_completion_stores_everything_at_once_and_the_report_shows_it() {
    let app = TestApp::spawn_with(|c| {
        c.company_name = "Serwis Pomp Kraków sp. z o.o.".to_owned();
        c.company_address = Some("ul. Długa 5, 31-147 Kraków, NIP 676-000-00-00".to_owned());
        c.currency = "PLN".to_owned();
    })
    .await;
    let admin = app.admin_token().await;
    let (ticket, task, tech) = field_job(&app, &admin).await;
    let lines: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&task)), &tech).await.json().await.unwrap();
    let lines = lines.as_array().unwrap().clone();
    assert_eq!(lines.len(), 3, "the Repair template");

    let started = (chrono::Utc::now() - chrono::Duration::minutes(120)).to_rfc3339();
    let ended = (chrono::Utc::now() - chrono::Duration::minutes(30)).to_rfc3339();
    let data = json!({
        "work_done": "Wymieniono czujnik ciśnienia PS-10; próba szczelności 4 bar przez 30 min — OK.",
        "checklist": [{"item_id": lines[0]["id"], "checked": true}, {"item_id": lines[1]["id"], "checked": true}],
        "materials": [
            {"description": "Pressure sensor PS-10", "quantity": 1, "unit": "pcs", "unit_price_minor": 8900},
            {"description": "Cable 3x1.5", "quantity": 1.5, "unit": "m", "unit_price_minor": 1250}
        ],
        "signer_name": "Józef Kowalski",
        "time_entries": [{"started_at": started, "ended_at": ended, "note": "On site"}]
    });
    let files = vec![
        ("photo", part("before.jpg", "image/jpeg", jpeg_photo(800, 600))),
        ("photo", part("after.png", "image/png", png_signature(300, 200))),
        ("signature", part("signature.png", "image/png", png_signature(400, 150))),
    ];
    let res = complete(&app, &tech, &task, data, files).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["task"]["status"], "done");
    assert_eq!(done["task"]["time"]["minutes"], 90);
    assert_eq!(done["materials_total_minor"], 8900 + 1875);
    assert_eq!(done["materials"][1]["quantity"], "1.5");
    assert_eq!(done["photos"].as_array().unwrap().len(), 2);
    assert_eq!(done["signature"]["signer_name"], "Józef Kowalski");
    assert_eq!(done["signature"]["attachment"]["kind"], "signature");
    let ticket_now: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(ticket_now["status"]["class"], "closed", "its only task is done");
    assert_eq!(ticket_now["progress"]["checklist_checked"], 2);
    let again: Value = app.get(&format!("/api/v1/tasks/{}/completion", id(&task)), &admin).await.json().await.unwrap();
    assert_eq!(again["work_done"], done["work_done"]);

    let res = app.get(done["report_url"].as_str().unwrap(), &admin).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let path = app.state.config.data_dir.join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    if let Ok(copy) = std::env::var("SERVDESK_KEEP_REPORT") {
        std::fs::copy(&path, copy).unwrap();
    }
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Serwis Pomp Kraków sp. z o.o.",
        "Intervention report",
        ticket["number"].as_str().unwrap(),
        task["number"].as_str().unwrap(),
        "Zakład Wodociągów Łódź",
        "ul. Wólczańska 128",
        "Józef Kowalski",
        "+48421112233",
        "Grundfos CR 10, serial GF-2024-7781",
        "Warranty",
        "Wymieniono czujnik ciśnienia PS-10",
        "Replace the faulty part",
        "Functional test",
        "1 h 30 min",
        "Pressure sensor PS-10",
        "89.00 PLN",
        "18.75 PLN",
        "107.75 PLN",
        "before.jpg",
        "Signed by",
    ] {
        assert!(text.contains(expected), "the report lacks {expected:?}:\n{text}");
    }
    let documents: Value = app.get(&format!("/api/v1/tickets/{}/documents", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(documents.as_array().unwrap().len(), 1);
    assert_eq!(documents[0]["kind"], "intervention_report");
    assert_eq!(documents[0]["number"], format!("IR-{}", task["number"].as_str().unwrap()));
    let kept = app.get(documents[0]["file_url"].as_str().unwrap(), &admin).await.bytes().await.unwrap();
    assert_eq!(kept, pdf, "the kept document is the report served");
    let second = app.get(done["report_url"].as_str().unwrap(), &tech).await.bytes().await.unwrap();
    assert_eq!(second, pdf, "a done task's report is generated once");
}

#[tokio::test]
async fn an_invalid_part_refuses_the_whole_completion_and_keeps_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (ticket, task, tech) = field_job(&app, &admin).await;
    let lines: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&task)), &tech).await.json().await.unwrap();
    let good =
        || json!({"work_done": "Done", "materials": [{"description": "Seal", "quantity": 2, "unit": "pcs", "unit_price_minor": 300}]});
    let photo = || ("photo", part("photo.jpg", "image/jpeg", jpeg_photo(64, 48)));
    let signature = || ("signature", part("sig.png", "image/png", png_signature(120, 40)));

    let mut bad_quantity = good();
    bad_quantity["materials"][0]["quantity"] = json!(1.2345);
    let body = expect_problem(complete(&app, &tech, &task, bad_quantity, vec![photo()]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "materials[0].quantity");
    let text_as_photo = ("photo", part("notes.txt", "text/plain", b"just words".to_vec()));
    let body = expect_problem(complete(&app, &tech, &task, good(), vec![photo(), text_as_photo]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "not_a_photo");
    let disguised = ("photo", part("fake.jpg", "image/jpeg", b"GIF89a not really".to_vec()));
    expect_problem(complete(&app, &tech, &task, good(), vec![photo(), disguised]).await, 422, "validation_failed").await;
    let body = expect_problem(complete(&app, &tech, &task, good(), vec![signature()]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "signature_incomplete");
    let jpeg_signature = ("signature", part("sig.jpg", "image/jpeg", jpeg_photo(64, 48)));
    let mut signed = good();
    signed["signer_name"] = json!("Ana");
    let body = expect_problem(complete(&app, &tech, &task, signed, vec![jpeg_signature]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["code"], "not_png");
    // Found only inside the transaction, after the files were stored: they go too.
    let mut stranger = good();
    stranger["checklist"] = json!([{"item_id": uuid::Uuid::now_v7(), "checked": true}]);
    stranger["signer_name"] = json!("Ana");
    let body = expect_problem(complete(&app, &tech, &task, stranger, vec![photo(), signature()]).await, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "checklist[0].item_id");
    let no_data = Form::new().part("photo", part("p.jpg", "image/jpeg", jpeg_photo(32, 32)));
    let res =
        app.request(Method::POST, &format!("/api/v1/tasks/{}/completion", id(&task)), Some(&tech)).multipart(no_data).send().await.unwrap();
    let body = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "data");

    assert!(stored_objects(&app).is_empty(), "no file of a refused completion is kept");
    let files: Value = app.get(&format!("/api/v1/tickets/{}/attachments", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(files["items"].as_array().unwrap().is_empty());
    let still: Value = app.get(&format!("/api/v1/tasks/{}", id(&task)), &tech).await.json().await.unwrap();
    assert_eq!(still["status"], "scheduled");
    let unchanged: Value = app.get(&format!("/api/v1/tasks/{}/checklist", id(&task)), &tech).await.json().await.unwrap();
    assert_eq!(unchanged, lines);
    expect_problem(app.get(&format!("/api/v1/tasks/{}/completion", id(&task)), &tech).await, 404, "not_found").await;

    // An open task's report is a work order, not kept.
    let res = app.get(&format!("/api/v1/tasks/{}/report.pdf", id(&task)), &tech).await;
    assert_eq!(res.status(), 200);
    let docs: Value = app.get(&format!("/api/v1/tickets/{}/documents", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(docs.as_array().unwrap().is_empty());

    assert_eq!(complete(&app, &tech, &task, good(), vec![]).await.status(), 201);
    expect_problem(complete(&app, &tech, &task, good(), vec![]).await, 409, "task_closed").await;
}

#[tokio::test]
async fn a_completion_that_arrives_late_is_changed_now_so_a_sync_by_updated_since_sees_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, task, tech) = field_job(&app, &admin).await;
    let before = chrono::Utc::now();
    let finished_offline = (before - chrono::Duration::hours(3)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let res = complete(&app, &tech, &task, json!({"work_done": "Sensor replaced", "completed_at": finished_offline}), Vec::new()).await;
    assert_eq!(res.status(), 201);
    let done: Value = app.get(&format!("/api/v1/tasks/{}", id(&task)), &admin).await.json().await.unwrap();
    let at = |field: &str| chrono::DateTime::parse_from_rfc3339(done[field].as_str().unwrap()).unwrap();
    assert_eq!(at("completed_at"), chrono::DateTime::parse_from_rfc3339(&finished_offline).unwrap(), "when the work ended");
    assert!(at("updated_at") >= before - chrono::Duration::seconds(1), "changed when it arrived: {done}");
    let since = (before - chrono::Duration::seconds(1)).to_rfc3339().replace('+', "%2B");
    let synced: Value = app.get(&format!("/api/v1/tasks?updated_since={since}"), &admin).await.json().await.unwrap();
    assert!(synced["items"].as_array().unwrap().iter().any(|t| t["id"] == task["id"]), "{synced}");
}

#[tokio::test]
async fn the_signed_off_record_stays_and_its_report_is_kept_once_however_many_read_it_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (ticket, task, tech) = field_job(&app, &admin).await;
    let files = vec![
        ("photo", part("before.jpg", "image/jpeg", jpeg_photo(80, 60))),
        ("signature", part("signature.png", "image/png", png_signature(40, 15))),
    ];
    let res = complete(&app, &tech, &task, json!({"work_done": "Done", "signer_name": "Józef"}), files).await;
    assert_eq!(res.status(), 201);
    let path = format!("/api/v1/tasks/{}/report.pdf", id(&task));
    let reads = (0..4).map(|_| app.get(&path, &admin));
    for res in futures_util::future::join_all(reads).await {
        assert_eq!(res.status(), 200, "every first read gets the report");
    }
    let documents: Value = app.get(&format!("/api/v1/tickets/{}/documents", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(documents.as_array().unwrap().len(), 1, "{documents}");
    let attachments: Value = app.get(&format!("/api/v1/tickets/{}/attachments", id(&ticket)), &admin).await.json().await.unwrap();
    let kinds: Vec<&str> = attachments["items"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "report").count(), 1, "{kinds:?}");
    for attachment in attachments["items"].as_array().unwrap() {
        let res = app.delete(&format!("/api/v1/attachments/{}", id(attachment)), &admin).await;
        expect_problem(res, 409, "attachment_signed_off").await;
    }
}
