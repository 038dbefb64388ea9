//! Tickets: numbering under concurrency, defaults, serial and warranty rules, field changes
//! on the timeline, who sees what, filters.

use std::collections::HashSet;

use chrono::Datelike;
use reqwest::Method;
use serde_json::{Value, json};
use servdesk_domain::numbering::Scheme;

use crate::support::{TestApp, create, expect_problem, id};

fn field_errors(problem: &Value) -> Vec<String> {
    problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
}

/// Two hundred creates at once, under either numbering scheme: each gets its own number and,
/// as none fails, together they are 1 to 200.
async fn two_hundred_concurrent_creates(scheme: Scheme) {
    // SQLite's one connection serves the two hundred in turn: on a busy machine the last ones
    // would wait past the default acquire timeout (and answer 503), which is not under test.
    let app = TestApp::spawn_with(|c| {
        c.numbering = scheme;
        c.database_acquire_timeout = std::time::Duration::from_secs(60);
    })
    .await;
    let (_, agent) = app.user("agent").await;
    let creates = (0..200).map(|i| app.post("/api/v1/tickets", &agent, json!({"title": format!("Ticket {i}")})));
    let responses = futures_util::future::join_all(creates).await;
    let mut numbers = Vec::new();
    for res in responses {
        assert_eq!(res.status(), 201);
        numbers.push(res.json::<Value>().await.unwrap()["number"].as_str().unwrap().to_owned());
    }
    let year = chrono::Utc::now().year();
    let expected: HashSet<String> = (1..=200).map(|n| format!("T-{year}-{n:06}")).collect();
    assert_eq!(numbers.iter().cloned().collect::<HashSet<_>>(), expected, "distinct, consecutive, none skipped");
}

#[tokio::test]
async fn two_hundred_concurrent_creates_get_two_hundred_consecutive_gapless_numbers() {
    two_hundred_concurrent_creates(Scheme::Gapless).await;
}

#[tokio::test]
async fn two_hundred_concurrent_creates_get_two_hundred_distinct_increasing_numbers() {
    two_hundred_concurrent_creates(Scheme::Increasing).await;
}

#[tokio::test]
async fn a_new_ticket_gets_the_default_status_and_priority_and_a_created_event() {
    let app = TestApp::spawn().await;
    let (user_id, agent) = app.user("agent").await;
    let res = app.post("/api/v1/tickets", &agent, json!({"title": "  Boiler makes noise ", "tags": ["noise", " noise", "boiler"]})).await;
    assert_eq!(res.status(), 201);
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/api/v1/tickets/"));
    assert_eq!(res.headers()["etag"], "\"1\"");
    let ticket: Value = res.json().await.unwrap();
    assert_eq!(ticket["title"], "Boiler makes noise");
    assert_eq!(ticket["status"]["name"], "New");
    assert_eq!(ticket["status"]["class"], "new");
    assert_eq!(ticket["channel"], "phone");
    assert_eq!(ticket["tags"], json!(["boiler", "noise"]));
    assert_eq!(ticket["created_by"], user_id);
    let priorities: Value = app.get("/api/v1/dictionaries/priorities", &agent).await.json().await.unwrap();
    let normal = priorities["items"].as_array().unwrap().iter().find(|p| p["name"] == "Normal").unwrap();
    assert_eq!(ticket["priority_id"], normal["id"]);

    let stored: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &agent).await.json().await.unwrap();
    assert_eq!(stored, ticket, "the create's answer is what was stored");

    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &agent).await.json().await.unwrap();
    assert_eq!(events["items"].as_array().unwrap().len(), 1);
    assert_eq!(events["items"][0]["kind"], "created");
    assert_eq!(events["items"][0]["actor_user_id"], user_id);
    assert_eq!(events["items"][0]["data"]["number"], ticket["number"]);

    // An integration's ticket comes through channel `api`.
    let admin = app.admin_token().await;
    let key: Value =
        app.post("/api/v1/api-keys", &admin, json!({"name": "Monitoring", "scopes": ["tickets:write"]})).await.json().await.unwrap();
    let from_api = create(&app, key["secret"].as_str().unwrap(), "/api/v1/tickets", json!({"title": "Disk full on srv-1"})).await;
    assert_eq!(from_api["channel"], "api");
    assert!(from_api["created_by"].is_null());
}

#[tokio::test]
async fn a_known_serial_links_its_equipment_and_an_unknown_one_must_fit_the_product() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Tiskarna"})).await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "LaserJet X1", "serial_pattern": "X1-[0-9]{6}"})).await;
    let unit = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "X1-000001", "customer_id": id(&customer)}),
    )
    .await;

    let linked = create(&app, &admin, "/api/v1/tickets", json!({"title": "Jam", "serial_number": "X1-000001"})).await;
    assert_eq!(linked["equipment_id"], unit["id"]);
    assert_eq!(linked["customer_id"], customer["id"], "the customer defaults from the equipment");

    let res = app.post("/api/v1/tickets", &admin, json!({"title": "Jam", "serial_number": "X1-999999"})).await;
    assert_eq!(field_errors(&expect_problem(res, 422, "validation_failed").await), ["product_id"]);
    let res = app.post("/api/v1/tickets", &admin, json!({"title": "Jam", "serial_number": "Q-1", "product_id": id(&product)})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(field_errors(&problem), ["serial_number"]);
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("X1-[0-9]{6}"));
    let unregistered =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Jam", "serial_number": "X1-999999", "product_id": id(&product)})).await;
    assert_eq!(unregistered["serial_number"], "X1-999999");
    assert!(unregistered["equipment_id"].is_null());
}

#[tokio::test]
async fn the_warranty_flag_follows_the_equipment_and_an_override_needs_a_reason() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Boiler", "default_warranty_months": 24})).await;
    let unit = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "B-1", "installed_on": "2025-01-15"}),
    )
    .await;
    let inside =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "equipment_id": id(&unit), "reported_at": "2027-01-15T10:00:00Z"}))
            .await;
    assert_eq!((inside["warranty"].as_bool(), inside["warranty_default"].as_bool()), (Some(true), Some(true)));
    let outside =
        create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "equipment_id": id(&unit), "reported_at": "2027-01-16T10:00:00Z"}))
            .await;
    assert_eq!(outside["warranty"], false);

    let res = app
        .post(
            "/api/v1/tickets",
            &admin,
            json!({"title": "Leak", "equipment_id": id(&unit), "reported_at": "2027-06-01T00:00:00Z", "warranty": true}),
        )
        .await;
    assert_eq!(field_errors(&expect_problem(res, 422, "validation_failed").await), ["warranty_reason"]);
    let goodwill = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Leak", "equipment_id": id(&unit), "reported_at": "2027-06-01T00:00:00Z", "warranty": true, "warranty_reason": "Goodwill: same fault as last month"}),
    )
    .await;
    assert_eq!(
        (goodwill["warranty"].as_bool(), goodwill["warranty_default"].as_bool(), goodwill["warranty_override_reason"].as_str()),
        (Some(true), Some(false), Some("Goodwill: same fault as last month"))
    );

    // Back to the default via PATCH clears the reason; the change is on the timeline.
    let path = format!("/api/v1/tickets/{}", id(&goodwill));
    let reverted: Value = app.patch(&path, &admin, json!({"warranty": false})).await.json().await.unwrap();
    assert_eq!((reverted["warranty"].as_bool(), reverted["warranty_override_reason"].as_str()), (Some(false), None));
}

#[tokio::test]
async fn contact_and_location_must_belong_to_the_tickets_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = create(&app, &admin, "/api/v1/customers", json!({"name": "A"})).await;
    let b = create(&app, &admin, "/api/v1/customers", json!({"name": "B"})).await;
    let contact_of_b = create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&b), "name": "Bo"})).await;
    let res = app.post("/api/v1/tickets", &admin, json!({"title": "X", "customer_id": id(&a), "contact_id": id(&contact_of_b)})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "contact_of_another_customer");
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "X", "contact_id": id(&contact_of_b)})).await;
    assert_eq!(ticket["customer_id"], b["id"], "the customer defaults from the contact");
    let res = app.post("/api/v1/tickets", &admin, json!({"title": "X", "priority_id": id(&a)})).await;
    assert_eq!(field_errors(&expect_problem(res, 422, "validation_failed").await), ["priority_id"]);
}

#[tokio::test]
async fn field_changes_are_guarded_by_if_match_and_recorded_with_before_and_after() {
    let app = TestApp::spawn().await;
    let (agent_id, agent) = app.user("agent").await;
    let ticket = create(&app, &agent, "/api/v1/tickets", json!({"title": "Printer", "description": "Jams"})).await;
    let path = format!("/api/v1/tickets/{}", id(&ticket));

    let res = app
        .request(Method::PATCH, &path, Some(&agent))
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Printer jams", "description": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["etag"], "\"2\"");
    let changed: Value = res.json().await.unwrap();
    assert!(changed["description"].is_null());

    let res = app
        .request(Method::PATCH, &path, Some(&agent))
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Lost update"}))
        .send()
        .await
        .unwrap();
    expect_problem(res, 412, "stale_version").await;

    let untouched: Value = app.patch(&path, &agent, json!({"paid": true})).await.json().await.unwrap();
    assert_eq!(untouched["title"], "Printer jams", "absent fields stay");

    let events: Value = app.get(&format!("{path}/events"), &agent).await.json().await.unwrap();
    let kinds: Vec<&str> = events["items"].as_array().unwrap().iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["created", "fields_changed", "fields_changed"], "the refused update left no event");
    let first_change = &events["items"][1];
    assert_eq!(first_change["actor_user_id"], agent_id);
    assert_eq!(first_change["data"]["title"], json!({"before": "Printer", "after": "Printer jams"}));
    assert_eq!(first_change["data"]["description"], json!({"before": "Jams", "after": null}));
    assert!(first_change["data"].get("version").is_none());

    // Paging the timeline.
    let first: Value = app.get(&format!("{path}/events?limit=2"), &agent).await.json().await.unwrap();
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest: Value = app.get(&format!("{path}/events?limit=2&cursor={cursor}"), &agent).await.json().await.unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert!(rest["next_cursor"].is_null());
}

#[tokio::test]
async fn agents_see_their_teams_tickets_technicians_their_own_and_hidden_is_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (member_id, member) = app.user("agent").await;
    let (_, outsider) = app.user("agent").await;
    let (tech_id, technician) = app.user("technician").await;
    let (_, partner) = app.user("partner").await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Service"})).await;
    app.post(&format!("/api/v1/teams/{}/members", id(&team)), &admin, json!({"user_id": member_id})).await;

    let queued = create(&app, &admin, "/api/v1/tickets", json!({"title": "In the queue", "team_id": id(&team)})).await;
    let assigned = create(&app, &admin, "/api/v1/tickets", json!({"title": "For the technician", "assignee_id": tech_id})).await;
    let path = format!("/api/v1/tickets/{}", id(&queued));

    assert_eq!(app.get(&path, &member).await.status(), 200);
    expect_problem(app.get(&path, &outsider).await, 404, "not_found").await;
    expect_problem(app.patch(&path, &outsider, json!({"title": "Mine now"})).await, 404, "not_found").await;
    expect_problem(app.get(&path, &technician).await, 404, "not_found").await;
    assert_eq!(app.get(&format!("/api/v1/tickets/{}", id(&assigned)), &technician).await.status(), 200);
    expect_problem(app.get(&path, &partner).await, 403, "forbidden").await;

    let listed = |token: String| {
        let app = &app;
        async move {
            let page: Value = app.get("/api/v1/tickets", &token).await.json().await.unwrap();
            page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    assert_eq!(listed(member.clone()).await, ["In the queue"]);
    assert!(listed(outsider.clone()).await.is_empty());
    assert_eq!(listed(technician.clone()).await, ["For the technician"]);
    assert_eq!(listed(admin.clone()).await.len(), 2);
}

#[tokio::test]
async fn tickets_filter_by_status_class_queue_and_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Filtered"})).await;
    let (tech_id, _) = app.user("technician").await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Unassigned for customer", "customer_id": id(&customer)})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Assigned", "assignee_id": tech_id})).await;
    let titles = |v: Value| v["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>();
    let by_customer: Value = app.get(&format!("/api/v1/tickets?customer_id={}", id(&customer)), &admin).await.json().await.unwrap();
    assert_eq!(titles(by_customer), ["Unassigned for customer"]);
    let queue: Value = app.get("/api/v1/tickets?unassigned=true", &admin).await.json().await.unwrap();
    assert_eq!(titles(queue), ["Unassigned for customer"]);
    let new: Value = app.get("/api/v1/tickets?status_class=new", &admin).await.json().await.unwrap();
    assert_eq!(titles(new).len(), 2);
    let closed: Value = app.get("/api/v1/tickets?status_class=closed", &admin).await.json().await.unwrap();
    assert!(titles(closed).is_empty());
    expect_problem(app.get("/api/v1/tickets?status_class=sleeping", &admin).await, 400, "invalid_query").await;
    // A status in use can no longer be deleted.
    let statuses: Value = app.get("/api/v1/dictionaries/ticket-statuses", &admin).await.json().await.unwrap();
    let new_status = statuses["items"].as_array().unwrap().iter().find(|s| s["name"] == "New").unwrap();
    let other_new =
        create(&app, &admin, "/api/v1/dictionaries/ticket-statuses", json!({"name": "Fresh", "class": "new", "is_default": true})).await;
    assert_eq!(other_new["is_default"], true);
    // A ticket in a status added a moment ago is listed under its class at once.
    let fresh = create(&app, &admin, "/api/v1/tickets", json!({"title": "Fresh one"})).await;
    assert_eq!(fresh["status"]["id"], other_new["id"]);
    let new: Value = app.get("/api/v1/tickets?status_class=new", &admin).await.json().await.unwrap();
    assert_eq!(titles(new).len(), 3);
    expect_problem(
        app.delete(&format!("/api/v1/dictionaries/ticket-statuses/{}", new_status["id"].as_str().unwrap()), &admin).await,
        409,
        "dictionary_entry_in_use",
    )
    .await;
}

#[tokio::test]
async fn full_text_search_finds_every_word_in_fields_and_comments_and_the_exact_number() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let pump = create(&app, &admin, "/api/v1/tickets", json!({"title": "Črpalka P-7 ne dela", "description": "Pressure too low"})).await;
    let oven = create(&app, &admin, "/api/v1/tickets", json!({"title": "Oven cold", "details": "Thermostat replaced last year"})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Printer jam"})).await;
    app.post(
        &format!("/api/v1/tickets/{}/comments", id(&oven)),
        &admin,
        json!({"visibility": "internal", "body": "Ordered a new heating element"}),
    )
    .await;

    let search = |q: &'static str| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut url = reqwest::Url::parse(&app.url("/api/v1/tickets")).unwrap();
            url.query_pairs_mut().append_pair("q", q);
            let page: Value = app.client.get(url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
            let mut titles: Vec<String> =
                page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect();
            titles.sort();
            titles
        }
    };
    assert_eq!(search("črpalka").await, ["Črpalka P-7 ne dela"], "case-insensitive, diacritics kept");
    assert_eq!(search("PRESSURE low").await, ["Črpalka P-7 ne dela"], "every word, any case");
    assert!(search("pressure oven").await.is_empty(), "all words must match");
    assert_eq!(search("heating").await, ["Oven cold"], "comments are searched");
    assert_eq!(search("thermostat").await, ["Oven cold"], "details are searched");
    assert_eq!(
        search(Box::leak(pump["number"].as_str().unwrap().to_owned().into_boxed_str())).await,
        ["Črpalka P-7 ne dela"],
        "the number"
    );
    // A renamed ticket is found by its new title only.
    app.patch(&format!("/api/v1/tickets/{}", id(&pump)), &admin, json!({"title": "Pump P-7 broken"})).await;
    assert!(search("črpalka").await.is_empty());
    assert_eq!(search("broken").await, ["Pump P-7 broken"]);
}

#[tokio::test]
async fn a_search_pages_through_every_match_in_creation_order_both_ways_with_or_without_other_filters() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut matching = Vec::new();
    for i in 0..12 {
        // Every third ticket has both words; the others one of them.
        let title = match i % 3 {
            0 => format!("Valve {i} leaking"),
            1 => format!("Valve {i} replaced"),
            _ => format!("Hose {i} leaking"),
        };
        create(&app, &admin, "/api/v1/tickets", json!({"title": title, "description": "reported by phone"})).await;
        if i % 3 == 0 {
            matching.push(title);
        }
    }
    let other = create(&app, &admin, "/api/v1/tickets", json!({"title": "Tap dripping"})).await;
    app.post(&format!("/api/v1/tickets/{}/comments", id(&other)), &admin, json!({"visibility": "internal", "body": "Valve is LEAKING"}))
        .await;
    matching.push("Tap dripping".to_owned());
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Printer jam"})).await;
    let pages = |query: &'static str| {
        let (app, admin) = (&app, admin.clone());
        async move {
            let (mut titles, mut cursor) = (Vec::new(), None::<String>);
            loop {
                let after = cursor.as_deref().map(|c| format!("&cursor={c}")).unwrap_or_default();
                let page: Value =
                    app.get(&format!("/api/v1/tickets?q=valve+leaking&limit=2{query}{after}"), &admin).await.json().await.unwrap();
                titles.extend(page["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()));
                match page["next_cursor"].as_str() {
                    Some(next) => cursor = Some(next.to_owned()),
                    None => break titles,
                }
            }
        }
    };
    // The words alone are answered from the search table's order; with another filter the
    // ticket list drives: the same tickets either way, in the same order, page after page.
    assert_eq!(pages("").await, matching);
    assert_eq!(pages("&unassigned=true").await, matching);
    let newest_first: Vec<String> = matching.iter().rev().cloned().collect();
    assert_eq!(pages("&sort=-created").await, newest_first);
    assert_eq!(pages("&sort=-created&unassigned=true").await, newest_first);
}

#[tokio::test]
async fn a_search_reads_the_postings_its_document_changes_keep_and_finds_the_same_matches_whichever_words_lead() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return; // SQLite's FTS5 table is the inverted index; the postings are PostgreSQL's.
    }
    use sea_orm::ConnectionTrait;
    use servdesk_persistence::search::{Chunks, Words};
    let admin = app.admin_token().await;
    let mut tickets = Vec::new();
    for i in 0..40 {
        // "fax" only in the oldest three, "site" in all, "noisy" in every second one.
        let via = if i < 3 { "fax" } else { "phone" };
        let fault = if i % 2 == 0 { "noisy" } else { "cold" };
        let title = format!("Boiler {fault} at site {i}");
        // "x½y" is one word to the search box and the phrase 'x' <-> 'y' to PostgreSQL.
        let part = if i % 4 == 0 { "x½y" } else { "y and x" };
        let description = format!("Reported by {via}, part {part}");
        tickets.push(create(&app, &admin, "/api/v1/tickets", json!({"title": title, "description": description})).await);
    }
    // A document gains words (a comment) and loses some (a new title).
    let commented = id(&tickets[30]);
    let comment = json!({"body": "Customer sent a FAX", "visibility": "internal"});
    assert_eq!(app.post(&format!("/api/v1/tickets/{commented}/comments"), &admin, comment).await.status(), 201);
    let retitled = id(&tickets[20]);
    assert_eq!(app.patch(&format!("/api/v1/tickets/{retitled}"), &admin, json!({"title": "Boiler quiet now"})).await.status(), 200);
    let rows = |sql: &'static str| async move {
        let rows = db.query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql)).await.unwrap();
        rows.iter().map(|r| r.try_get_by_index::<i64>(0).unwrap()).collect::<Vec<_>>()
    };
    // Every document's words are its postings, and nothing else is.
    let postings_match_documents = || async {
        rows("SELECT count(*) FROM ((SELECT l, ticket_id FROM ticket_search, unnest(tsvector_to_array(ts)) AS l EXCEPT SELECT term, ticket_id FROM ticket_terms) \
              UNION ALL (SELECT term, ticket_id FROM ticket_terms EXCEPT SELECT l, ticket_id FROM ticket_search, unnest(tsvector_to_array(ts)) AS l)) AS differing")
            .await
    };
    assert_eq!(postings_match_documents().await, [0], "postings after creates, a comment and a new title");
    assert_eq!(rows("SELECT count(*) FROM ticket_terms WHERE term = 'site'").await, [39], "the new title has no 'site'");
    db.execute_unprepared(&format!("DELETE FROM ticket_search WHERE ticket_id = '{commented}'")).await.unwrap();
    assert_eq!(postings_match_documents().await, [0], "a removed document's postings go with it");
    servdesk_persistence::search::refresh(db, commented.parse().unwrap()).await.unwrap();
    assert_eq!(postings_match_documents().await, [0], "and come back with it");

    let expected = |q: &'static str, descending: bool| async move {
        let sql = format!(
            "SELECT ticket_id FROM ticket_search WHERE ts @@ to_tsquery('simple', '{}') ORDER BY ticket_id {}",
            q.replace(' ', " & "),
            if descending { "DESC" } else { "ASC" }
        );
        let rows = db.query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, sql)).await.unwrap();
        rows.iter().map(|r| r.try_get_by_index::<uuid::Uuid>(0).unwrap()).collect::<Vec<_>>()
    };
    let chunks = Chunks { first: 2 };
    // Led by all its words, a search needs no document, unless a word is several lexemes.
    let searches: [(&str, &[&[&str]]); 5] = [
        ("noisy site", &[&["noisy"], &["site"], &["noisy", "site"], &["site", "noisy"]]),
        ("fax", &[&["fax"]]),
        ("fax boiler", &[&["fax"], &["boiler"], &["fax", "boiler"], &["boiler", "fax"]]),
        ("site", &[&["site"]]),
        ("x½y", &[&["x½y"]]),
    ];
    for (q, leaders) in searches {
        for descending in [false, true] {
            let all = expected(q, descending).await;
            assert!(!all.is_empty());
            for leaders in leaders {
                let words = Words::led_by(q, descending, leaders);
                // From the start and after each match, pages of five: every one is the next five.
                for start in 0..all.len() {
                    let after = start.checked_sub(1).map(|i: usize| all[i]);
                    let page = words.first_matches_in(db, after, 5, chunks).await.unwrap();
                    assert_eq!(
                        page,
                        all[start..(start + 5).min(all.len())],
                        "{q:?} led by {leaders:?}, descending={descending}, after #{start}"
                    );
                }
            }
        }
    }
    assert!(Words::plan(db, " -- ", true).await.unwrap().is_none(), "no terms, no search");
}

#[tokio::test]
async fn similar_lists_closed_tickets_with_the_same_unit_or_words_best_first() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Pump"})).await;
    let unit = create(&app, &admin, "/api/v1/equipment", json!({"product_id": id(&product), "serial_number": "P-7"})).await;
    let past_unit = create(&app, &admin, "/api/v1/tickets", json!({"title": "Annual service", "equipment_id": id(&unit)})).await;
    let past_words = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pressure sensor faulty"})).await;
    let still_open = create(&app, &admin, "/api/v1/tickets", json!({"title": "Pressure sensor again", "equipment_id": id(&unit)})).await;
    create(&app, &admin, "/api/v1/tickets", json!({"title": "Printer jam"})).await;
    for t in [&past_unit, &past_words] {
        app.post(&format!("/api/v1/tickets/{}/close", id(t)), &admin, json!({})).await;
    }
    let this = create(
        &app,
        &admin,
        "/api/v1/tickets",
        json!({"title": "Low pressure on pump", "description": "sensor shows 0.8 bar", "equipment_id": id(&unit)}),
    )
    .await;
    let similar: Value = app.get(&format!("/api/v1/tickets/{}/similar", id(&this)), &admin).await.json().await.unwrap();
    let found: Vec<&str> = similar.as_array().unwrap().iter().map(|s| s["ticket"]["title"].as_str().unwrap()).collect();
    assert_eq!(found, ["Annual service", "Pressure sensor faulty"], "closed only, best first");
    assert_eq!(similar[0]["same_equipment"], true);
    assert_eq!(similar[1]["shared_words"], json!(["pressure", "sensor"]));
    assert!(!found.contains(&still_open["title"].as_str().unwrap()));
}

#[tokio::test]
async fn lists_sort_newest_or_latest_changed_first_and_filter_by_change_time() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut made = Vec::new();
    for n in 1..=5 {
        made.push(create(&app, &admin, "/api/v1/tickets", json!({"title": format!("Ticket {n}")})).await);
    }
    let list = |query: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut url = reqwest::Url::parse(&app.url("/api/v1/tickets")).unwrap();
            for (k, v) in &query {
                url.query_pairs_mut().append_pair(k, v);
            }
            app.client.get(url).bearer_auth(&admin).send().await.unwrap()
        }
    };
    let titles = |v: &Value| v["items"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_owned()).collect::<Vec<_>>();

    // Newest first, paged.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut query = vec![("sort", "-created".to_owned()), ("limit", "2".to_owned())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let page: Value = list(query).await.json().await.unwrap();
        seen.extend(titles(&page));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["Ticket 5", "Ticket 4", "Ticket 3", "Ticket 2", "Ticket 1"]);

    // The oldest, changed now, comes first by latest change and alone in a change range.
    let changed: Value =
        app.patch(&format!("/api/v1/tickets/{}", id(&made[0])), &admin, json!({"title": "Ticket 1 (changed)"})).await.json().await.unwrap();
    let page: Value = list(vec![("sort", "-updated".to_owned()), ("limit", "2".to_owned())]).await.json().await.unwrap();
    assert_eq!(titles(&page), ["Ticket 1 (changed)", "Ticket 5"]);
    let next = page["next_cursor"].as_str().unwrap().to_owned();
    let rest: Value = list(vec![("sort", "-updated".to_owned()), ("cursor", next.clone())]).await.json().await.unwrap();
    assert_eq!(titles(&rest), ["Ticket 4", "Ticket 3", "Ticket 2"]);
    let since = changed["updated_at"].as_str().unwrap().to_owned();
    let recent: Value = list(vec![("updated_from", since.clone())]).await.json().await.unwrap();
    assert_eq!(titles(&recent), ["Ticket 1 (changed)"]);
    let before: Value = list(vec![("updated_to", since)]).await.json().await.unwrap();
    assert_eq!(titles(&before).len(), 4);
    let created_to = made[2]["created_at"].as_str().unwrap().to_owned();
    let early: Value = list(vec![("created_to", created_to)]).await.json().await.unwrap();
    assert_eq!(titles(&early), ["Ticket 1 (changed)", "Ticket 2"]);

    // A cursor belongs to its order; unknown orders are refused.
    expect_problem(list(vec![("sort", "created".to_owned()), ("cursor", next)]).await, 400, "invalid_cursor").await;
    let res = list(vec![("sort", "priority".to_owned())]).await;
    assert_eq!(expect_problem(res, 422, "validation_failed").await["errors"][0]["field"], "sort");
}
