//! Inbound email: `POST /inbound/email` with the fixtures of `tests/fixtures/email` (charsets,
//! transfer encodings, structures, a malformed message), replies matched to tickets, loops
//! refused, redeliveries stored once — and the whole round trip through real servers: the
//! agent's reply arrives in the customer's mailbox, the customer answers through Postfix,
//! the IMAP poller files the answer on the ticket.

use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use mail_parser::MessageParser;
use reqwest::Method;
use serde_json::{Value, json};
use servdesk_channels::imap::ImapPoll;
use servdesk_usecases::config::{ImapSecurity, ImapSettings};

use crate::support::{TestApp, create, expect_problem, id, mail_servers, mailbox_address};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fixtures/email/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

async fn inbound_key(app: &TestApp) -> String {
    let admin = app.admin_token().await;
    let key: Value =
        app.post("/api/v1/api-keys", &admin, json!({"name": "MTA pipe", "scopes": ["inbound:write"]})).await.json().await.unwrap();
    key["secret"].as_str().unwrap().to_owned()
}

async fn hand_in(app: &TestApp, key: &str, raw: Vec<u8>) -> (u16, Value) {
    let res = app
        .request(Method::POST, "/api/v1/inbound/email", Some(key))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or_default())
}

async fn call_of(app: &TestApp, token: &str, outcome: &Value) -> (Value, Vec<Value>) {
    let call_id = outcome["call_id"].as_str().unwrap_or_else(|| panic!("no call: {outcome}"));
    let call: Value = app.get(&format!("/api/v1/calls/{call_id}"), token).await.json().await.unwrap();
    let files: Value = app.get(&format!("/api/v1/calls/{call_id}/attachments"), token).await.json().await.unwrap();
    (call, files["items"].as_array().cloned().unwrap_or_default())
}

#[tokio::test]
async fn every_fixture_becomes_a_call_with_its_text_and_files_whatever_its_encoding() {
    let app = TestApp::spawn().await;
    let key = inbound_key(&app).await;
    let admin = app.admin_token().await;

    let (status, out) = hand_in(&app, &key, fixture("iso-8859-2-quoted-printable.eml")).await;
    assert_eq!((status, out["outcome"].as_str()), (201, Some("call")), "{out}");
    let (call, _) = call_of(&app, &admin, &out).await;
    assert_eq!(call["channel"], "email");
    assert_eq!(call["subject"], "Awaria pompy Łódź");
    assert_eq!(call["from_name"], "Józef Żółć");
    assert_eq!(call["from_email"], "jozef@wodociagi.example");
    assert!(call["body"].as_str().unwrap().contains("w Zakładzie Wodociągów w Łodzi przestała działać"), "{call}");
    assert_eq!(call["metadata"]["message_id"], "fixture-iso88592@wodociagi.example");

    let (_, out) = hand_in(&app, &key, fixture("windows-1250-base64-rfc2231.eml")).await;
    let (call, files) = call_of(&app, &admin, &out).await;
    assert_eq!(call["subject"], "Klimatska naprava – Čakovec");
    assert_eq!(call["from_name"], "Špela Žagar");
    assert!(call["body"].as_str().unwrap().contains("v pisarni v Čakovcu ne hladi. Račun za servis pošljite"));
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["filename"], "račun_Čakovec.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");

    let (_, out) = hand_in(&app, &key, fixture("utf-8-html-only.eml")).await;
    let (call, _) = call_of(&app, &admin, &out).await;
    assert_eq!(call["subject"], "Caldaia che perde – Trieste");
    let body = call["body"].as_str().unwrap();
    assert!(body.contains("la caldaia dell'ufficio di Trieste perde acqua. Città: Trieste — grazie!"), "HTML turned into text: {body}");
    assert!(!body.contains("<p>"));

    let (_, out) = hand_in(&app, &key, fixture("alternative-inline-image.eml")).await;
    let (call, files) = call_of(&app, &admin, &out).await;
    assert_eq!(call["body"].as_str().unwrap().trim(), "Hladnjak u Zagrebu ne radi. Slika je u prilogu.", "the text part, not the HTML");
    assert_eq!(files.len(), 1, "the inline image is kept");
    assert_eq!((files[0]["filename"].as_str(), files[0]["content_type"].as_str()), (Some("hladnjak.png"), Some("image/png")));
    let stored = app.get(&format!("/api/v1/attachments/{}/content", id(&files[0])), &admin).await.bytes().await.unwrap();
    assert!(stored.starts_with(b"\x89PNG"), "decoded from base64");

    let (_, out) = hand_in(&app, &key, fixture("mixed-rfc2047-attachment-name.eml")).await;
    let (call, files) = call_of(&app, &admin, &out).await;
    assert!(call["body"].as_str().unwrap().contains("zapisnik o okvari črpalke"));
    assert_eq!(files[0]["filename"], "zapisnik_črpalka.txt");
    let content = app.get(&format!("/api/v1/attachments/{}/content", id(&files[0])), &admin).await.text().await.unwrap();
    assert!(content.contains("zvok ležaja"));

    // Malformed: never a 500, never lost — a call with what could be read, the raw kept.
    let (status, out) = hand_in(&app, &key, fixture("malformed.eml")).await;
    assert_eq!(status, 201, "{out}");
    let (call, _) = call_of(&app, &admin, &out).await;
    assert!(call["body"].as_str().unwrap().contains("Kotel pu"), "{call}");
    let message: Value = app.get(&format!("/api/v1/messages/{}", out["message_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(message["direction"], "in");
    assert!(message["message_id"].as_str().unwrap().starts_with("sha256-"), "identified by its content");
    let (status, again) = hand_in(&app, &key, fixture("malformed.eml")).await;
    assert_eq!((status, again["outcome"].as_str()), (200, Some("duplicate")));

    // Acknowledged like any email call (the contact is unknown: the sender's address).
    app.run_jobs().await;
    let acks = app.outbox().await.iter().filter(|m| m["event"] == "call_acknowledged").count();
    assert_eq!(acks, 6);

    let (status, _) = hand_in(&app, &key, b"   ".to_vec()).await;
    assert_eq!(status, 400);
    let (_, agent) = app.user("agent").await;
    let res = app.request(Method::POST, "/api/v1/inbound/email", Some(&agent)).body(fixture("utf-8-html-only.eml")).send().await.unwrap();
    expect_problem(res, 403, "forbidden").await;
}

fn reply(from: &str, subject: &str, in_reply_to: Option<&str>, body: &str) -> Vec<u8> {
    let mut raw = format!(
        "From: Ana Horvat <{from}>\r\nTo: desk@servdesk.test\r\nSubject: {subject}\r\nMessage-ID: <{}@mail.example>\r\n",
        uuid::Uuid::now_v7()
    );
    if let Some(parent) = in_reply_to {
        raw.push_str(&format!("In-Reply-To: <{parent}>\r\nReferences: <{parent}>\r\n"));
    }
    raw.push_str(&format!("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"));
    raw.into_bytes()
}

#[tokio::test]
async fn replies_land_on_their_ticket_by_number_or_thread_with_the_quote_kept_apart() {
    let app = TestApp::spawn_with(|c| c.mail.from = "Desk <desk@servdesk.test>".to_owned()).await;
    let key = inbound_key(&app).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Vodovod"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Ana", "email": "ana@vodovod.example"}))
            .await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "contact_id": id(&contact)})).await;
    let t = id(&ticket);
    let number = ticket["number"].as_str().unwrap();

    // By the number in the subject, behind a Polish reply prefix and without brackets.
    let body =
        "Thanks, see you tomorrow.\n\nOn Mon, 23 Nov 2026 at 10:00, Desk <desk@servdesk.test> wrote:\n> A technician comes tomorrow.";
    let (status, out) = hand_in(&app, &key, reply("ana@vodovod.example", &format!("Odp: {number} Leak"), None, body)).await;
    assert_eq!((status, out["outcome"].as_str()), (201, Some("comment")), "{out}");
    assert_eq!(out["ticket_id"], t.as_str());
    let comments: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &admin).await.json().await.unwrap();
    let comment = &comments["items"][0];
    assert_eq!(comment["visibility"], "public");
    assert_eq!(comment["body"], "Thanks, see you tomorrow.");
    assert!(comment["quoted_text"].as_str().unwrap().starts_with("On Mon, 23 Nov 2026"));
    assert_eq!(comment["author_contact_id"], id(&contact).as_str());
    assert_eq!(comment["author_email"], "ana@vodovod.example");

    // By the thread: a reply to the notice we sent, with an unrelated subject.
    app.run_jobs().await;
    let notice = app.outbox().await.into_iter().find(|m| m["event"] == "ticket_created").unwrap();
    let ours = notice["message_id"].as_str().unwrap();
    let (_, out) =
        hand_in(&app, &key, reply("ana@vodovod.example", "Re: your message", Some(ours), "One more thing: the tap drips too.")).await;
    assert_eq!((out["outcome"].as_str(), out["ticket_id"].as_str()), (Some("comment"), Some(t.as_str())));
    let events: Value = app.get(&format!("/api/v1/tickets/{t}/events"), &admin).await.json().await.unwrap();
    let by_email =
        events["items"].as_array().unwrap().iter().filter(|e| e["kind"] == "comment_added" && e["data"]["via"] == "email").count();
    assert_eq!(by_email, 2);
    let history: Value = app.get(&format!("/api/v1/tickets/{t}/messages"), &admin).await.json().await.unwrap();
    let directions: Vec<&str> = history["items"].as_array().unwrap().iter().map(|m| m["direction"].as_str().unwrap()).collect();
    assert_eq!(directions.iter().filter(|d| **d == "in").count(), 2);

    // No number, no thread: a new call.
    let (_, out) = hand_in(&app, &key, reply("ana@vodovod.example", "New problem", None, "The pump is loud.")).await;
    assert_eq!(out["outcome"], "call");

    // An answer to that call's acknowledgement before anyone triaged it: a call naming it.
    app.run_jobs().await;
    let ack = app.outbox().await.into_iter().find(|m| m["event"] == "call_acknowledged" && m["call_id"] == out["call_id"]).unwrap();
    let (_, again) =
        hand_in(&app, &key, reply("ana@vodovod.example", "Re: New problem", ack["message_id"].as_str(), "It is getting louder.")).await;
    assert_eq!(again["outcome"], "call");
    let call: Value = app.get(&format!("/api/v1/calls/{}", again["call_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(call["metadata"]["previous_call_id"], out["call_id"]);
}

#[tokio::test]
async fn a_reply_reopens_a_ticket_closed_within_the_window_and_after_it_opens_a_linked_call() {
    let app = TestApp::spawn_with(|c| c.reopen_window = std::time::Duration::from_secs(2)).await;
    let key = inbound_key(&app).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Client"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "X", "email": "x@client.example"})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Door", "contact_id": id(&contact)})).await;
    let t = id(&ticket);
    let number = ticket["number"].as_str().unwrap().to_owned();
    app.post(&format!("/api/v1/tickets/{t}/close"), &admin, json!({})).await;

    let (_, out) = hand_in(&app, &key, reply("x@client.example", &format!("Re: [{number}] Door"), None, "Still broken.")).await;
    assert_eq!(out["outcome"], "comment");
    let reopened: Value = app.get(&format!("/api/v1/tickets/{t}"), &admin).await.json().await.unwrap();
    assert_eq!(reopened["status"]["class"], "open");

    // Closed longer ago than the window.
    app.post(&format!("/api/v1/tickets/{t}/close"), &admin, json!({})).await;
    tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
    let (_, out) = hand_in(&app, &key, reply("x@client.example", &format!("Re: [{number}] Door"), None, "Broken again.")).await;
    assert_eq!(out["outcome"], "call", "{out}");
    let call: Value = app.get(&format!("/api/v1/calls/{}", out["call_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(call["metadata"]["previous_ticket_id"], t.as_str());
    assert_eq!(call["metadata"]["previous_ticket_number"], number.as_str());
    let still: Value = app.get(&format!("/api/v1/tickets/{t}"), &admin).await.json().await.unwrap();
    assert_eq!(still["status"]["class"], "closed");
}

#[tokio::test]
async fn only_those_the_ticket_is_about_answer_it_by_email_anyone_else_opens_a_linked_call() {
    let app = TestApp::spawn().await;
    let key = inbound_key(&app).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Vodovod"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Ana", "email": "ana@vodovod.example"}))
            .await;
    create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Boss", "email": "boss@vodovod.example"})).await;
    let other = create(&app, &admin, "/api/v1/customers", json!({"name": "Other"})).await;
    create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&other), "name": "Eve", "email": "eve@other.example"})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Leak", "contact_id": id(&contact)})).await;
    let (t, number) = (id(&ticket), ticket["number"].as_str().unwrap().to_owned());
    app.post(&format!("/api/v1/tickets/{t}/close"), &admin, json!({})).await;

    for stranger in ["mallory@attacker.example", "eve@other.example"] {
        let (status, out) = hand_in(&app, &key, reply(stranger, &format!("Re: [{number}] Leak"), None, "Reopen this!")).await;
        assert_eq!((status, out["outcome"].as_str()), (201, Some("call")), "{out}");
        let call: Value = app.get(&format!("/api/v1/calls/{}", out["call_id"].as_str().unwrap()), &admin).await.json().await.unwrap();
        assert_eq!(call["metadata"]["related_ticket_id"], t.as_str(), "linked for an agent to merge");
        assert_eq!(call["metadata"]["unverified_sender"], true);
    }
    let still: Value = app.get(&format!("/api/v1/tickets/{t}"), &admin).await.json().await.unwrap();
    assert_eq!(still["status"]["class"], "closed", "no stranger reopens it");
    let comments: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &admin).await.json().await.unwrap();
    assert_eq!(comments["items"], json!([]), "nor posts on it");

    // A colleague of the contact at the same customer does answer it.
    let (_, out) = hand_in(&app, &key, reply("Boss@Vodovod.example", &format!("Re: [{number}] Leak"), None, "Still leaking.")).await;
    assert_eq!((out["outcome"].as_str(), out["ticket_id"].as_str()), (Some("comment"), Some(t.as_str())), "{out}");
}

#[tokio::test]
async fn machines_never_get_a_call_or_an_acknowledgement_and_bounces_fail_our_message() {
    let servers = mail_servers();
    let smtp = servers.smtp_port;
    let app = TestApp::spawn_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{smtp}"));
        c.mail.from = "Desk <desk@servdesk.test>".to_owned();
    })
    .await;
    let key = inbound_key(&app).await;
    let admin = app.admin_token().await;
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Loop Ltd"})).await;
    let address = mailbox_address("loop");
    let contact = create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Lo", "email": address})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Loop", "contact_id": id(&contact)})).await;
    app.run_jobs().await;
    let sent = app.outbox().await.into_iter().find(|m| m["event"] == "ticket_created").unwrap();
    assert_eq!(sent["status"], "sent");
    let ours = sent["message_id"].as_str().unwrap().to_owned();

    let automated = [
        ("Auto-Submitted: auto-replied\r\n", "automated (auto_submitted)"),
        ("Precedence: bulk\r\n", "automated (precedence)"),
        ("List-Id: <news.example>\r\n", "automated (mailing_list)"),
    ];
    for (header, reason) in automated {
        let raw = format!(
            "From: Out Of Office <{address}>\r\n{header}Subject: Re: [{}] Loop\r\nMessage-ID: <{}@mail.example>\r\n\r\nI am away until Monday.\r\n",
            ticket["number"].as_str().unwrap(),
            uuid::Uuid::now_v7()
        );
        let (status, out) = hand_in(&app, &key, raw.into_bytes()).await;
        assert_eq!((status, out["outcome"].as_str(), out["reason"].as_str()), (200, Some("ignored"), Some(reason)), "{out}");
        assert_eq!(out["ticket_id"], id(&ticket).as_str(), "kept on the ticket it answers");
    }
    // Our own message coming back (a forwarding loop).
    let echo = format!("From: Desk <desk@servdesk.test>\r\nTo: {address}\r\nSubject: echo\r\nMessage-ID: <{ours}>\r\n\r\nx\r\n");
    let (status, out) = hand_in(&app, &key, echo.into_bytes()).await;
    assert_eq!((status, out["outcome"].as_str()), (200, Some("duplicate")), "our own Message-ID is stored already: {out}");

    // A bounce (RFC 3464) of our notice marks it failed and says so on the timeline.
    let bounce = format!(
        "From: Mail Delivery System <MAILER-DAEMON@mx.example>\r\nTo: desk@servdesk.test\r\nSubject: Undelivered Mail Returned to Sender\r\n\
         Message-ID: <bounce-{}@mx.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=\"r\"\r\n\r\n\
         --r\r\nContent-Type: text/plain\r\n\r\nThe mail system: <{address}>: host said: 550 5.1.1 User unknown\r\n\
         --r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n\
         --r\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: Desk <desk@servdesk.test>\r\nMessage-ID: <{ours}>\r\nSubject: x\r\n--r--\r\n",
        uuid::Uuid::now_v7()
    );
    let (status, out) = hand_in(&app, &key, bounce.into_bytes()).await;
    assert_eq!((status, out["outcome"].as_str()), (200, Some("bounce")), "{out}");
    let message: Value = app.get(&format!("/api/v1/messages/{}", sent["id"].as_str().unwrap()), &admin).await.json().await.unwrap();
    assert_eq!(message["status"], "failed");
    assert!(message["last_error"].as_str().unwrap().contains("bounced"));
    let events: Value = app.get(&format!("/api/v1/tickets/{}/events", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(
        events["items"].as_array().unwrap().iter().any(|e| e["kind"] == "message_failed" && e["data"]["bounce_message_id"].is_string())
    );

    // None of it made a call, a comment or an acknowledgement.
    let calls: Value = app.get("/api/v1/calls", &admin).await.json().await.unwrap();
    assert!(calls["items"].as_array().unwrap().is_empty());
    let comments: Value = app.get(&format!("/api/v1/tickets/{}/comments", id(&ticket)), &admin).await.json().await.unwrap();
    assert!(comments["items"].as_array().unwrap().is_empty());
    app.run_jobs().await;
    assert_eq!(app.outbox().await.len(), 1, "nothing was answered");
}

#[tokio::test]
async fn the_agents_reply_reaches_the_customer_and_their_answer_comes_back_through_imap() {
    let servers = mail_servers();
    let desk = mailbox_address("desk");
    let (smtp, imap) = (servers.smtp_port, servers.imap_port);
    let desk_for_config = desk.clone();
    let app = TestApp::spawn_with(move |c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{smtp}"));
        c.mail.from = format!("Acme Desk <{desk_for_config}>");
        c.imap = Some(ImapSettings {
            host: "127.0.0.1".to_owned(),
            port: imap,
            security: ImapSecurity::None,
            user: desk_for_config.clone(),
            password: "secret".to_owned(),
            folder: "INBOX".to_owned(),
            move_to: None,
            interval: std::time::Duration::from_secs(60),
        });
    })
    .await;
    let admin = app.admin_token().await;
    let customer_address = mailbox_address("customer");
    let customer = create(&app, &admin, "/api/v1/customers", json!({"name": "Round Trip"})).await;
    let contact =
        create(&app, &admin, "/api/v1/contacts", json!({"customer_id": id(&customer), "name": "Rok", "email": customer_address})).await;
    let ticket = create(&app, &admin, "/api/v1/tickets", json!({"title": "Heating", "contact_id": id(&contact)})).await;
    let t = id(&ticket);
    create(&app, &admin, &format!("/api/v1/tickets/{t}/comments"), json!({"visibility": "public", "body": "Can we come on Friday?"})).await;
    app.run_jobs().await;

    // The customer's mailbox has the reply; they answer it from their mail client.
    let inbox = servers.inbox(&customer_address, 2).await;
    let ours =
        inbox.iter().map(|raw| MessageParser::default().parse(raw).unwrap()).find(|m| m.body_text(0).unwrap().contains("Friday")).unwrap();
    let answer = lettre::Message::builder()
        .from(format!("Rok <{customer_address}>").parse().unwrap())
        .to(desk.parse().unwrap())
        .subject(format!("Re: {}", ours.subject().unwrap()))
        .in_reply_to(format!("<{}>", ours.message_id().unwrap()))
        .references(format!("<{}>", ours.message_id().unwrap()))
        .header(ContentType::TEXT_PLAIN)
        .body("Friday works.\n\n> Can we come on Friday?\n".to_owned())
        .unwrap();
    let relay = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1").port(smtp).build();
    relay.send(answer).await.unwrap();
    assert_eq!(servers.inbox(&desk, 1).await.len(), 1, "delivered to the desk's mailbox");

    let poller = ImapPoll::new(app.state.desk.clone(), app.state.config.imap.clone().unwrap());
    assert_eq!(poller.poll().await.unwrap(), 1);
    let comments: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &admin).await.json().await.unwrap();
    let last = comments["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["body"], "Friday works.");
    assert_eq!(last["author_email"], customer_address.as_str());
    assert_eq!(last["quoted_text"], "> Can we come on Friday?");
    assert_eq!(poller.poll().await.unwrap(), 0, "flagged seen: not read again");

    // A crash after storing but before flagging: the message is read again and stored once.
    let again = lettre::Message::builder()
        .from(format!("Rok <{customer_address}>").parse().unwrap())
        .to(desk.parse().unwrap())
        .subject(format!("Re: [{}] Heating", ticket["number"].as_str().unwrap()))
        .header(ContentType::TEXT_PLAIN)
        .body("And bring the spare valve.".to_owned())
        .unwrap();
    relay.send(again).await.unwrap();
    let raw = servers.inbox(&desk, 2).await.pop().unwrap();
    servdesk_channels::inbound::receive(&app.state, raw.into(), Default::default()).await.unwrap();
    assert_eq!(poller.poll().await.unwrap(), 1, "read again after the 'crash'");
    let comments: Value = app.get(&format!("/api/v1/tickets/{t}/comments"), &admin).await.json().await.unwrap();
    let valves = comments["items"].as_array().unwrap().iter().filter(|c| c["body"] == "And bring the spare valve.").count();
    assert_eq!(valves, 1, "stored once");
}

#[tokio::test]
async fn the_poller_moves_what_it_filed_when_told_to() {
    let servers = mail_servers();
    let desk = mailbox_address("desk");
    let imap = servers.imap_port;
    let desk_login = desk.clone();
    let app = TestApp::spawn_with(move |c| {
        c.imap = Some(ImapSettings {
            host: "127.0.0.1".to_owned(),
            port: imap,
            security: ImapSecurity::None,
            user: desk_login,
            password: "secret".to_owned(),
            folder: "INBOX".to_owned(),
            move_to: Some("Filed".to_owned()),
            interval: std::time::Duration::from_secs(60),
        });
    })
    .await;
    servers.append(&desk, &fixture("utf-8-html-only.eml"), "Filed").await;
    let poller = ImapPoll::new(app.state.desk.clone(), app.state.config.imap.clone().unwrap());
    assert_eq!(poller.poll().await.unwrap(), 1);
    assert_eq!(servers.count(&desk, "INBOX").await, 0);
    assert_eq!(servers.count(&desk, "Filed").await, 1);
    let admin = app.admin_token().await;
    let calls: Value = app.get("/api/v1/calls", &admin).await.json().await.unwrap();
    assert_eq!(calls["items"][0]["subject"], "Caldaia che perde – Trieste");
}
