//! What the portal shows: the public fields only.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::calls::Call;
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::directory::Equipment;
use servdesk_domain::documents::{Document, DocumentKind};
use servdesk_domain::tasks::TaskStatus;
use servdesk_usecases::portal::view::{PublicReply, PublicTicket, Visit};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct PortalTicketOut {
    pub id: Uuid,
    #[schema(example = "T-2027-000042")]
    pub number: String,
    pub title: String,
    /// The status's name as the desk calls it.
    pub status: String,
    #[schema(schema_with = wire::status_class)]
    pub status_class: StatusClass,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The planned visits (only in a single ticket's answer; empty in lists).
    pub visits: Vec<VisitOut>,
}

impl From<PublicTicket> for PortalTicketOut {
    fn from(p: PublicTicket) -> Self {
        PortalTicketOut {
            id: p.ticket.id,
            number: p.ticket.number,
            title: p.ticket.title,
            status: p.status_name,
            status_class: p.status_class,
            created_at: p.ticket.created_at,
            updated_at: p.ticket.updated_at,
            resolved_at: p.ticket.resolved_at,
            closed_at: p.ticket.closed_at,
            visits: p.visits.into_iter().map(VisitOut::from).collect(),
        }
    }
}

/// A technician's planned visit.
#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    #[schema(example = "Z-2027-000007")]
    pub task_number: String,
    pub title: String,
    #[schema(schema_with = wire::task_status)]
    pub status: TaskStatus,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    /// The technician's name.
    pub technician: Option<String>,
}

impl From<Visit> for VisitOut {
    fn from(v: Visit) -> Self {
        VisitOut {
            task_number: v.task_number,
            title: v.title,
            status: v.status,
            planned_start: v.planned_start,
            planned_end: v.planned_end,
            technician: v.technician,
        }
    }
}

/// A public reply on a ticket.
#[derive(Serialize, ToSchema)]
pub struct ReplyOut {
    pub id: Uuid,
    pub body: String,
    /// Who wrote it: a staff member's name, the contact's, or the company's.
    pub author_name: String,
    /// Written by the customer's side (in the portal or by email).
    pub from_customer: bool,
    pub created_at: DateTime<Utc>,
    pub files: Vec<PortalFileOut>,
}

impl From<PublicReply> for ReplyOut {
    fn from(r: PublicReply) -> Self {
        ReplyOut {
            id: r.comment.id,
            body: r.comment.body,
            author_name: r.author_name,
            from_customer: r.from_customer,
            created_at: r.comment.created_at,
            files: r.files.into_iter().map(PortalFileOut::from).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PortalFileOut {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Where to download it (with the portal token).
    pub content_url: String,
}

impl From<servdesk_domain::attachments::Attachment> for PortalFileOut {
    fn from(a: servdesk_domain::attachments::Attachment) -> Self {
        PortalFileOut {
            content_url: format!("/api/v1/portal/files/{}/content", a.id),
            id: a.id,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
        }
    }
}

/// A request waiting to be triaged (it becomes a ticket, or is turned down).
#[derive(Serialize, ToSchema)]
pub struct PortalRequestOut {
    pub id: Uuid,
    #[schema(example = "C-2027-000311")]
    pub number: String,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Call> for PortalRequestOut {
    fn from(c: Call) -> Self {
        PortalRequestOut { id: c.id, number: c.number, subject: c.subject, body: c.body, created_at: c.created_at }
    }
}

/// A unit of the company's equipment.
#[derive(Serialize, ToSchema)]
pub struct PortalEquipmentOut {
    pub id: Uuid,
    pub product_id: Uuid,
    pub serial_number: String,
    pub location_id: Option<Uuid>,
    pub installed_on: Option<NaiveDate>,
    /// The warranty's last day.
    pub warranty_end: Option<NaiveDate>,
    /// The contract that covers it.
    pub contract_id: Option<Uuid>,
}

impl From<Equipment> for PortalEquipmentOut {
    fn from(e: Equipment) -> Self {
        PortalEquipmentOut {
            id: e.id,
            product_id: e.product_id,
            serial_number: e.serial_number,
            location_id: e.location_id,
            installed_on: e.installed_on,
            warranty_end: e.warranty_end,
            contract_id: e.contract_id,
        }
    }
}

/// A document: an intervention report, a statement, an invoice.
#[derive(Serialize, ToSchema)]
pub struct PortalDocumentOut {
    pub id: Uuid,
    pub ticket_id: Option<Uuid>,
    #[schema(schema_with = wire::document_kind)]
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    /// In minor units of `currency`.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    /// Where to download its file, if it has one.
    pub content_url: Option<String>,
}

impl From<Document> for PortalDocumentOut {
    fn from(d: Document) -> Self {
        PortalDocumentOut {
            content_url: d.attachment_id.map(|a| format!("/api/v1/portal/files/{a}/content")),
            id: d.id,
            ticket_id: d.ticket_id,
            kind: d.kind,
            number: d.number,
            issued_on: d.issued_on,
            amount_minor: d.amount_minor,
            currency: d.currency,
        }
    }
}
