//! The intervention report of a task (PDF) and the documents linked to tickets.
//!
//! A done task's report is generated once and kept: as an attachment (`kind: report`) and as
//! the ticket's linked document of type `intervention_report`; later requests serve the kept
//! file (`?fresh=true` regenerates it, e.g. after a time correction). An open task's report is
//! a work order to take along, generated each time and not kept.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use bytes::Bytes;
use chrono::Utc;
use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};
use servdesk_domain::Principal;
use servdesk_domain::documents::{Document, DocumentKind, report_number};
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::tickets::Ticket;
use servdesk_domain::timeline::{DocumentAdded, TicketEvent};
use servdesk_persistence::attachments::{self, NewAttachment};
use servdesk_persistence::directory::{contacts, customers, equipment, locations, partners, products};
use servdesk_persistence::documents::{self, NewDocument};
use servdesk_persistence::worktime::{self, EntryFilter};
use servdesk_persistence::{PageRequest, TransactionTrait, checklists, completions, tickets, users};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::completion::completion_files;
use crate::routes::planner::address;
use crate::routes::tags;
use crate::state::{AppState, now};
use servdesk_documents::intervention::{self, ChecklistLine, Report, Signature, THUMBNAIL_PIXELS, TimeLine};
use servdesk_documents::pdf::Image;
use servdesk_usecases::access::{actor, visibility, visible_task};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Regenerate a done task's kept report (after corrections).
    #[serde(default)]
    pub fresh: bool,
}

/// The intervention report of a task as a PDF: company header, ticket and task numbers,
/// customer, location, contact, equipment and serial, warranty, work done, checklist, time,
/// materials, photo thumbnails and the signature. For a done task it is kept as the ticket's
/// `intervention_report` document; for an open one it is a work order, not kept.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path), ReportParams),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`: the file store did not answer", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}/report.pdf")]
pub async fn report(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<ReportParams>,
) -> ApiResult<HttpResponse> {
    let principal = auth.principal();
    let (task, ticket) = visible_task(&state.db, principal, id.into_inner()).await?;
    let filename = format!("{}.pdf", report_number(&task.number).replace('/', "-"));
    let pdf = if task.status == TaskStatus::Done {
        let kept = documents::of_task(&state.db, task.id, DocumentKind::InterventionReport).await?;
        match kept.as_ref().and_then(|d| d.attachment_id).filter(|_| !params.fresh) {
            Some(file) => read_file(&state, file).await?,
            None => {
                let pdf = Bytes::from(intervention::render(gather(&state, &task, &ticket).await?));
                keep(&state, principal, &task, &ticket, kept, &filename, pdf.clone()).await?;
                pdf
            }
        }
    } else {
        Bytes::from(intervention::render(gather(&state, &task, &ticket).await?))
    };
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{filename}\"")))
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(pdf))
}

async fn read_file(state: &AppState, attachment_id: Uuid) -> ApiResult<Bytes> {
    let file = attachments::get(&state.db, attachment_id).await?;
    let chunks: Vec<Bytes> = state.storage.read(&file.storage_key).await?.try_collect().await?;
    Ok(Bytes::from(chunks.concat()))
}

/// Stores the report and links it to the ticket as its `intervention_report` (replacing the
/// file of an earlier one), with a timeline event, in one transaction.
async fn keep(
    state: &AppState,
    principal: &Principal,
    task: &Task,
    ticket: &Ticket,
    kept: Option<Document>,
    filename: &str,
    pdf: Bytes,
) -> ApiResult<()> {
    let now = now();
    let id = Uuid::now_v7();
    let key = servdesk_usecases::storage::Storage::attachment_key(id, now);
    let sha256 = hex::encode(Sha256::digest(&pdf));
    let size_bytes = i64::try_from(pdf.len()).unwrap_or(i64::MAX);
    state.storage.put(&key, pdf).await?;
    let result = async {
        let txn = state.db.begin().await?;
        let new = NewAttachment {
            id,
            call_id: None,
            ticket_id: Some(ticket.id),
            filename: filename.to_owned(),
            content_type: "application/pdf".to_owned(),
            size_bytes,
            sha256,
            storage_key: key.clone(),
            uploaded_by: actor(principal),
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
                    ticket_id: ticket.id,
                    task_id: Some(task.id),
                    kind: DocumentKind::InterventionReport,
                    number: report_number(&task.number),
                    issued_on: today,
                    status: "issued".to_owned(),
                    attachment_id: Some(id),
                };
                documents::create(&txn, new, now).await?.id
            }
        };
        let event = TicketEvent::DocumentAdded(DocumentAdded {
            document_id: document,
            kind: DocumentKind::InterventionReport,
            number: report_number(&task.number),
            attachment_id: id,
        });
        tickets::append_event(&txn, ticket.id, actor(principal), &event, now).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    }
    .await;
    if result.is_err() {
        state.storage.discard([key.as_str()]).await;
    }
    result
}

/// Reads everything the report shows.
async fn gather(state: &AppState, task: &Task, ticket: &Ticket) -> ApiResult<Report> {
    let db = &state.db;
    let customer_id = task.customer_id.or(ticket.customer_id);
    let customer = match customer_id {
        Some(id) => Some(customers::get(db, id).await?.name),
        None => None,
    };
    let location = match task.location_id.or(ticket.location_id) {
        Some(id) => Some(address(&locations::get(db, id).await?)),
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
    let mut name_of = async |id: Uuid| -> ApiResult<String> {
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
    for e in worktime::list(db, &filter, PageRequest::first(1000)).await?.items {
        time.push(TimeLine { date: e.work_date, person: name_of(e.user_id).await?, minutes: i64::from(e.minutes), note: e.note });
    }
    time.sort_by_key(|t| t.date);
    let completion = completions::get(db, task.id).await?;
    let (photo_files, signature_file) = completion_files(db, task.id).await?;
    let mut photos = Vec::new();
    for file in photo_files {
        if let Some(image) = image(state, &file.storage_key).await {
            photos.push((image, file.filename));
        }
    }
    let signature = match (signature_file, completion.as_ref()) {
        (Some(file), Some(c)) => match (image(state, &file.storage_key).await, c.signer_name.clone(), c.signed_at) {
            (Some(image), Some(signer_name), Some(signed_at)) => Some(Signature { image, signer_name, signed_at }),
            _ => None,
        },
        _ => None,
    };
    Ok(Report {
        company_name: state.config.company_name.clone(),
        company_address: state.config.company_address.clone(),
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
        materials: completions::materials(db, task.id).await?,
        currency: state.config.currency.clone(),
        photos,
        signature,
        generated_at: Utc::now(),
    })
}

/// A stored image for the report; one that cannot be read is left out (and logged) rather
/// than failing the whole report.
async fn image(state: &AppState, key: &str) -> Option<Image> {
    let bytes = match state.storage.read_all(key).await {
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

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    /// `delivery_note_in`, `delivery_note_out`, `intervention_report`, `invoice`, `credit_note`,
    /// `sales_order`, `payment`, `refund`, `other`.
    #[schema(example = "intervention_report")]
    pub kind: String,
    pub number: String,
    pub issued_on: chrono::NaiveDate,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    pub external_ref: Option<String>,
    pub attachment_id: Option<Uuid>,
    /// Where to download the file, when there is one.
    pub file_url: Option<String>,
    pub version: i64,
    pub created_at: chrono::DateTime<Utc>,
    pub updated_at: chrono::DateTime<Utc>,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        Self {
            file_url: d.attachment_id.map(|a| format!("/api/v1/attachments/{a}/content")),
            id: d.id,
            ticket_id: d.ticket_id,
            task_id: d.task_id,
            kind: d.kind.as_str().to_owned(),
            number: d.number,
            issued_on: d.issued_on,
            amount_minor: d.amount_minor,
            currency: d.currency,
            status: d.status,
            external_ref: d.external_ref,
            attachment_id: d.attachment_id,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// The documents linked to a ticket (intervention reports; later delivery notes, invoices and
/// the rest), oldest first.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<DocumentOut>), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/documents")]
pub async fn ticket_documents(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DocumentOut>>> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    Ok(web::Json(documents::of_ticket(&state.db, ticket.id).await?.into_iter().map(DocumentOut::from).collect()))
}
