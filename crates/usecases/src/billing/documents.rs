//! Linked documents from outside — the ERP's delivery notes, invoices, credit notes, orders,
//! payments, refunds — added to a ticket (with their file or without), changed, or upserted
//! by the ERP's own reference so a sync can replay safely; and the statement documents
//! Servdesk writes when a run is finalized.

use chrono::NaiveDate;
use servdesk_domain::billing::runs::Statement;
use servdesk_domain::documents::{self as rules, Document, DocumentKind};
use servdesk_domain::errors::{code, field};
use servdesk_domain::timeline::{DocumentAdded, TicketEvent};
use servdesk_domain::{Actor, Principal};
use servdesk_persistence::documents::{self as store, DocumentChanges, NewDocument};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, attachments, tasks, tickets};
use uuid::Uuid;

use crate::access::visibility;
use crate::attachments::StoredFile;
use crate::{Desk, Error, Result, now};

/// A document's fields as the ERP (or a person) gives them.
#[derive(Debug, Clone)]
pub struct Terms {
    pub kind: DocumentKind,
    pub task_id: Option<Uuid>,
    pub number: String,
    pub issued_on: NaiveDate,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    pub external_ref: Option<String>,
}

/// A change: what is `Some` is set (the inner `None` clears).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub kind: Option<DocumentKind>,
    pub task_id: Option<Option<Uuid>>,
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub amount_minor: Option<Option<i64>>,
    pub currency: Option<Option<String>>,
    pub status: Option<String>,
    pub external_ref: Option<Option<String>>,
}

/// A task named with a document must be one of its ticket's.
async fn check_task(conn: &impl ConnectionTrait, ticket_id: Uuid, task_id: Option<Uuid>) -> Result<()> {
    let Some(task_id) = task_id else { return Ok(()) };
    match tasks::get(conn, task_id).await {
        Ok(task) if task.ticket_id == ticket_id => Ok(()),
        Ok(_) => Err(Error::invalid_field("task_id", field::WRONG_TICKET, "the task belongs to another ticket")),
        Err(_) => Err(Error::invalid_field("task_id", field::NOT_FOUND, "no such task")),
    }
}

fn refused(e: &rules::DocumentRefused) -> Error {
    Error::domain(e)
}

/// Adds a document to a ticket the caller can see, with its file when one came.
pub async fn add(desk: &Desk, principal: &Principal, ticket_id: Uuid, terms: Terms, file: Option<StoredFile>) -> Result<Document> {
    let result = add_in_txn(desk, principal, ticket_id, terms, file.as_ref()).await;
    if result.is_err()
        && let Some(file) = &file
    {
        desk.storage.discard([file.storage_key.as_str()]).await;
    }
    result
}

async fn add_in_txn(desk: &Desk, principal: &Principal, ticket_id: Uuid, terms: Terms, file: Option<&StoredFile>) -> Result<Document> {
    let now = now();
    rules::check_linked(terms.kind, terms.amount_minor, terms.currency.as_deref()).map_err(|e| refused(&e))?;
    let txn = desk.db.begin().await?;
    let visibility = visibility(&txn, principal).await?;
    let ticket = tickets::get_visible(&txn, ticket_id, &visibility).await?;
    check_task(&txn, ticket.id, terms.task_id).await?;
    let attachment_id = match file {
        Some(file) => {
            Some(attachments::create(&txn, file.row(None, Some(ticket.id), terms.task_id, Actor::of(principal), "file"), now).await?.id)
        }
        None => None,
    };
    let document = store::create(
        &txn,
        NewDocument {
            ticket_id: Some(ticket.id),
            task_id: terms.task_id,
            customer_id: ticket.customer_id,
            statement_id: None,
            kind: terms.kind,
            number: terms.number,
            issued_on: terms.issued_on,
            amount_minor: terms.amount_minor,
            currency: terms.currency,
            status: terms.status,
            external_ref: terms.external_ref,
            attachment_id,
        },
        now,
    )
    .await?;
    let event = TicketEvent::DocumentAdded(DocumentAdded {
        document_id: document.id,
        kind: document.kind,
        number: document.number.clone(),
        attachment_id,
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    crate::commit(txn).await?;
    Ok(document)
}

/// Changes an outside document (Servdesk's own change only through Servdesk: 409).
pub async fn change(desk: &Desk, id: Uuid, expected_version: Option<i64>, changes: Changes) -> Result<Document> {
    let txn = desk.db.begin().await?;
    let changed = change_in(&txn, id, expected_version, changes).await?;
    crate::commit(txn).await?;
    Ok(changed)
}

async fn change_in(conn: &impl ConnectionTrait, id: Uuid, expected_version: Option<i64>, changes: Changes) -> Result<Document> {
    let current = store::get(conn, id).await?;
    if current.kind.is_generated() {
        return Err(Error::new(
            code::GENERATED_DOCUMENT,
            format!("a {} is Servdesk's own; it changes only through Servdesk", current.kind),
        ));
    }
    let kind = changes.kind.unwrap_or(current.kind);
    let amount = changes.amount_minor.unwrap_or(current.amount_minor);
    let currency = changes.currency.clone().unwrap_or_else(|| current.currency.clone());
    rules::check_linked(kind, amount, currency.as_deref()).map_err(|e| refused(&e))?;
    if let (Some(ticket_id), Some(task_id)) = (current.ticket_id, changes.task_id) {
        check_task(conn, ticket_id, task_id).await?;
    }
    let store_changes = DocumentChanges {
        kind: changes.kind,
        task_id: changes.task_id,
        number: changes.number,
        issued_on: changes.issued_on,
        amount_minor: changes.amount_minor,
        currency: changes.currency,
        status: changes.status,
        external_ref: changes.external_ref,
        attachment_id: None,
    };
    Ok(store::update(conn, id, expected_version, store_changes, now()).await?)
}

/// Creates or replaces the document the ERP knows as `external_ref`: answers it and whether
/// it was created. Replaying the same request changes nothing; a new one needs `ticket_id`,
/// and an existing one stays with its ticket.
pub async fn upsert(
    desk: &Desk,
    principal: &Principal,
    external_ref: &str,
    ticket_id: Option<Uuid>,
    terms: Terms,
) -> Result<(Document, bool)> {
    for _ in 0..2 {
        match store::by_external_ref(&desk.db, external_ref).await? {
            Some(current) => {
                if ticket_id.is_some_and(|t| Some(t) != current.ticket_id) {
                    return Err(Error::invalid_field(
                        "ticket_id",
                        field::WRONG_TICKET,
                        "the document stays with the ticket it was added to",
                    ));
                }
                let changes = Changes {
                    kind: Some(terms.kind),
                    task_id: Some(terms.task_id),
                    number: Some(terms.number),
                    issued_on: Some(terms.issued_on),
                    amount_minor: Some(terms.amount_minor),
                    currency: Some(terms.currency),
                    status: Some(terms.status),
                    external_ref: None,
                };
                return Ok((change(desk, current.id, None, changes).await?, false));
            }
            None => {
                let Some(ticket_id) = ticket_id else {
                    return Err(Error::invalid_field("ticket_id", field::REQUIRED, "a new document names its ticket"));
                };
                let terms = Terms { external_ref: Some(external_ref.to_owned()), ..terms.clone() };
                match add(desk, principal, ticket_id, terms, None).await {
                    // A concurrent upsert created it first: update that one.
                    Err(e) if e.code == code::EXTERNAL_REF_TAKEN => continue,
                    other => return other.map(|d| (d, true)),
                }
            }
        }
    }
    Err(Error::new(code::EXTERNAL_REF_TAKEN, "the document was written concurrently; retry"))
}

/// The documents of a run's finalized statements, written in the finalizing transaction.
pub async fn record_statements(conn: &impl ConnectionTrait, statements: &[Statement], issued_on: NaiveDate) -> Result<()> {
    let documents = statements
        .iter()
        .map(|statement| {
            let (amount_minor, currency) = match statement.totals.as_slice() {
                [(currency, amount)] => (Some(*amount), Some(currency.clone())),
                _ => (None, None),
            };
            NewDocument {
                ticket_id: None,
                task_id: None,
                customer_id: Some(statement.customer_id),
                statement_id: Some(statement.id),
                kind: DocumentKind::Statement,
                number: statement.number.clone().unwrap_or_default(),
                issued_on,
                amount_minor,
                currency,
                status: "final".to_owned(),
                external_ref: None,
                attachment_id: None,
            }
        })
        .collect();
    store::create_many(conn, documents, now()).await?;
    Ok(())
}
