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
        /// A finalized billing statement (Servdesk's own).
        Statement = "statement",
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
    /// The ticket it belongs to; `None` for a statement (a customer's month).
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// For a statement: which one.
    pub statement_id: Option<Uuid>,
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

impl DocumentKind {
    /// Kinds Servdesk writes itself: an integration neither adds nor changes them.
    pub fn is_generated(self) -> bool {
        matches!(self, DocumentKind::InterventionReport | DocumentKind::Statement)
    }
}

/// A linked document's fields broke a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentRefused {
    /// Intervention reports and statements are Servdesk's own.
    Generated,
    AmountWithoutCurrency,
    Currency,
}

impl std::fmt::Display for DocumentRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            DocumentRefused::Generated => "intervention reports and statements are written by Servdesk itself",
            DocumentRefused::AmountWithoutCurrency => "an amount needs its currency",
            DocumentRefused::Currency => "not an ISO 4217 currency code (three capital letters)",
        })
    }
}

impl crate::errors::DomainError for DocumentRefused {
    fn code(&self) -> crate::errors::Code {
        use crate::errors::field;
        match self {
            DocumentRefused::Generated => field::NOT_FOR_THIS_KIND,
            DocumentRefused::AmountWithoutCurrency => field::REQUIRED,
            DocumentRefused::Currency => field::CURRENCY,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            DocumentRefused::Generated => "kind",
            DocumentRefused::AmountWithoutCurrency | DocumentRefused::Currency => "currency",
        })
    }
}

/// What a document from outside (the ERP, a person) must be: not one of Servdesk's own kinds,
/// and an amount with its currency. Amounts may be negative (a credit note as the ERP books it).
pub fn check_linked(kind: DocumentKind, amount_minor: Option<i64>, currency: Option<&str>) -> Result<(), DocumentRefused> {
    if kind.is_generated() {
        return Err(DocumentRefused::Generated);
    }
    if let Some(currency) = currency {
        crate::billing::contracts::check_currency(currency).map_err(|_| DocumentRefused::Currency)?;
    }
    if amount_minor.is_some() && currency.is_none() {
        return Err(DocumentRefused::AmountWithoutCurrency);
    }
    Ok(())
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
    fn an_outside_document_is_not_one_of_servdesks_own_and_its_amount_has_a_currency() {
        assert_eq!(check_linked(DocumentKind::Statement, None, None), Err(DocumentRefused::Generated));
        assert_eq!(check_linked(DocumentKind::InterventionReport, None, None), Err(DocumentRefused::Generated));
        assert_eq!(check_linked(DocumentKind::Invoice, Some(100), None), Err(DocumentRefused::AmountWithoutCurrency));
        assert_eq!(check_linked(DocumentKind::Invoice, Some(100), Some("eur")), Err(DocumentRefused::Currency));
        assert_eq!(check_linked(DocumentKind::CreditNote, Some(-100), Some("EUR")), Ok(()));
        assert_eq!(check_linked(DocumentKind::DeliveryNoteIn, None, None), Ok(()));
    }

    #[test]
    fn a_report_is_numbered_after_its_task() {
        assert_eq!(report_number("T-2026-000123/2"), "IR-T-2026-000123/2");
    }
}
