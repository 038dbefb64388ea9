//! The change feed: every create, update and delete in an order a reader can follow
//! without missing or repeating an entry — also while transactions commit in another order
//! than they started (several writers, one of them slow, on PostgreSQL).

use std::collections::BTreeSet;

use serde_json::{Value, json};
use servdesk_domain::directory::CustomerKind;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::directory::customers::{self, NewCustomer};

use crate::support::{TestApp, create, expect_problem, id};

/// Reads the feed from `after` to its current end: the entries and the cursor to go on with.
async fn read_all(app: &TestApp, token: &str, mut after: Option<String>, types: &str) -> (Vec<Value>, Option<String>) {
    let mut entries = Vec::new();
    loop {
        let mut path = format!("/api/v1/changes?limit=50&types={types}");
        if let Some(a) = &after {
            path.push_str(&format!("&after={a}"));
        }
        let res = app.get(&path, token).await;
        assert_eq!(res.status(), 200);
        let page: Value = res.json().await.unwrap();
        let items = page["items"].as_array().unwrap().clone();
        after = page["next_cursor"].as_str().map(str::to_owned);
        if items.is_empty() {
            return (entries, after);
        }
        entries.extend(items);
    }
}

/// Reads from `after` until the entries read hold what `done` asks (on PostgreSQL an entry
/// shows once every transaction older than its own has ended — also other tests' on the
/// shared cluster), at most ten seconds.
async fn read_until(
    app: &TestApp,
    token: &str,
    after: Option<String>,
    types: &str,
    done: impl Fn(&[Value]) -> bool,
) -> (Vec<Value>, Option<String>) {
    let mut entries = Vec::new();
    let mut cursor = after;
    for _ in 0..200 {
        let (more, next) = read_all(app, token, cursor.clone(), types).await;
        entries.extend(more);
        cursor = next;
        if done(&entries) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    (entries, cursor)
}

#[tokio::test]
async fn creates_updates_and_deletes_are_entries_in_order_and_a_cursor_goes_on_where_it_stopped() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Acme"})).await;
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"name": "Ana", "customer_id": id(&customer)})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "customer_id": id(&customer)})).await;
    let (entries, cursor) =
        read_until(&app, &admin, None, "customer,contact,ticket", |e| e.iter().any(|e| e["resource"] == "ticket")).await;
    let seen: Vec<(String, String)> =
        entries.iter().map(|e| (e["resource"].as_str().unwrap().to_owned(), e["action"].as_str().unwrap().to_owned())).collect();
    assert_eq!(seen.first(), Some(&("customer".to_owned(), "created".to_owned())));
    assert!(seen.contains(&("ticket".to_owned(), "created".to_owned())));

    // Later changes come after the cursor, once each, deletions as tombstones.
    app.patch(&format!("/api/v1/tickets/{}", id(&ticket)), &admin, json!({"title": "Big leak"})).await;
    app.post(&format!("/api/v1/tickets/{}/comments", id(&ticket)), &admin, json!({"visibility": "internal", "body": "On it"})).await;
    assert_eq!(app.delete(&format!("/api/v1/contacts/{}", id(&contact)), &admin).await.status(), 204);
    let (later, _) = read_until(&app, &admin, cursor.clone(), "", |e| e.iter().any(|e| e["action"] == "deleted")).await;
    let kinds: Vec<(&str, &str)> = later.iter().map(|e| (e["resource"].as_str().unwrap(), e["action"].as_str().unwrap())).collect();
    assert!(kinds.contains(&("ticket", "updated")) && kinds.contains(&("comment", "created")), "{kinds:?}");
    let tombstone = later.iter().find(|e| e["action"] == "deleted").unwrap();
    assert_eq!((tombstone["resource"].as_str(), tombstone["id"].as_str()), (Some("contact"), Some(id(&contact).as_str())));
    assert!(tombstone["record"].is_null(), "a tombstone carries no record");
    // Each entry carries its record as its GET shows it now.
    let updated = later.iter().find(|e| e["resource"] == "ticket" && e["action"] == "updated").unwrap();
    assert_eq!(updated["record"]["title"], "Big leak");
    assert_eq!(updated["record"]["number"], ticket["number"]);
    let comment = later.iter().find(|e| e["resource"] == "comment").unwrap();
    assert_eq!(comment["record"]["body"], "On it");
    let bare: Value = app.get("/api/v1/changes?records=false&types=ticket", &admin).await.json().await.unwrap();
    let bare = bare["items"].as_array().unwrap();
    assert!(!bare.is_empty() && bare.iter().all(|e| e["record"].is_null()), "records=false leaves them out");
    assert!(!later.iter().any(|e| entries.iter().any(|old| old["cursor"] == e["cursor"])), "nothing repeats");

    // Filters and bad cursors.
    let (only_comments, _) = read_until(&app, &admin, cursor, "comment", |e| !e.is_empty()).await;
    assert!(only_comments.iter().all(|e| e["resource"] == "comment") && !only_comments.is_empty());
    expect_problem(app.get("/api/v1/changes?after=garbage", &admin).await, 400, "invalid_cursor").await;
    expect_problem(app.get("/api/v1/changes?after=1.1.0", &admin).await, 410, "cursor_expired").await;
    expect_problem(app.get("/api/v1/changes?types=invoice", &admin).await, 422, "validation_failed").await;

    // A sync key reads the feed and the records it names.
    let key = create(&app, &admin, "/api/v1/api-keys", json!({"name": "ERP", "scopes": ["sync:read"]})).await;
    let secret = key["secret"].as_str().unwrap();
    assert_eq!(app.get("/api/v1/changes", secret).await.status(), 200);
    assert_eq!(app.get(&format!("/api/v1/tickets/{}", id(&ticket)), secret).await.status(), 200);
}

fn customer(name: String) -> NewCustomer {
    NewCustomer {
        name,
        kind: CustomerKind::Company,
        tax_id: None,
        email: None,
        phone: None,
        billing_email: None,
        billing_address: None,
        language: None,
        acknowledge_calls: true,
        auto_resolve_alarms: false,
        notes: None,
        external_ref: None,
    }
}

#[tokio::test]
async fn a_reader_following_the_cursor_never_misses_a_commit_made_out_of_order() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Slow writers: each opens its transaction, writes, waits, then commits — so fast ones
    // started later commit before them.
    let mut writers = Vec::new();
    for w in 0..3 {
        let db = app.state.db.clone();
        writers.push(tokio::spawn(async move {
            let mut ids = Vec::new();
            for i in 0..8 {
                let txn = db.begin().await.unwrap();
                let made = customers::create(&txn, customer(format!("slow {w}-{i}")), servdesk_usecases::now()).await.unwrap();
                tokio::time::sleep(std::time::Duration::from_millis(40 + 30 * w)).await;
                txn.commit().await.unwrap();
                ids.push(made.id.to_string());
            }
            ids
        }));
    }
    let fast = {
        let app_base = app.base.clone();
        let token = admin.clone();
        tokio::spawn(async move {
            let client = reqwest::Client::builder().no_proxy().build().unwrap();
            let mut ids = Vec::new();
            for i in 0..20 {
                let res = client
                    .post(format!("{app_base}/api/v1/customers"))
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("fast {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
                ids.push(res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned());
            }
            ids
        })
    };
    // The reader polls all along, following its cursor.
    let mut seen = BTreeSet::new();
    let mut cursor = None;
    let reader_stop = stop.clone();
    let mut rounds = 0;
    while !reader_stop.load(std::sync::atomic::Ordering::SeqCst) || rounds == 0 {
        let (entries, next) = read_all(&app, &admin, cursor.clone(), "customer").await;
        for e in entries {
            assert!(seen.insert(e["id"].as_str().unwrap().to_owned()) || e["action"] != "created", "a created entry came twice");
        }
        cursor = next;
        rounds += 1;
        if writers.iter().all(|w| w.is_finished()) && fast.is_finished() {
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        }
        tokio::time::sleep(std::time::Duration::from_millis(15)).await;
    }
    let mut made: BTreeSet<String> = BTreeSet::new();
    for w in writers {
        made.extend(w.await.unwrap());
    }
    made.extend(fast.await.unwrap());
    // The last reads after every writer committed.
    let wanted = made.clone();
    let before = seen.clone();
    let (entries, _) = read_until(&app, &admin, cursor, "customer", move |e| {
        let got: BTreeSet<String> = before.iter().cloned().chain(e.iter().map(|e| e["id"].as_str().unwrap().to_owned())).collect();
        wanted.is_subset(&got)
    })
    .await;
    seen.extend(entries.into_iter().map(|e| e["id"].as_str().unwrap().to_owned()));
    assert_eq!(made.len(), 44);
    let missed: Vec<&String> = made.difference(&seen).collect();
    assert!(missed.is_empty(), "the reader missed {missed:?} over {rounds} rounds");
}

/// A server-sent events reader over a real HTTP connection.
struct Events {
    res: reqwest::Response,
    buffer: String,
}

impl Events {
    async fn open(app: &TestApp, token: &str, last_event_id: Option<&str>) -> Self {
        let mut req = app.request(reqwest::Method::GET, "/api/v1/stream", Some(token));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", id);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
        Events { res, buffer: String::new() }
    }

    /// The next event as (id, event, data), skipping heartbeats; `None` after ten seconds.
    async fn next(&mut self) -> Option<(String, String, Value)> {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| block.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_owned));
                if let (Some(id), Some(event), Some(data)) = (field("id"), field("event"), field("data")) {
                    return Some((id, event, serde_json::from_str(&data).unwrap()));
                }
                continue;
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk()).await.ok()?.unwrap()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until one for `id` arrives (inclusive).
    async fn until(&mut self, id: &str) -> Vec<(String, String, Value)> {
        let mut seen = Vec::new();
        while let Some(event) = self.next().await {
            let done = event.2["id"] == id;
            seen.push(event);
            if done {
                return seen;
            }
        }
        panic!("no event for {id}; got {seen:?}");
    }
}

#[tokio::test]
async fn a_live_stream_resumes_with_last_event_id_without_losing_or_repeating_and_shows_only_what_the_caller_sees() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut events = Events::open(&app, &admin, None).await;
    let a = create(&app, &admin, "/api/v1/customers", json!({"name": "A"})).await;
    let b = create(&app, &admin, "/api/v1/customers", json!({"name": "B"})).await;
    let first = events.until(&id(&b)).await;
    assert!(first.iter().any(|(_, event, data)| event == "customer.created" && data["id"] == id(&a).as_str()));
    let last_id = first.last().unwrap().0.clone();
    drop(events);

    // While disconnected: one new customer, one change.
    let c = create(&app, &admin, "/api/v1/customers", json!({"name": "C"})).await;
    app.patch(&format!("/api/v1/customers/{}", id(&a)), &admin, json!({"name": "A2"})).await;
    let mut resumed = Events::open(&app, &admin, Some(&last_id)).await;
    let mut got = resumed.until(&id(&c)).await;
    got.extend(resumed.until(&id(&a)).await);
    let names: Vec<(String, String)> = got.iter().map(|(_, e, d)| (e.clone(), d["id"].as_str().unwrap().to_owned())).collect();
    assert!(names.contains(&("customer.created".to_owned(), id(&c))));
    assert!(names.contains(&("customer.updated".to_owned(), id(&a))));
    let renamed = got.iter().find(|(_, e, d)| e == "customer.updated" && d["id"] == id(&a).as_str()).unwrap();
    assert_eq!(renamed.2["record"]["name"], "A2", "the event carries the record");
    assert!(!names.contains(&("customer.created".to_owned(), id(&a))), "nothing before Last-Event-ID comes again: {names:?}");

    // An agent outside the ticket's team does not hear of it.
    let (_, agent) = app.user("agent").await;
    let team = create(&app, &admin, "/api/v1/teams", json!({"name": "Elsewhere"})).await;
    let mut theirs = Events::open(&app, &agent, None).await;
    let hidden = create(&app, &admin, "/api/v1/tickets", json!({"title": "Not yours", "team_id": id(&team)})).await;
    let marker = create(&app, &admin, "/api/v1/customers", json!({"name": "Marker"})).await;
    let heard = theirs.until(&id(&marker)).await;
    assert!(!heard.iter().any(|(_, _, d)| d["id"] == id(&hidden).as_str()), "{heard:?}");
}

#[tokio::test]
async fn a_comment_or_logged_time_marks_its_ticket_changed_for_a_sync_by_updated_since_without_a_new_version() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Quiet"})).await;
    let changed_since = |since: String| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let mut url = reqwest::Url::parse(&app.url("/api/v1/tickets")).unwrap();
            url.query_pairs_mut().append_pair("updated_since", &since);
            let page: Value = app.client.get(url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
            page["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        }
    };
    let mark = |t: &Value| t["updated_at"].as_str().unwrap().to_owned();
    let before: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await.json().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    assert!(!changed_since(since.clone()).await.contains(&id(&ticket)));

    create(&app, &admin, &format!("/api/v1/tickets/{}/comments", id(&ticket)), json!({"visibility": "internal", "body": "Checked"})).await;
    assert!(changed_since(since).await.contains(&id(&ticket)), "a comment marks its ticket changed");
    let commented: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await.json().await.unwrap();
    assert_eq!(commented["version"], before["version"], "an edit in progress stays valid");

    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let today = chrono::Utc::now().date_naive().to_string();
    create(&app, &admin, "/api/v1/time-entries", json!({"ticket_id": id(&ticket), "work_date": today, "minutes": 45})).await;
    assert!(changed_since(since).await.contains(&id(&ticket)), "logged time marks its ticket changed");
    let logged: Value = app.get(&format!("/api/v1/tickets/{}", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(mark(&logged) > mark(&before));
}
