//! Linked documents as tickets, statements and the document list show them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::documents::{Document, DocumentKind};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct DocumentOut {
    pub id: Uuid,
    /// `null` for a statement (it is a customer's month, not a ticket's).
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// For a `statement`: which one (`GET /statements/{id}`).
    pub statement_id: Option<Uuid>,
    #[schema(schema_with = wire::document_kind)]
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    /// In minor units of `currency`; negative as the ERP books a credit, if it does.
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    /// The ERP's own reference (unique): `PUT /documents/by-external-ref/{ref}` finds it.
    pub external_ref: Option<String>,
    pub attachment_id: Option<Uuid>,
    /// Where to download the file, when there is one (a statement's is its PDF).
    pub file_url: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Document> for DocumentOut {
    fn from(d: Document) -> Self {
        let file_url = match (d.attachment_id, d.statement_id) {
            (Some(a), _) => Some(format!("/api/v1/attachments/{a}/content")),
            (None, Some(s)) => Some(format!("/api/v1/statements/{s}?format=pdf")),
            (None, None) => None,
        };
        Self {
            file_url,
            id: d.id,
            ticket_id: d.ticket_id,
            task_id: d.task_id,
            customer_id: d.customer_id,
            statement_id: d.statement_id,
            kind: d.kind,
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
