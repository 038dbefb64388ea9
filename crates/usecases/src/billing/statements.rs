//! Statements after their run: printing and exporting one, and the invoice the ERP posts back.

use chrono::NaiveDate;
use servdesk_documents::statement::Sheet;
use servdesk_domain::billing::runs::{Invoice, Statement};
use servdesk_domain::errors::code;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::billing::statements as store;
use servdesk_persistence::directory::customers;
use uuid::Uuid;

use crate::{Desk, Error, Result, now};

/// A statement with its lines and what its header shows.
pub async fn sheet(desk: &Desk, id: Uuid) -> Result<Sheet> {
    let statement = store::get(&desk.db, id).await?;
    let lines = store::lines(&desk.db, id).await?;
    let customer = customers::get(&desk.db, statement.customer_id).await?;
    Ok(Sheet {
        company_name: desk.config.company_name.clone(),
        company_address: desk.config.company_address.clone(),
        customer_name: customer.name,
        customer_address: customer.billing_address,
        customer_tax_id: customer.tax_id,
        statement,
        lines,
        generated_at: now(),
    })
}

/// Records the invoice the ERP issued for a finalized statement. Posting the same invoice
/// again changes nothing; another number replaces it (a corrected import).
pub async fn record_invoice(
    desk: &Desk,
    id: Uuid,
    number: String,
    issued_on: NaiveDate,
    external_ref: Option<String>,
) -> Result<Statement> {
    let now = now();
    let txn = desk.db.begin().await?;
    let statement = store::get(&txn, id).await?;
    if !statement.is_final {
        return Err(Error::new(code::STATEMENT_NOT_FINAL, "only a finalized statement is invoiced; finalize its run first"));
    }
    if let Some(current) = &statement.invoice
        && current.number == number
        && current.issued_on == issued_on
        && current.external_ref == external_ref
    {
        return Ok(statement);
    }
    let invoice = Invoice { number, issued_on, external_ref, recorded_at: now };
    let stored = store::record_invoice(&txn, id, &invoice, now).await?;
    crate::commit(txn).await?;
    Ok(stored)
}
