//! Documents linked to tickets: what Servdesk generates (intervention reports) and what the
//! ERP pushes (delivery notes, invoices, payments, …). Each has a type, a number, a date, an
//! optional amount, a status, an external reference and an optional file.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

named_enum! {
    /// What a linked document is.
    DocumentKind {
        DeliveryNoteIn = "delivery_note_in",
        DeliveryNoteOut = "delivery_note_out",
        InterventionReport = "intervention_report",
        Invoice = "invoice",
        CreditNote = "credit_note",
        SalesOrder = "sales_order",
        Payment = "payment",
        Refund = "refund",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    pub external_ref: Option<String>,
    pub attachment_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The number of a task's intervention report: the task's own (`T-2026-000123/2`) with an
/// `IR-` prefix, so the report and its work order are found by the same number.
pub fn report_number(task_number: &str) -> String {
    format!("IR-{task_number}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_is_numbered_after_its_task() {
        assert_eq!(report_number("T-2026-000123/2"), "IR-T-2026-000123/2");
    }
}
