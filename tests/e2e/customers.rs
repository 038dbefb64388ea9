//! The directory: customers, locations, contacts and the caller lookup, partners, products,
//! equipment with serial numbers and warranty; and the gapless number sequences.

use sea_orm::DbBackend;
use serde_json::{Value, json};
use servdesk_domain::numbering::Scheme;
use servdesk_persistence::{TransactionTrait, sequences};

use crate::support::{TestApp, create, expect_problem, id};

#[tokio::test]
async fn customers_are_stored_with_normalised_email_and_e164_phone_and_searchable() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(
        &app,
        &admin,
        "/api/v1/customers",
        json!({"name": "Drukarnia Kowalski", "tax_id": "PL5260001246", "email": "Biuro@Kowalski.PL", "phone": "22 123 45 67"}),
    )
    .await;
    assert_eq!(customer["email"], "biuro@kowalski.pl");
    assert_eq!(customer["phone"], "+48221234567", "read in the default region (PL)");
    assert_eq!(customer["kind"], "company");
    assert_eq!(customer["acknowledge_calls"], true);
    create(&app, &admin, "/api/v1/customers", json!({"name": "Ana Novak", "kind": "person"})).await;

    for q in ["kowal", "PL5260", "biuro@", "221234"] {
        let found: Value = app.get(&format!("/api/v1/customers?q={q}"), &admin).await.json().await.unwrap();
        assert_eq!(found["items"].as_array().unwrap().len(), 1, "q={q}");
    }
    let people: Value = app.get("/api/v1/customers?kind=person", &admin).await.json().await.unwrap();
    assert_eq!(people["items"][0]["name"], "Ana Novak");

    let res = app.post("/api/v1/customers", &admin, json!({"name": "X", "email": "nope", "phone": "call me"})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["email", "phone"]);
}

#[tokio::test]
async fn a_customer_that_history_refers_to_is_deactivated_not_deleted() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, agent) = app.user("agent").await;
    let lonely = create(&app, &agent, "/api/v1/customers", json!({"name": "Nobody refers to me"})).await;
    let busy = create(&app, &agent, "/api/v1/customers", json!({"name": "Has a contact"})).await;
    create(&app, &agent, "/api/v1/contacts", json!({"customer_id": id(&busy), "name": "Iva"})).await;

    expect_problem(app.delete(&format!("/api/v1/customers/{}", id(&lonely)), &agent).await, 403, "forbidden").await;
    assert_eq!(app.delete(&format!("/api/v1/customers/{}", id(&lonely)), &admin).await.status(), 204);
    expect_problem(app.delete(&format!("/api/v1/customers/{}", id(&busy)), &admin).await, 409, "customer_in_use").await;
    let deactivated: Value =
        app.patch(&format!("/api/v1/customers/{}", id(&busy)), &agent, json!({"active": false})).await.json().await.unwrap();
    assert_eq!(deactivated["active"], false);
    let active: Value = app.get("/api/v1/customers?active=true", &admin).await.json().await.unwrap();
    assert!(active["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn locations_belong_to_a_customer_and_are_validated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Servis d.o.o."})).await;
    let path = format!("/api/v1/customers/{}/locations", id(&customer));
    let res = app
        .post(&path, &admin, json!({"name": "HQ", "address_line": "Ilica 1", "city": "Zagreb", "country": "hr", "latitude": 95.0}))
        .await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["country", "latitude"]);
    let location = create(
        &app,
        &admin,
        &path,
        json!({"name": "HQ", "address_line": "Ilica 1", "city": "Zagreb", "country": "HR", "latitude": 45.81, "longitude": 15.97}),
    )
    .await;
    assert_eq!(location["customer_id"], customer["id"]);
    let listed: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], location["id"]);
    let unknown = format!("/api/v1/customers/{}/locations", uuid::Uuid::now_v7());
    expect_problem(app.post(&unknown, &admin, json!({"name": "X", "address_line": "Y", "city": "Z"})).await, 404, "not_found").await;
}

#[tokio::test]
async fn the_caller_lookup_finds_a_contact_by_any_spelling_of_their_number_or_email() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Mleko d.d."})).await;
    let contact = create(
        &app,
        &admin,
        "/api/v1/contacts",
        json!({"customer_id": id(&customer), "name": "Marta Zupan", "email": "Marta@Mleko.si", "phones": ["+386 40 123 456", "00386 40 123 456", "+48 22 123 45 67"], "preferred_channel": "sms"}),
    )
    .await;
    assert_eq!(contact["phones"], json!(["+38640123456", "+48221234567"]), "normalised and deduplicated");

    for query in ["phone=%2B386%20(40)%20123-456", "phone=0038640123456", "email=MARTA%40mleko.si"] {
        let card: Value = app.get(&format!("/api/v1/contacts/lookup?{query}"), &admin).await.json().await.unwrap();
        assert_eq!(card["matches"].as_array().unwrap().len(), 1, "{query}: {card}");
        assert_eq!(card["matches"][0]["contact"]["name"], "Marta Zupan");
        assert_eq!(card["matches"][0]["customer"]["name"], "Mleko d.d.");
    }
    // The card lists the caller's open tickets (of the contact or the customer), not closed ones.
    let open = create(&app, &admin, "/api/v1/tickets", json!({"title": "Milk cooler warm", "contact_id": id(&contact)})).await;
    let closed = create(&app, &admin, "/api/v1/tickets", json!({"title": "Old issue", "customer_id": id(&customer)})).await;
    app.post(&format!("/api/v1/tickets/{}/close", id(&closed)), &admin, json!({})).await;
    let card: Value = app.get("/api/v1/contacts/lookup?phone=%2B38640123456", &admin).await.json().await.unwrap();
    let titles: Vec<&str> = card["open_tickets"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(titles, ["Milk cooler warm"]);
    assert_eq!(card["open_tickets"][0]["id"], open["id"]);

    let unknown: Value = app.get("/api/v1/contacts/lookup?phone=%2B38641999888", &admin).await.json().await.unwrap();
    assert_eq!(unknown["phone"], "+38641999888");
    assert!(unknown["matches"].as_array().unwrap().is_empty());
    expect_problem(app.get("/api/v1/contacts/lookup", &admin).await, 422, "validation_failed").await;
    expect_problem(app.get("/api/v1/contacts/lookup?phone=abc", &admin).await, 422, "validation_failed").await;

    // A telephony system's key may look callers up and do nothing else.
    let key: Value = app.post("/api/v1/api-keys", &admin, json!({"name": "PBX", "scopes": ["telephony:read"]})).await.json().await.unwrap();
    let pbx = key["secret"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/contacts/lookup?phone=%2B38640123456", pbx).await.status(), 200);
    expect_problem(app.get("/api/v1/contacts", pbx).await, 403, "forbidden").await;

    // Phones are replaced as a list; a deactivated contact no longer matches.
    let path = format!("/api/v1/contacts/{}", id(&contact));
    let changed: Value = app.patch(&path, &admin, json!({"phones": ["601 234 567"]})).await.json().await.unwrap();
    assert_eq!(changed["phones"], json!(["+48601234567"]));
    assert_eq!(changed["version"].as_i64(), contact["version"].as_i64().map(|v| v + 1), "new phones are a change: the version moves");
    let same: Value = app.patch(&path, &admin, json!({"phones": ["+48 601 234 567"]})).await.json().await.unwrap();
    assert_eq!(same["version"], changed["version"], "the same phones again change nothing");
    let old: Value = app.get("/api/v1/contacts/lookup?phone=%2B38640123456", &admin).await.json().await.unwrap();
    assert!(old["matches"].as_array().unwrap().is_empty(), "the replaced number no longer matches");
    app.patch(&path, &admin, json!({"active": false})).await;
    let gone: Value = app.get("/api/v1/contacts/lookup?email=marta%40mleko.si", &admin).await.json().await.unwrap();
    assert!(gone["matches"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn contacts_are_searchable_by_phone_digits_and_need_an_existing_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await;
    create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Jan Nowak", "phones": ["+48 601 234 567"]}))
        .await;
    create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Ewa Lis", "email": "ewa@acme.pl"})).await;
    let by_digits: Value = app.get("/api/v1/contacts?q=601234", &admin).await.json().await.unwrap();
    assert_eq!(by_digits["items"].as_array().unwrap().len(), 1);
    assert_eq!(by_digits["items"][0]["name"], "Jan Nowak");
    let by_customer: Value = app.get(&format!("/api/v1/contacts?customer_id={}", id(&customer)), &admin).await.json().await.unwrap();
    assert_eq!(by_customer["items"].as_array().unwrap().len(), 2);
    let res = app.post("/api/v1/contacts", &admin, json!({"customer_id": uuid::Uuid::now_v7(), "name": "Ghost"})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "customer_id");
}

#[tokio::test]
async fn serial_numbers_must_fit_the_product_and_be_unique_per_product() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.post("/api/v1/products", &admin, json!({"name": "Broken", "serial_pattern": "([unclosed"})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "serial_pattern");

    let printer =
        create(&app, &admin, "/api/v1/products", json!({"name": "LaserJet X1", "sku": "LJ-X1", "serial_pattern": "X1-[0-9]{6}"})).await;
    let scanner = create(&app, &admin, "/api/v1/products", json!({"name": "Scanner S", "sku": "SC-S"})).await;
    expect_problem(app.post("/api/v1/products", &admin, json!({"name": "Dup", "sku": "LJ-X1"})).await, 409, "sku_taken").await;

    let res = app.post("/api/v1/equipment", &admin, json!({"product_id": id(&printer), "serial_number": "X1-12"})).await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "serial_number");
    assert_eq!(problem["errors"][0]["code"], "serial_pattern");

    create(&app, &admin, "/api/v1/equipment", json!({"product_id": id(&printer), "serial_number": "X1-123456"})).await;
    let res = app.post("/api/v1/equipment", &admin, json!({"product_id": id(&printer), "serial_number": "X1-123456"})).await;
    expect_problem(res, 409, "serial_number_taken").await;
    // The same serial on another product is another unit.
    create(&app, &admin, "/api/v1/equipment", json!({"product_id": id(&scanner), "serial_number": "X1-123456"})).await;
    let found: Value = app.get("/api/v1/equipment?q=X1-1234", &admin).await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    // A product with units cannot be deleted.
    expect_problem(app.delete(&format!("/api/v1/products/{}", id(&printer)), &admin).await, 409, "product_in_use").await;
}

#[tokio::test]
async fn warranty_ends_the_products_months_after_installation_unless_overridden() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Boiler B2", "default_warranty_months": 24})).await;
    let unit = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "B2-1", "installed_on": "2025-01-31"}),
    )
    .await;
    assert_eq!(unit["warranty_end"], "2027-01-31");
    assert_eq!(unit["warranty_end_overridden"], false);
    assert_eq!(unit["under_warranty"], true);
    let path = format!("/api/v1/equipment/{}", id(&unit));

    let moved: Value = app.patch(&path, &admin, json!({"installed_on": "2020-03-01"})).await.json().await.unwrap();
    assert_eq!(moved["warranty_end"], "2022-03-01", "a derived end follows the installation date");
    assert_eq!(moved["under_warranty"], false);

    let extended: Value = app.patch(&path, &admin, json!({"warranty_end": "2030-12-31"})).await.json().await.unwrap();
    assert_eq!((extended["warranty_end"].as_str(), extended["warranty_end_overridden"].as_bool()), (Some("2030-12-31"), Some(true)));
    let still: Value = app.patch(&path, &admin, json!({"installed_on": "2021-03-01"})).await.json().await.unwrap();
    assert_eq!(still["warranty_end"], "2030-12-31", "an override survives a new installation date");

    let restored: Value = app.patch(&path, &admin, json!({"warranty_end": null})).await.json().await.unwrap();
    assert_eq!((restored["warranty_end"].as_str(), restored["warranty_end_overridden"].as_bool()), (Some("2023-03-01"), Some(false)));

    let overridden = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "B2-2", "installed_on": "2025-01-01", "warranty_end": "2026-01-01"}),
    )
    .await;
    assert_eq!((overridden["warranty_end"].as_str(), overridden["warranty_end_overridden"].as_bool()), (Some("2026-01-01"), Some(true)));
}

#[tokio::test]
async fn a_units_location_must_belong_to_its_customer() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let product = create(&app, &admin, "/api/v1/products", json!({"name": "Pump"})).await;
    let a = create(&app, &admin, "/api/v1/customers", json!({"name": "A"})).await;
    let b = create(&app, &admin, "/api/v1/customers", json!({"name": "B"})).await;
    let site_of_b = create(
        &app,
        &admin,
        &format!("/api/v1/customers/{}/locations", id(&b)),
        json!({"name": "Plant", "address_line": "Road 1", "city": "Split"}),
    )
    .await;
    let res = app
        .post(
            "/api/v1/equipment",
            &admin,
            json!({"product_id": id(&product), "serial_number": "P-1", "customer_id": id(&a), "location_id": id(&site_of_b)}),
        )
        .await;
    let problem = expect_problem(res, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["code"], "location_of_another_customer");
    let unit = create(
        &app,
        &admin,
        "/api/v1/equipment",
        json!({"product_id": id(&product), "serial_number": "P-1", "location_id": id(&site_of_b)}),
    )
    .await;
    assert_eq!(unit["customer_id"], b["id"], "the customer defaults from the location");
    expect_problem(app.delete(&format!("/api/v1/locations/{}", id(&site_of_b)), &admin).await, 409, "location_in_use").await;
}

#[tokio::test]
async fn partners_are_a_plain_directory() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let partner =
        create(&app, &admin, "/api/v1/partners", json!({"name": "Elektro Kovač", "phone": "+385 1 234 5678", "email": "Servis@Kovac.hr"}))
            .await;
    assert_eq!((partner["phone"].as_str(), partner["email"].as_str()), (Some("+38512345678"), Some("servis@kovac.hr")));
    let found: Value = app.get("/api/v1/partners?q=kovač", &admin).await.json().await.unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.delete(&format!("/api/v1/partners/{}", id(&partner)), &admin).await.status(), 204);
}

#[tokio::test]
async fn sequences_issue_consecutive_numbers_under_concurrency_and_rollbacks_leave_no_gap() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let draws = (0..40).map(|_| async move {
        let txn = db.begin().await.unwrap();
        let n = sequences::next(&txn, "ticket", 2026).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        txn.commit().await.unwrap();
        n
    });
    let mut numbers: Vec<i64> = futures_util::future::join_all(draws).await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>());

    let txn = db.begin().await.unwrap();
    assert_eq!(sequences::next(&txn, "ticket", 2026).await.unwrap(), 41);
    txn.rollback().await.unwrap();
    let txn = db.begin().await.unwrap();
    assert_eq!(sequences::next(&txn, "ticket", 2026).await.unwrap(), 41, "the rolled back number is issued again");
    txn.commit().await.unwrap();
    assert_eq!(sequences::next(db, "ticket", 2027).await.unwrap(), 1, "each year starts at 1");
    assert_eq!(sequences::next(db, "call", 2026).await.unwrap(), 1, "each sequence counts on its own");
}

#[tokio::test]
async fn increasing_numbers_are_drawn_side_by_side_and_a_failed_draw_leaves_a_gap_only_on_postgres() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let postgres = db.get_database_backend() == DbBackend::Postgres;
    let draws = (0..40).map(|_| async move {
        let txn = db.begin().await.unwrap();
        let n = sequences::draw(&txn, Scheme::Increasing, "ticket", 2026).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
        txn.commit().await.unwrap();
        n
    });
    let mut numbers: Vec<i64> = futures_util::future::join_all(draws).await;
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=40).collect::<Vec<_>>(), "each number once, none skipped while nothing fails");

    let held = db.begin().await.unwrap();
    assert_eq!(sequences::draw(&held, Scheme::Increasing, "ticket", 2026).await.unwrap(), 41);
    if postgres {
        // Another create neither waits for the open transaction nor takes its number.
        let other = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            let txn = db.begin().await.unwrap();
            let n = sequences::draw(&txn, Scheme::Increasing, "ticket", 2026).await.unwrap();
            txn.commit().await.unwrap();
            n
        })
        .await
        .expect("a draw does not wait for another transaction's commit");
        assert_eq!(other, 42);
        held.rollback().await.unwrap();
        assert_eq!(sequences::draw(db, Scheme::Increasing, "ticket", 2026).await.unwrap(), 43, "41 stays unused");
    } else {
        held.rollback().await.unwrap();
        assert_eq!(sequences::draw(db, Scheme::Increasing, "ticket", 2026).await.unwrap(), 41, "SQLite counts without gaps");
    }
    assert_eq!(sequences::draw(db, Scheme::Increasing, "ticket", 2027).await.unwrap(), 1, "each year starts at 1");
}

#[tokio::test]
async fn switching_the_numbering_scheme_in_the_middle_of_a_year_never_repeats_a_number() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    for _ in 0..5 {
        sequences::draw(db, Scheme::Gapless, "call", 2026).await.unwrap();
    }
    assert_eq!(sequences::draw(db, Scheme::Increasing, "call", 2026).await.unwrap(), 6, "the sequence starts after the counter");
    sequences::draw(db, Scheme::Increasing, "call", 2026).await.unwrap();
    // Back to gapless: the processes restart, and the start levels the two.
    sequences::level(db).await.unwrap();
    assert_eq!(sequences::draw(db, Scheme::Gapless, "call", 2026).await.unwrap(), 8);
    assert_eq!(sequences::draw(db, Scheme::Gapless, "call", 2026).await.unwrap(), 9);
    sequences::level(db).await.unwrap();
    assert_eq!(sequences::draw(db, Scheme::Increasing, "call", 2026).await.unwrap(), 10, "and forth again");
}
