//! Documents Servdesk writes itself: the intervention report of a task.
//!
//! A done task's report is generated once and kept: as an attachment (`kind: report`) and as
//! the ticket's linked document of type `intervention_report`; later requests serve the kept
//! file (`fresh` regenerates it, e.g. after a time correction). An open task's report is a
//! work order to take along, generated each time and not kept. The data is gathered here;
//! the PDF is drawn by the documents crate.

use std::collections::HashMap;

use bytes::Bytes;
use chrono::Utc;
use futures_util::TryStreamExt;
use servdesk_documents::intervention::{self, ChecklistLine, Report, Signature, THUMBNAIL_PIXELS, TimeLine};
use servdesk_documents::pdf::Image;
use servdesk_domain::Actor;
use servdesk_domain::Principal;
use servdesk_domain::documents::{Document, DocumentKind, report_number};
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::tickets::Ticket;
use servdesk_domain::timeline::{DocumentAdded, TicketEvent};
use servdesk_persistence::attachments::{self, NewAttachment, Owner as FilesOf};
use servdesk_persistence::directory::{contacts, customers, equipment, locations, partners, products};
use servdesk_persistence::documents::{self, NewDocument};
use servdesk_persistence::time::{self, EntryFilter};
use servdesk_persistence::{ConnectionTrait, PageRequest, TransactionTrait, checklists, completion, tickets, users};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::access::visible_task;
use crate::{Desk, Error, Result, now};

/// A rendered intervention report.
pub struct RenderedReport {
    pub filename: String,
    pub pdf: Bytes,
}

/// The intervention report of a task the caller may see: the kept one of a done task
/// (generated and kept the first time, or again when `fresh`), a fresh work order otherwise.
pub async fn intervention_report(desk: &Desk, principal: &Principal, task_id: Uuid, fresh: bool) -> Result<RenderedReport> {
    let (task, ticket) = visible_task(&desk.db, principal, task_id).await?;
    let filename = format!("{}.pdf", report_number(&task.number).replace('/', "-"));
    let pdf = if task.status == TaskStatus::Done {
        let kept = documents::of_task(&desk.db, task.id, DocumentKind::InterventionReport).await?;
        match kept.as_ref().and_then(|d| d.attachment_id).filter(|_| !fresh) {
            Some(file) => read_file(desk, file).await?,
            None => {
                let pdf = Bytes::from(intervention::render(gather(desk, &task, &ticket).await?));
                keep(desk, principal, &task, &ticket, kept, &filename, pdf.clone()).await?;
                pdf
            }
        }
    } else {
        Bytes::from(intervention::render(gather(desk, &task, &ticket).await?))
    };
    Ok(RenderedReport { filename, pdf })
}

/// The photos and the signature a completion stored with a task.
pub async fn completion_files(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
) -> Result<(Vec<attachments::Attachment>, Option<attachments::Attachment>)> {
    let (files, _) = attachments::list(conn, FilesOf::Task(task_id), None, 1000).await?;
    let mut photos = Vec::new();
    let mut signature = None;
    for f in files {
        match f.kind.as_str() {
            "photo" => photos.push(f),
            "signature" => signature = Some(f),
            _ => {}
        }
    }
    Ok((photos, signature))
}

async fn read_file(desk: &Desk, attachment_id: Uuid) -> Result<Bytes> {
    let file = attachments::get(&desk.db, attachment_id).await?;
    let chunks: Vec<Bytes> = desk.storage.read(&file.storage_key).await?.try_collect().await?;
    Ok(Bytes::from(chunks.concat()))
}

/// Stores the report and links it to the ticket as its `intervention_report` (replacing the
/// file of an earlier one), with a timeline event, in one transaction.
async fn keep(
    desk: &Desk,
    principal: &Principal,
    task: &Task,
    ticket: &Ticket,
    kept: Option<Document>,
    filename: &str,
    pdf: Bytes,
) -> Result<()> {
    let now = now();
    let id = Uuid::now_v7();
    let key = crate::storage::Storage::attachment_key(id, now);
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let size_bytes = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    desk.storage.put(&key, pdf).await?;
    let result = async {
        let txn = desk.db.begin().await?;
        // Two first reads of the report at once both found none kept: the second to get here
        // finds the first's and keeps it, instead of failing on the document's uniqueness.
        tickets::lock(&txn, ticket.id).await?;
        let now_kept = documents::of_task(&txn, task.id, DocumentKind::InterventionReport).await?;
        if kept.is_none() && now_kept.is_some() {
            return Ok::<_, Error>(false);
        }
        let kept = now_kept;
        let new = NewAttachment {
            id,
            call_id: None,
            ticket_id: Some(ticket.id),
            filename: filename.to_owned(),
            content_type: "application/pdf".to_owned(),
            size_bytes,
            sha256,
            storage_key: key.clone(),
            uploaded_by: Actor::of(principal),
            task_id: Some(task.id),
            kind: "report",
        };
        attachments::create(&txn, new, now).await?;
        let today = now.date_naive();
        let document = match kept {
            Some(d) => {
                documents::replace_file(&txn, d.id, id, today, now).await?;
                d.id
            }
            None => {
                let new = NewDocument {
                    ticket_id: Some(ticket.id),
                    task_id: Some(task.id),
                    customer_id: task.customer_id.or(ticket.customer_id),
                    statement_id: None,
                    kind: DocumentKind::InterventionReport,
                    number: report_number(&task.number),
                    issued_on: today,
                    amount_minor: None,
                    currency: None,
                    status: "issued".to_owned(),
                    external_ref: None,
                    attachment_id: Some(id),
                };
                documents::create(&txn, new, now).await?.id
            }
        };
        let event = TicketEvent::DocumentAdded(DocumentAdded {
            document_id: document,
            kind: DocumentKind::InterventionReport,
            number: report_number(&task.number),
            attachment_id: Some(id),
        });
        tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
        crate::commit(txn).await?;
        Ok::<_, Error>(true)
    }
    .await;
    if !matches!(result, Ok(true)) {
        desk.storage.discard([key.as_str()]).await;
    }
    result.map(drop)
}

/// Reads everything the report shows.
async fn gather(desk: &Desk, task: &Task, ticket: &Ticket) -> Result<Report> {
    let db = &desk.db;
    let customer_id = task.customer_id.or(ticket.customer_id);
    let customer = match customer_id {
        Some(id) => Some(customers::get(db, id).await?.name),
        None => None,
    };
    let location = match task.location_id.or(ticket.location_id) {
        Some(id) => Some(locations::get(db, id).await?.one_line_address()),
        None => None,
    };
    let contact = match task.contact_id.or(ticket.contact_id) {
        Some(id) => {
            let c = contacts::get(db, id).await?;
            let mut parts = vec![c.name];
            parts.extend(c.phones.iter().map(ToString::to_string));
            parts.extend(c.email.map(|e| e.to_string()));
            Some(parts.join(", "))
        }
        None => None,
    };
    let equipment = match ticket.equipment_id {
        Some(id) => {
            let unit = equipment::get(db, id).await?;
            let product = products::get(db, unit.product_id).await?;
            Some(format!("{}, serial {}", product.name, unit.serial_number))
        }
        None => ticket.serial_number.clone().map(|s| format!("serial {s}")),
    };
    let mut names: HashMap<Uuid, String> = HashMap::new();
    let mut name_of = async |id: Uuid| -> Result<String> {
        if let Some(n) = names.get(&id) {
            return Ok(n.clone());
        }
        let n = users::get(db, id).await?.name;
        names.insert(id, n.clone());
        Ok(n)
    };
    let technician = match (task.assignee_id, task.partner_id) {
        (Some(a), Some(p)) => Some(format!("{} ({})", name_of(a).await?, partners::get(db, p).await?.name)),
        (Some(a), None) => Some(name_of(a).await?),
        (None, Some(p)) => Some(partners::get(db, p).await?.name),
        (None, None) => None,
    };
    let planned = task.planned_start.map(|s| match task.planned_end {
        Some(e) => format!("{} – {}", s.format("%Y-%m-%d %H:%M"), e.format("%H:%M UTC")),
        None => s.format("%Y-%m-%d %H:%M UTC").to_string(),
    });
    let mut checklist = Vec::new();
    for line in checklists::list(db, checklists::Owner::Task { ticket_id: ticket.id, task_id: task.id }).await? {
        let checked_by = match (line.checked_by, line.checked_at) {
            (Some(by), Some(at)) => Some(format!("{}, {}", name_of(by).await?, at.format("%Y-%m-%d %H:%M"))),
            _ => None,
        };
        checklist.push(ChecklistLine { text: line.text, checked: line.checked, checked_by });
    }
    let filter = EntryFilter { task_id: Some(task.id), ..EntryFilter::default() };
    let mut time = Vec::new();
    for e in time::list(db, &filter, PageRequest::first(1000)).await?.items {
        time.push(TimeLine { date: e.work_date, person: name_of(e.user_id).await?, minutes: i64::from(e.minutes), note: e.note });
    }
    time.sort_by_key(|t| t.date);
    let completion = completion::get(db, task.id).await?;
    let (photo_files, signature_file) = completion_files(db, task.id).await?;
    let mut photos = Vec::new();
    for file in photo_files {
        if let Some(image) = image(desk, &file.storage_key).await {
            photos.push((image, file.filename));
        }
    }
    let signature = match (signature_file, completion.as_ref()) {
        (Some(file), Some(c)) => match (image(desk, &file.storage_key).await, c.signer_name.clone(), c.signed_at) {
            (Some(image), Some(signer_name), Some(signed_at)) => Some(Signature { image, signer_name, signed_at }),
            _ => None,
        },
        _ => None,
    };
    Ok(Report {
        company_name: desk.config.company_name.clone(),
        company_address: desk.config.company_address.clone(),
        ticket_number: ticket.number.clone(),
        task_number: task.number.clone(),
        task_title: task.title.clone(),
        task_description: task.description.clone(),
        completed: task.status == TaskStatus::Done,
        customer,
        location,
        contact,
        equipment,
        warranty: ticket.warranty.flag,
        technician,
        planned,
        completed_at: completion.as_ref().map(|c| c.completed_at).or(task.completed_at),
        work_done: completion.map(|c| c.work_done),
        checklist,
        time,
        materials: completion::materials(db, task.id).await?,
        currency: desk.config.currency.clone(),
        photos,
        signature,
        generated_at: Utc::now(),
    })
}

/// A stored image for the report; one that cannot be read is left out (and logged) rather
/// than failing the whole report.
async fn image(desk: &Desk, key: &str) -> Option<Image> {
    let bytes = match desk.storage.read_all(key).await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(key, error = %e, "report image unreadable from storage");
            return None;
        }
    };
    match Image::from_bytes(&bytes, THUMBNAIL_PIXELS) {
        Ok(image) => Some(image),
        Err(e) => {
            tracing::warn!(key, error = %e, "report image could not be decoded");
            None
        }
    }
}
