//! Inbound email, from the IMAP poller or `POST /inbound/email`: one use case.
//!
//! The raw message is kept in the object store first, then everything is decided and
//! written in one transaction: a reply lands on its ticket as the contact's public comment
//! (a closed ticket reopens inside the reopen window; after it, a new call links the old
//! ticket), anything else becomes a call of channel `email`. Machines (auto-replies, lists,
//! bounces, our own messages) never create a call or an acknowledgement. The same
//! Message-ID delivered twice is stored once.

use bytes::Bytes;
use serde_json::json;
use servdesk_domain::Actor;
use servdesk_domain::Email;
use servdesk_domain::calls::Call;
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::errors::code;
use servdesk_domain::mail::{self, InboundKind, InboundSignals, SenderStanding, split_reply};
use servdesk_domain::messages::{Message, MessageDirection, MessageStatus};
use servdesk_domain::tickets::CommentVisibility;
use servdesk_domain::tickets::{Channel, Ticket};
use servdesk_domain::timeline::{CommentAdded, FileRef, MessageFailed, TicketEvent, reasons};
use servdesk_persistence::attachments::{self, NewAttachment};
use servdesk_persistence::comments::{self, EmailAuthor};
use servdesk_persistence::directory::contacts;
use servdesk_persistence::{ConnectionTrait, StoreError, TransactionTrait, calls, messages, tickets};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::calls::Intake;
use crate::storage::Storage;
use crate::{Desk, Error, Result, now};

/// A file of the message: attachments and inline images alike.
pub struct File {
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    /// Shown inside the HTML (`Content-Disposition: inline` / `Content-ID`).
    pub inline: bool,
}

#[derive(Default)]
pub struct Parsed {
    pub message_id: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub to: Vec<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    /// `In-Reply-To` then `References`, as Message-IDs.
    pub thread: Vec<String>,
    pub auto_submitted: Option<String>,
    pub precedence: Option<String>,
    pub list: bool,
    pub autoreply_header: bool,
    pub delivery_report: bool,
    /// Message-IDs named inside a delivery report (the message that bounced).
    pub reported_ids: Vec<String>,
    pub text: String,
    pub html: Option<String>,
    pub files: Vec<File>,
    /// The parser could not read it as a message; `text` is the raw bytes.
    pub malformed: bool,
}

/// What became of an incoming email.
#[derive(Debug, Clone)]
pub struct InboundOutcome {
    /// `comment` (a reply on its ticket), `call` (a new call), `duplicate` (this Message-ID
    /// was stored before), `ignored` (automated, or our own message) or `bounce` (a delivery
    /// failure of one of our messages, which is now marked failed).
    pub outcome: &'static str,
    /// The stored message (`GET /messages/{id}`).
    pub message_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    /// Why it was ignored, or why a reply became a new call.
    pub reason: Option<String>,
}

/// Where a reply belongs.
enum Target {
    Ticket(Ticket),
    /// A reply to a ticket closed longer than the reopen window: a new call linking it.
    NewCallAfter(Ticket),
    /// A message that names a ticket from a sender who may not answer it: a new call linked
    /// to the ticket, for an agent to merge.
    NewCallAbout(Ticket),
    NewCall,
}

/// Stores and files one raw message, parsed by the channel that received it.
pub async fn file(state: &Desk, raw: Bytes, parsed: Parsed, received_by: Actor) -> Result<InboundOutcome> {
    let message_id = parsed.message_id.clone().unwrap_or_else(|| {
        // Without a Message-ID, its content identifies it: a redelivery is still stored once.
        format!("sha256-{}@servdesk.invalid", hex::encode(Sha256::digest(&raw)))
    });
    if let Some(existing) = messages::by_message_id(&state.db, &message_id).await? {
        return Ok(duplicate(existing));
    }
    let now = now();
    let id = Uuid::now_v7();
    let raw_key = Storage::inbound_key(id, now);
    state.storage.put(&raw_key, raw.clone()).await?;
    let mut stored_files: Vec<StoredFile> = Vec::new();
    for index in 0..parsed.files.len() {
        let file_id = Uuid::now_v7();
        let key = Storage::attachment_key(file_id, now);
        if let Err(e) = state.storage.put(&key, Bytes::from(parsed.files[index].bytes.clone())).await {
            discard(state, &raw_key, &stored_files).await;
            return Err(e.into());
        }
        stored_files.push(StoredFile { id: file_id, key, index });
    }
    let result = file_message(state, &parsed, &message_id, id, &raw_key, &stored_files, received_by, now).await;
    match result {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            discard(state, &raw_key, &stored_files).await;
            // Lost the race against the same message delivered at the same moment.
            if let Some(existing) = messages::by_message_id(&state.db, &message_id).await? {
                return Ok(duplicate(existing));
            }
            Err(e)
        }
    }
}

fn duplicate(existing: Message) -> InboundOutcome {
    InboundOutcome {
        outcome: "duplicate",
        message_id: existing.id,
        ticket_id: existing.ticket_id,
        call_id: existing.call_id,
        comment_id: existing.comment_id,
        reason: None,
    }
}

/// A file of the message already in the object store: `index` into the parsed files.
struct StoredFile {
    id: Uuid,
    key: String,
    index: usize,
}

async fn discard(state: &Desk, raw_key: &str, files: &[StoredFile]) {
    let mut keys: Vec<String> = files.iter().map(|f| f.key.clone()).collect();
    keys.push(raw_key.to_owned());
    for key in keys {
        state.storage.discard([key.as_str()]).await;
    }
}

async fn is_ours(conn: &impl ConnectionTrait, state: &Desk, message_id: &str) -> Result<bool, StoreError> {
    let our_domain = mail::domain_of(&state.config.mail.from);
    if our_domain.is_none_or(|d| mail::domain_of(message_id).as_deref() != Some(d.as_str())) {
        return Ok(false);
    }
    Ok(messages::by_message_id(conn, message_id).await?.is_some_and(|m| m.direction == MessageDirection::Outbound))
}

/// What a message answers: a ticket (by the number in its subject, else by the message of
/// ours it replies to), or the acknowledgement of a call nobody has triaged yet — whose
/// answer becomes a call of its own that names it, so the coordinator sees both together.
#[derive(Default)]
struct Answers {
    ticket: Option<Ticket>,
    untriaged_call: Option<Call>,
}

async fn answers(conn: &impl ConnectionTrait, state: &Desk, parsed: &Parsed) -> Result<Answers, StoreError> {
    if let Some(number) = parsed.subject.as_deref().and_then(|s| mail::ticket_number_in_subject(s, &state.config.ticket_prefix))
        && let Some(ticket) = tickets::by_number(conn, &number).await?
    {
        return Ok(Answers { ticket: Some(ticket), untriaged_call: None });
    }
    let Some(answered) = messages::first_outbound_of(conn, &parsed.thread).await? else { return Ok(Answers::default()) };
    if let Some(ticket_id) = answered.ticket_id {
        return Ok(Answers { ticket: Some(tickets::get(conn, ticket_id).await?), untriaged_call: None });
    }
    let Some(call_id) = answered.call_id else { return Ok(Answers::default()) };
    let call = calls::get(conn, call_id).await?;
    Ok(match call.ticket_id {
        Some(ticket_id) => Answers { ticket: Some(tickets::get(conn, ticket_id).await?), untriaged_call: None },
        None => Answers { ticket: None, untriaged_call: Some(call) },
    })
}

async fn target(conn: &impl ConnectionTrait, state: &Desk, ticket: Option<Ticket>, now: chrono::DateTime<chrono::Utc>) -> Result<Target> {
    let Some(ticket) = ticket else { return Ok(Target::NewCall) };
    match crate::tickets::reopen_for_reply(conn, state, ticket.clone(), reasons::EMAIL_REPLY, now).await? {
        Some(open) => Ok(Target::Ticket(open)),
        None => Ok(Target::NewCallAfter(ticket)),
    }
}

#[allow(clippy::too_many_arguments)]
async fn file_message(
    state: &Desk,
    parsed: &Parsed,
    message_id: &str,
    id: Uuid,
    raw_key: &str,
    files: &[StoredFile],
    received_by: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<InboundOutcome> {
    let txn = state.db.begin().await?;
    let signals = InboundSignals {
        our_message_id: is_ours(&txn, state, message_id).await?,
        delivery_report: parsed.delivery_report,
        from: parsed.from_address.as_deref(),
        subject: parsed.subject.as_deref(),
        auto_submitted: parsed.auto_submitted.as_deref(),
        precedence: parsed.precedence.as_deref(),
        list: parsed.list,
        autoreply_header: parsed.autoreply_header,
    };
    let kind = classify(signals);
    let mut message = Message {
        id,
        direction: MessageDirection::Inbound,
        channel: NotificationChannel::Email,
        event: None,
        status: MessageStatus::Received,
        ticket_id: None,
        call_id: None,
        comment_id: None,
        task_id: None,
        contact_id: None,
        user_id: None,
        to_address: parsed.to.first().cloned().unwrap_or_default(),
        to_name: None,
        from_address: parsed.from_address.clone(),
        from_name: parsed.from_name.clone(),
        subject: parsed.subject.clone().unwrap_or_default(),
        body_text: parsed.text.clone(),
        body_html: parsed.html.clone(),
        language: None,
        message_id: Some(message_id.to_owned()),
        in_reply_to: parsed.thread.first().cloned(),
        references: parsed.thread.clone(),
        auto_submitted: parsed.auto_submitted.clone(),
        attachment_ids: files.iter().map(|f| f.id).collect(),
        attempts: 0,
        last_error: None,
        created_at: now,
        updated_at: now,
        sent_at: None,
    };
    let mut out = InboundOutcome { outcome: "ignored", message_id: id, ticket_id: None, call_id: None, comment_id: None, reason: None };
    match kind {
        InboundKind::Own => {
            message.status = MessageStatus::Ignored;
            out.reason = Some("one of our own messages".to_owned());
        }
        InboundKind::Bounce => {
            message.status = MessageStatus::Ignored;
            out.outcome = "bounce";
            let ids: Vec<String> = parsed.reported_ids.iter().chain(&parsed.thread).cloned().collect();
            if let Some(original) = messages::first_outbound_of(&txn, &ids).await? {
                let error = format!(
                    "bounced: {}",
                    parsed.text.lines().map(str::trim).filter(|l| !l.is_empty()).take(6).collect::<Vec<_>>().join(" / ")
                );
                if messages::mark_bounced(&txn, original.id, &error, now).await?
                    && let Some(ticket_id) = original.ticket_id
                {
                    let event = TicketEvent::MessageFailed(MessageFailed {
                        message_id: original.id,
                        channel: NotificationChannel::Email.as_str().to_owned(),
                        to: original.to_address.clone(),
                        event: original.event.map(|e| e.as_str().to_owned()),
                        error: error.clone(),
                        attempts: None,
                        bounce_message_id: Some(id),
                    });
                    tickets::append_event(&txn, ticket_id, Actor::default(), &event, now).await?;
                }
                message.ticket_id = original.ticket_id;
                out.ticket_id = original.ticket_id;
                out.reason = Some(format!("bounce of message {}", original.id));
            } else {
                out.reason = Some("a delivery report about no message of ours".to_owned());
            }
        }
        InboundKind::Automated(why) => {
            message.status = MessageStatus::Ignored;
            // Kept on the ticket it answers (an out-of-office reply is worth seeing), but
            // never a comment, a call or an acknowledgement.
            message.ticket_id = answers(&txn, state, parsed).await?.ticket.map(|t| t.id);
            out.ticket_id = message.ticket_id;
            out.reason = Some(format!("automated ({why})"));
        }
        InboundKind::Person => {
            let contact = sender_contact(&txn, parsed).await?;
            message.contact_id = contact;
            let answered = if parsed.malformed { Answers::default() } else { answers(&txn, state, parsed).await? };
            let target = match answered.ticket {
                Some(ticket) if !sender_may_answer(&txn, parsed, &ticket).await? => Target::NewCallAbout(ticket),
                ticket => target(&txn, state, ticket, now).await?,
            };
            match target {
                Target::Ticket(ticket) => {
                    let parts = split_reply(&parsed.text);
                    let author = EmailAuthor {
                        contact_id: contact,
                        address: parsed.from_address.clone().unwrap_or_else(|| "unknown".to_owned()),
                        quoted_text: parts.quoted,
                    };
                    let body = if parts.new_text.trim().is_empty() { "(no text)".to_owned() } else { parts.new_text };
                    let comment = comments::create_from_email(&txn, ticket.id, author, body, now).await?;
                    let ids = store_files(&txn, parsed, files, None, Some(ticket.id), received_by, now).await?;
                    if !ids.is_empty() {
                        attachments::attach_to_comment(&txn, ticket.id, comment.id, &ids).await?;
                    }
                    let event = TicketEvent::CommentAdded(CommentAdded {
                        comment_id: comment.id,
                        visibility: CommentVisibility::Public.as_str().to_owned(),
                        attachments: files_named(parsed, files, &ids),
                        via: Some("email".to_owned()),
                        from: parsed.from_address.clone(),
                        message_id: Some(id),
                        ..CommentAdded::default()
                    });
                    tickets::append_event(&txn, ticket.id, Actor::default(), &event, now).await?;
                    message.ticket_id = Some(ticket.id);
                    message.comment_id = Some(comment.id);
                    out = InboundOutcome { outcome: "comment", ticket_id: Some(ticket.id), comment_id: Some(comment.id), ..out };
                }
                target => {
                    let links = CallLinks {
                        previous: match &target {
                            Target::NewCallAfter(t) => Some(t),
                            _ => None,
                        },
                        about: match &target {
                            Target::NewCallAbout(t) => Some(t),
                            _ => None,
                        },
                        earlier_call: answered.untriaged_call.as_ref(),
                    };
                    let call = new_call(&txn, state, parsed, message_id, &links, received_by, now).await?;
                    // A triage rule may have made it a ticket already: its files and email go there.
                    store_files(&txn, parsed, files, Some(call.id), call.ticket_id, received_by, now).await?;
                    message.call_id = Some(call.id);
                    message.ticket_id = call.ticket_id;
                    out = InboundOutcome { outcome: "call", call_id: Some(call.id), ticket_id: call.ticket_id, ..out };
                    if let Some(t) = links.previous {
                        out.reason = Some(format!("{} was closed longer than the reopen window", t.number));
                    }
                    if let Some(t) = links.about {
                        out.reason = Some(format!("the sender is not a contact of {} and was not written to about it", t.number));
                    }
                }
            }
        }
    }
    if !messages::insert_received(&txn, &message, Some(raw_key.to_owned())).await? {
        return Err(Error::new(code::DUPLICATE_MESSAGE, "this Message-ID was stored meanwhile"));
    }
    crate::commit(txn).await?;
    Ok(out)
}

fn classify(signals: InboundSignals<'_>) -> InboundKind {
    mail::classify_inbound(signals)
}

async fn sender_contact(conn: &impl ConnectionTrait, parsed: &Parsed) -> Result<Option<Uuid>, StoreError> {
    let Some(email) = parsed.from_address.as_deref().and_then(|a| Email::parse(a).ok()) else { return Ok(None) };
    Ok(contacts::find_by_email_or_phone(conn, Some(&email), None).await?.first().map(|c| c.id))
}

/// Whether the sender may answer `ticket` (see `SenderStanding`).
async fn sender_may_answer(conn: &impl ConnectionTrait, parsed: &Parsed, ticket: &Ticket) -> Result<bool, StoreError> {
    let Some(address) = parsed.from_address.as_deref() else { return Ok(false) };
    let contacts = match Email::parse(address) {
        Ok(email) => contacts::find_by_email_or_phone(conn, Some(&email), None).await?,
        Err(_) => Vec::new(),
    };
    let standing = SenderStanding {
        is_ticket_contact: contacts.iter().any(|c| Some(c.id) == ticket.contact_id),
        is_customer_contact: contacts.iter().any(|c| Some(c.customer_id) == ticket.customer_id),
        was_written_to: messages::wrote_to(conn, ticket.id, address).await?,
    };
    Ok(standing.may_answer_ticket())
}

/// What a new call from an email is linked to.
struct CallLinks<'a> {
    /// A ticket it answers that was closed longer than the reopen window.
    previous: Option<&'a Ticket>,
    /// A ticket it names whose sender may not answer it.
    about: Option<&'a Ticket>,
    /// An untriaged call whose acknowledgement it answers.
    earlier_call: Option<&'a Call>,
}

async fn new_call(
    conn: &impl ConnectionTrait,
    state: &Desk,
    parsed: &Parsed,
    message_id: &str,
    links: &CallLinks<'_>,
    received_by: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Call> {
    let CallLinks { previous, about, earlier_call } = *links;
    let mut metadata = json!({
        "message_id": message_id,
        "to": parsed.to,
        "date": parsed.date,
        "in_reply_to": parsed.thread.first(),
        "references": parsed.thread,
    });
    if let Some(t) = previous {
        metadata["previous_ticket_id"] = json!(t.id);
        metadata["previous_ticket_number"] = json!(t.number);
    }
    if let Some(t) = about {
        metadata["related_ticket_id"] = json!(t.id);
        metadata["related_ticket_number"] = json!(t.number);
        metadata["unverified_sender"] = json!(true);
    }
    if let Some(c) = earlier_call {
        metadata["previous_call_id"] = json!(c.id);
        metadata["previous_call_number"] = json!(c.number);
    }
    if parsed.malformed {
        metadata["malformed"] = json!(true);
    }
    let from_email = parsed.from_address.as_deref().and_then(|a| Email::parse(a).ok());
    let body = Intake {
        channel: Channel::Email,
        subject: parsed.subject.clone().filter(|s| !s.is_empty()).map(|s| s.chars().take(998).collect()),
        body: Some(parsed.text.clone()),
        from_name: parsed.from_name.clone().filter(|n| !n.is_empty()),
        from_email,
        from_phone: None,
        customer_id: None,
        contact_id: None,
        dedup_key: None,
        action: servdesk_domain::calls::AlarmAction::Trigger,
        auto_convert: false,
        metadata: Some(metadata),
    };
    crate::calls::register(conn, state, &body, received_by, now).await
}

/// The timeline's references to the stored files whose ids are `ids`.
fn files_named(parsed: &Parsed, files: &[StoredFile], ids: &[Uuid]) -> Vec<FileRef> {
    files
        .iter()
        .filter(|f| ids.contains(&f.id))
        .map(|f| FileRef {
            attachment_id: f.id,
            filename: Some(servdesk_domain::attachments::safe_filename(&parsed.files[f.index].filename)),
            size_bytes: i64::try_from(parsed.files[f.index].bytes.len()).ok(),
            ..FileRef::default()
        })
        .collect()
}

/// Rows for the files already in the object store.
async fn store_files(
    conn: &impl ConnectionTrait,
    parsed: &Parsed,
    files: &[StoredFile],
    call_id: Option<Uuid>,
    ticket_id: Option<Uuid>,
    by: Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<Uuid>, StoreError> {
    let mut ids = Vec::new();
    for stored in files {
        let (id, key, file) = (&stored.id, &stored.key, &parsed.files[stored.index]);
        let head = &file.bytes[..file.bytes.len().min(servdesk_domain::attachments::SNIFF_BYTES)];
        // An email's files are kept whatever they are (the message is never refused for
        // them); what cannot be trusted is served as a download of unknown type.
        let content_type = servdesk_domain::attachments::classify(head, file.content_type.as_deref())
            .unwrap_or_else(|_| "application/octet-stream".to_owned());
        let new = NewAttachment {
            id: *id,
            call_id,
            ticket_id,
            filename: servdesk_domain::attachments::safe_filename(&file.filename),
            content_type,
            size_bytes: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            sha256: hex::encode(Sha256::digest(&file.bytes)),
            storage_key: key.clone(),
            uploaded_by: by,
            task_id: None,
            kind: if file.inline { "inline" } else { "file" },
        };
        attachments::create(conn, new, now).await?;
        ids.push(*id);
    }
    Ok(ids)
}
