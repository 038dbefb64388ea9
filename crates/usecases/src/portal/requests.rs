//! What a logged-in contact reads and writes: their (or their company's) tickets and the
//! requests still waiting for triage, replies with files, new requests, the company's
//! equipment and documents. Everything outside what they see answers as not found.

use servdesk_domain::Actor;
use servdesk_domain::attachments::Attachment;
use servdesk_domain::calls::{AlarmAction, Call};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::directory::Equipment;
use servdesk_domain::documents::Document;
use servdesk_domain::errors::code;
use servdesk_domain::portal::PortalCustomer;
use servdesk_domain::tickets::{Channel, CommentVisibility, Ticket};
use servdesk_domain::timeline::{CommentAdded, FileRef, TicketEvent, reasons};
use servdesk_persistence::directory::equipment::{self, EquipmentFilter};
use servdesk_persistence::tickets::TicketFilter;
use servdesk_persistence::{Page, PageRequest, TransactionTrait, attachments, calls, comments, dictionaries, documents, tickets};
use uuid::Uuid;

use super::view::{self, PublicReply, PublicTicket};
use crate::attachments::StoredFile;
use crate::calls::Intake;
use crate::{Desk, Error, Result, now};

/// The tickets the contact sees, newest change first as asked by `req`; only of status
/// class `class` when given. Visits are left out of lists (see [`ticket`]).
pub async fn tickets(desk: &Desk, who: &PortalCustomer, class: Option<StatusClass>, req: PageRequest) -> Result<Page<PublicTicket>> {
    let statuses = dictionaries::list(&desk.db, DictionaryKind::TicketStatus, None, None).await?;
    let status_ids = class.map(|c| statuses.iter().filter(|s| s.class == Some(c)).map(|s| s.id).collect());
    let filter = TicketFilter { status_ids, ..TicketFilter::default() };
    let page = tickets::list(&desk.db, &filter, &who.visibility(), req).await?;
    Ok(page.map(|ticket| {
        let status = statuses.iter().find(|s| s.id == ticket.status_id);
        PublicTicket {
            status_name: status.map(|s| s.name.clone()).unwrap_or_default(),
            status_class: status.and_then(|s| s.class).unwrap_or(StatusClass::Open),
            visits: Vec::new(),
            ticket,
        }
    }))
}

async fn visible(conn: &impl servdesk_persistence::ConnectionTrait, who: &PortalCustomer, id: Uuid) -> Result<Ticket> {
    Ok(tickets::get_visible(conn, id, &who.visibility()).await?)
}

/// One ticket with its planned visits.
pub async fn ticket(desk: &Desk, who: &PortalCustomer, id: Uuid) -> Result<PublicTicket> {
    let ticket = visible(&desk.db, who, id).await?;
    view::ticket(&desk.db, ticket).await
}

/// A ticket's public replies, oldest first.
pub async fn replies(desk: &Desk, who: &PortalCustomer, id: Uuid, after: Option<Uuid>) -> Result<(Vec<PublicReply>, Option<Uuid>)> {
    let ticket = visible(&desk.db, who, id).await?;
    view::replies(desk, &desk.db, ticket.id, after).await
}

/// The contact replies on a ticket they see, with files already in the file store: a
/// public comment, on the timeline as written in the portal. A closed ticket reopens
/// inside the reopen window, as an emailed reply does; after it the answer is 409
/// `reopen_window_passed` (open a new request). The files' objects are removed when the
/// reply cannot be stored.
pub async fn reply(desk: &Desk, who: &PortalCustomer, id: Uuid, body: String, files: &[StoredFile]) -> Result<PublicReply> {
    let result = async {
        let now = now();
        let txn = desk.db.begin().await?;
        let ticket = visible(&txn, who, id).await?;
        let Some(ticket) = crate::tickets::reopen_for_reply(&txn, desk, ticket, reasons::PORTAL_REPLY, now).await? else {
            return Err(Error::new(code::REOPEN_WINDOW_PASSED, "the request was closed too long ago to reopen; open a new request"));
        };
        let comment = comments::create_from_portal(&txn, ticket.id, who.contact_id, body, now).await?;
        let mut stored = Vec::with_capacity(files.len());
        for file in files {
            stored.push(attachments::create(&txn, file.row(None, Some(ticket.id), None, Actor::SYSTEM, "file"), now).await?);
        }
        let ids: Vec<Uuid> = stored.iter().map(|a| a.id).collect();
        if !ids.is_empty() {
            attachments::attach_to_comment(&txn, ticket.id, comment.id, &ids).await?;
        }
        let event = TicketEvent::CommentAdded(CommentAdded {
            comment_id: comment.id,
            visibility: CommentVisibility::Public.as_str().to_owned(),
            attachments: stored
                .iter()
                .map(|a| FileRef { attachment_id: a.id, filename: Some(a.filename.clone()), ..FileRef::default() })
                .collect(),
            via: Some("portal".to_owned()),
            ..CommentAdded::default()
        });
        tickets::append_event(&txn, ticket.id, Actor::SYSTEM, &event, now).await?;
        let reply = view::reply(desk, &txn, comment, stored).await?;
        crate::commit(txn).await?;
        Ok(reply)
    }
    .await;
    if result.is_err() {
        desk.storage.discard(files.iter().map(|f| f.storage_key.as_str())).await;
    }
    result
}

/// A new request from the portal: a call of channel `portal` from the contact, with its
/// files, acknowledged like any other.
pub async fn open_request(desk: &Desk, who: &PortalCustomer, subject: String, body: String, files: &[StoredFile]) -> Result<Call> {
    let result = async {
        let now = now();
        let txn = desk.db.begin().await?;
        let intake = Intake {
            channel: Channel::Portal,
            subject: Some(subject),
            body: Some(body),
            from_name: None,
            from_email: None,
            from_phone: None,
            customer_id: Some(who.customer_id),
            contact_id: Some(who.contact_id),
            dedup_key: None,
            action: AlarmAction::Trigger,
            auto_convert: false,
            metadata: None,
        };
        let call = crate::calls::register(&txn, desk, &intake, Actor::SYSTEM, now).await?;
        // A triage rule may have made it a ticket already: the files go there too.
        for file in files {
            attachments::create(&txn, file.row(Some(call.id), call.ticket_id, None, Actor::SYSTEM, "file"), now).await?;
        }
        crate::commit(txn).await?;
        Ok::<_, Error>(call)
    }
    .await;
    if result.is_err() {
        desk.storage.discard(files.iter().map(|f| f.storage_key.as_str())).await;
    }
    result
}

/// The contact's requests still waiting to be triaged.
pub async fn waiting(desk: &Desk, who: &PortalCustomer, req: PageRequest) -> Result<Page<Call>> {
    Ok(calls::waiting_for_portal(&desk.db, &who.visibility(), req).await?)
}

/// The company's equipment in service, with warranty ends and contracts.
pub async fn equipment(desk: &Desk, who: &PortalCustomer, req: PageRequest) -> Result<Page<Equipment>> {
    let filter = EquipmentFilter { customer_id: Some(who.customer_id), active: Some(true), ..EquipmentFilter::default() };
    Ok(equipment::list(&desk.db, &filter, req).await?)
}

/// The documents the contact sees: of their tickets, and a manager the company's bills.
pub async fn documents(desk: &Desk, who: &PortalCustomer, req: PageRequest) -> Result<Page<Document>> {
    let bills_of = who.sees_bills().then_some(who.customer_id);
    Ok(documents::for_portal(&desk.db, &who.visibility(), bills_of, req).await?)
}

/// One document the contact sees, else not found.
pub async fn document(desk: &Desk, who: &PortalCustomer, id: Uuid) -> Result<Document> {
    let document = documents::get(&desk.db, id).await?;
    let through_ticket = match document.ticket_id {
        Some(ticket_id) => tickets::get_visible(&desk.db, ticket_id, &who.visibility()).await.is_ok(),
        None => false,
    };
    let own_bill = who.sees_bills() && document.customer_id == Some(who.customer_id);
    if through_ticket || own_bill { Ok(document) } else { Err(Error::not_found()) }
}

/// A file the contact may download: one of a public reply on a ticket they see, or a
/// document's file they see. Anything else (internal notes' files, photos of the work, a
/// call's files before triage) is not found.
pub async fn file(desk: &Desk, who: &PortalCustomer, id: Uuid) -> Result<Attachment> {
    let attachment = attachments::get(&desk.db, id).await?;
    if let (Some(comment_id), Some(ticket_id)) = (attachment.comment_id, attachment.ticket_id) {
        let comment = comments::get(&desk.db, comment_id).await?;
        if comment.visibility == CommentVisibility::Public && tickets::get_visible(&desk.db, ticket_id, &who.visibility()).await.is_ok() {
            return Ok(attachment);
        }
        return Err(Error::not_found());
    }
    if let Some(document) = documents::of_attachment(&desk.db, attachment.id).await? {
        document_seen(desk, who, document.id).await?;
        return Ok(attachment);
    }
    Err(Error::not_found())
}

async fn document_seen(desk: &Desk, who: &PortalCustomer, id: Uuid) -> Result<()> {
    document(desk, who, id).await.map(|_| ())
}
