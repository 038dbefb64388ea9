//! Documents linked to tickets.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TryIntoModel};
use servdesk_domain::documents::{Document, DocumentKind};
use servdesk_domain::errors::code;
use servdesk_domain::webhooks::{Event, EventType};
use uuid::Uuid;

use crate::entities::documents as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

fn to_document(m: row::Model) -> Result<Document, StoreError> {
    Ok(Document {
        kind: DocumentKind::parse(&m.kind).ok_or_else(|| StoreError::corrupt("documents", format!("{}: kind", m.id)))?,
        id: m.id,
        ticket_id: m.ticket_id,
        task_id: m.task_id,
        customer_id: m.customer_id,
        statement_id: m.statement_id,
        number: m.number,
        issued_on: m.issued_on,
        amount_minor: m.amount_minor,
        currency: m.currency,
        status: m.status,
        external_ref: m.external_ref,
        attachment_id: m.attachment_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// A unique rule broken by a write: the kind's number, or the ERP's reference.
fn taken(err: sea_orm::DbErr) -> StoreError {
    if !is_unique_violation(&err) {
        return err.into();
    }
    let text = err.to_string();
    if text.contains("external_ref") {
        StoreError::conflict(code::EXTERNAL_REF_TAKEN, "another document has this external reference")
    } else {
        StoreError::conflict(code::DOCUMENT_NUMBER_TAKEN, "a document of this kind with this number exists")
    }
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Document, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_document).ok_or(StoreError::NotFound)?
}

/// The document the ERP knows by `external_ref`, if any.
pub async fn by_external_ref(conn: &impl ConnectionTrait, external_ref: &str) -> Result<Option<Document>, StoreError> {
    row::Entity::find().filter(row::Column::ExternalRef.eq(external_ref)).one(conn).await?.map(to_document).transpose()
}

#[derive(Default)]
pub struct DocumentFilter {
    pub customer_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub kind: Option<DocumentKind>,
    /// Issued on or after.
    pub from: Option<NaiveDate>,
    /// Issued on or before.
    pub to: Option<NaiveDate>,
}

pub async fn list(conn: &impl ConnectionTrait, filter: &DocumentFilter, req: PageRequest) -> Result<Page<Document>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(v) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(v));
    }
    if let Some(v) = filter.ticket_id {
        select = select.filter(row::Column::TicketId.eq(v));
    }
    if let Some(v) = filter.kind {
        select = select.filter(row::Column::Kind.eq(v.as_str()));
    }
    if let Some(v) = filter.from {
        select = select.filter(row::Column::IssuedOn.gte(v));
    }
    if let Some(v) = filter.to {
        select = select.filter(row::Column::IssuedOn.lte(v));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_document)
}

/// The documents a portal user sees: those of the tickets `tickets` lets them see and, for
/// a company's manager (`bills_of`), the company's own (statements, invoices).
pub async fn for_portal(
    conn: &impl ConnectionTrait,
    tickets: &servdesk_domain::Visibility,
    bills_of: Option<Uuid>,
    req: PageRequest,
) -> Result<Page<Document>, StoreError> {
    let mut seen = sea_orm::sea_query::Condition::any();
    if let Some(ids) = crate::tickets::visible_ids(tickets) {
        seen = seen.add(row::Column::TicketId.in_subquery(ids));
    }
    if let Some(customer_id) = bills_of {
        seen = seen.add(row::Column::CustomerId.eq(customer_id));
    }
    if seen.is_empty() {
        return Ok(Page::empty());
    }
    page::fetch(conn, row::Entity::find().filter(seen), row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id))
        .await?
        .try_map(to_document)
}

/// The document whose file this attachment is, if any.
pub async fn of_attachment(conn: &impl ConnectionTrait, attachment_id: Uuid) -> Result<Option<Document>, StoreError> {
    row::Entity::find().filter(row::Column::AttachmentId.eq(attachment_id)).one(conn).await?.map(to_document).transpose()
}

/// The document of `kind` generated for a task (its intervention report), if any.
pub async fn of_task(conn: &impl ConnectionTrait, task_id: Uuid, kind: DocumentKind) -> Result<Option<Document>, StoreError> {
    row::Entity::find()
        .filter(row::Column::TaskId.eq(task_id))
        .filter(row::Column::Kind.eq(kind.as_str()))
        .one(conn)
        .await?
        .map(to_document)
        .transpose()
}

/// A ticket's documents, oldest first.
pub async fn of_ticket(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<Vec<Document>, StoreError> {
    row::Entity::find()
        .filter(row::Column::TicketId.eq(ticket_id))
        .order_by_asc(row::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_document)
        .collect()
}

pub struct NewDocument {
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub statement_id: Option<Uuid>,
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub status: String,
    pub external_ref: Option<String>,
    pub attachment_id: Option<Uuid>,
}

fn model(new: NewDocument, now: DateTime<Utc>) -> row::ActiveModel {
    row::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(new.ticket_id),
        task_id: Set(new.task_id),
        customer_id: Set(new.customer_id),
        statement_id: Set(new.statement_id),
        kind: Set(new.kind.as_str().to_owned()),
        number: Set(new.number),
        issued_on: Set(new.issued_on),
        amount_minor: Set(new.amount_minor),
        currency: Set(new.currency),
        status: Set(new.status),
        external_ref: Set(new.external_ref),
        attachment_id: Set(new.attachment_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub async fn create(conn: &impl ConnectionTrait, new: NewDocument, now: DateTime<Utc>) -> Result<Document, StoreError> {
    let model = model(new, now);
    row::Entity::insert(model.clone()).exec_without_returning(conn).await.map_err(taken)?;
    to_document(model.try_into_model()?)
}

/// Writes many documents at once (a finalized run's statements), a multi-row INSERT per
/// thousand.
pub async fn create_many(conn: &impl ConnectionTrait, new: Vec<NewDocument>, now: DateTime<Utc>) -> Result<(), StoreError> {
    let models: Vec<row::ActiveModel> = new.into_iter().map(|n| model(n, now)).collect();
    for chunk in models.chunks(1_000) {
        row::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await.map_err(taken)?;
    }
    Ok(())
}

/// Points the document at a new file (a regenerated report), dated `issued_on`.
pub async fn replace_file(
    conn: &impl ConnectionTrait,
    id: Uuid,
    attachment_id: Uuid,
    issued_on: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let current = to_document(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)?;
    let u = row::Entity::update_many()
        .col_expr(row::Column::AttachmentId, Expr::value(attachment_id))
        .col_expr(row::Column::IssuedOn, Expr::value(issued_on));
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await.map(drop)
}

/// A change of an outside document's fields: what is `Some` is set (the inner `None` clears).
#[derive(Default)]
pub struct DocumentChanges {
    pub kind: Option<DocumentKind>,
    pub task_id: Option<Option<Uuid>>,
    pub number: Option<String>,
    pub issued_on: Option<NaiveDate>,
    pub amount_minor: Option<Option<i64>>,
    pub currency: Option<Option<String>>,
    pub status: Option<String>,
    pub external_ref: Option<Option<String>>,
    pub attachment_id: Option<Option<Uuid>>,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: DocumentChanges,
    now: DateTime<Utc>,
) -> Result<Document, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.kind {
        u = u.col_expr(row::Column::Kind, Expr::value(v.as_str()));
    }
    if let Some(v) = changes.task_id {
        u = u.col_expr(row::Column::TaskId, Expr::value(v));
    }
    if let Some(v) = changes.number {
        u = u.col_expr(row::Column::Number, Expr::value(v));
    }
    if let Some(v) = changes.issued_on {
        u = u.col_expr(row::Column::IssuedOn, Expr::value(v));
    }
    if let Some(v) = changes.amount_minor {
        u = u.col_expr(row::Column::AmountMinor, Expr::value(v));
    }
    if let Some(v) = changes.currency {
        u = u.col_expr(row::Column::Currency, Expr::value(v));
    }
    if let Some(v) = changes.status {
        u = u.col_expr(row::Column::Status, Expr::value(v));
    }
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.attachment_id {
        u = u.col_expr(row::Column::AttachmentId, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    if !versioned::apply(conn, u, cols, id, current.version, now, taken).await? {
        return Ok(current);
    }
    let after = get(conn, id).await?;
    let mut previous = servdesk_domain::timeline::Changes::default();
    previous.compare("kind", &current.kind, &after.kind);
    previous.compare("task_id", &current.task_id, &after.task_id);
    previous.compare("number", &current.number, &after.number);
    previous.compare("issued_on", &current.issued_on, &after.issued_on);
    previous.compare("amount_minor", &current.amount_minor, &after.amount_minor);
    previous.compare("currency", &current.currency, &after.currency);
    previous.compare("status", &current.status, &after.status);
    previous.compare("external_ref", &current.external_ref, &after.external_ref);
    previous.compare("attachment_id", &current.attachment_id, &after.attachment_id);
    let before: serde_json::Map<String, serde_json::Value> = previous.0.into_iter().map(|(k, c)| (k, c.before)).collect();
    let event = Event { previous: Some(serde_json::Value::Object(before)), ..Event::new(EventType::DocumentUpdated, "document", id) };
    crate::webhooks::tell(conn, &[event], now).await?;
    Ok(after)
}
