//! Documents linked to tickets.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TryIntoModel};
use servdesk_domain::documents::{Document, DocumentKind};
use uuid::Uuid;

use crate::entities::documents as row;
use crate::error::StoreError;
use crate::versioned::{self, Columns};

fn to_document(m: row::Model) -> Result<Document, StoreError> {
    Ok(Document {
        kind: DocumentKind::parse(&m.kind).ok_or_else(|| StoreError::corrupt("documents", format!("{}: kind", m.id)))?,
        id: m.id,
        ticket_id: m.ticket_id,
        task_id: m.task_id,
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
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub kind: DocumentKind,
    pub number: String,
    pub issued_on: NaiveDate,
    pub status: String,
    pub attachment_id: Option<Uuid>,
}

pub async fn create(conn: &impl ConnectionTrait, new: NewDocument, now: DateTime<Utc>) -> Result<Document, StoreError> {
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(new.ticket_id),
        task_id: Set(new.task_id),
        kind: Set(new.kind.as_str().to_owned()),
        number: Set(new.number),
        issued_on: Set(new.issued_on),
        amount_minor: Set(None),
        currency: Set(None),
        status: Set(new.status),
        external_ref: Set(None),
        attachment_id: Set(new.attachment_id),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row::Entity::insert(model.clone()).exec_without_returning(conn).await?;
    to_document(model.try_into_model()?)
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
