//! Attachment metadata. The bytes live in the object store under `storage_key`; a row is
//! written only after its object is complete, so a row always has content behind it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::Actor;
use uuid::Uuid;

use crate::entities::attachments as row;
use crate::error::StoreError;

pub use servdesk_domain::attachments::Attachment;

pub struct NewAttachment {
    pub id: Uuid,
    pub call_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Actor,
    pub task_id: Option<Uuid>,
    pub kind: &'static str,
}

/// What an attachment list is of.
#[derive(Debug, Clone, Copy)]
pub enum Owner {
    Call(Uuid),
    /// A ticket's own files, its comments' and those of the calls converted or merged into it.
    Ticket(Uuid),
    /// A task's files: its completion's photos and signature, its reports.
    Task(Uuid),
}

fn to_attachment(m: row::Model) -> Attachment {
    Attachment {
        id: m.id,
        call_id: m.call_id,
        ticket_id: m.ticket_id,
        comment_id: m.comment_id,
        filename: m.filename,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        storage_key: m.storage_key,
        uploaded_by: Actor { user_id: m.uploaded_by_user_id, api_key_id: m.uploaded_by_api_key_id },
        created_at: m.created_at,
        task_id: m.task_id,
        kind: m.kind,
    }
}

pub async fn create(conn: &impl ConnectionTrait, new: NewAttachment, now: DateTime<Utc>) -> Result<Attachment, StoreError> {
    let model = row::ActiveModel {
        id: Set(new.id),
        call_id: Set(new.call_id),
        ticket_id: Set(new.ticket_id),
        comment_id: Set(None),
        filename: Set(new.filename),
        content_type: Set(new.content_type),
        size_bytes: Set(new.size_bytes),
        sha256: Set(new.sha256),
        storage_key: Set(new.storage_key),
        uploaded_by_user_id: Set(new.uploaded_by.user_id),
        uploaded_by_api_key_id: Set(new.uploaded_by.api_key_id),
        created_at: Set(now),
        task_id: Set(new.task_id),
        kind: Set(new.kind.to_owned()),
    }
    .insert(conn)
    .await?;
    Ok(to_attachment(model))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Attachment, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_attachment).ok_or(StoreError::NotFound)
}

/// Oldest first, paged by id.
pub async fn list(
    conn: &impl ConnectionTrait,
    owner: Owner,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Attachment>, Option<Uuid>), StoreError> {
    let mut select = match owner {
        Owner::Call(id) => row::Entity::find().filter(row::Column::CallId.eq(id)),
        Owner::Ticket(id) => row::Entity::find().filter(row::Column::TicketId.eq(id)),
        Owner::Task(id) => row::Entity::find().filter(row::Column::TaskId.eq(id)),
    };
    if let Some(after) = after {
        select = select.filter(row::Column::Id.gt(after));
    }
    let (rows, next) =
        crate::page::split_page(crate::page::all_limited(conn, select.order_by_asc(row::Column::Id), limit + 1).await?, limit, |a| a.id);
    Ok((rows.into_iter().map(to_attachment).collect(), next))
}

/// The files of the given comments, for showing them with the comments.
pub async fn of_comments(conn: &impl ConnectionTrait, comment_ids: &[Uuid]) -> Result<Vec<Attachment>, StoreError> {
    if comment_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = row::Entity::find()
        .filter(row::Column::CommentId.is_in(comment_ids.iter().copied()))
        .order_by_asc(row::Column::Id)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(to_attachment).collect())
}

/// Puts files uploaded to a ticket on one of its comments. Only files of that ticket not yet
/// on a comment qualify; answers how many did (the caller refuses the comment if not all).
pub async fn attach_to_comment(conn: &impl ConnectionTrait, ticket_id: Uuid, comment_id: Uuid, ids: &[Uuid]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let result = row::Entity::update_many()
        .col_expr(row::Column::CommentId, Expr::value(comment_id))
        .filter(row::Column::Id.is_in(ids.iter().copied()))
        .filter(row::Column::TicketId.eq(ticket_id))
        .filter(row::Column::CommentId.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// A triaged call's files join the ticket it became or was merged into (and, when merged,
/// the comment that carries the call's content).
pub async fn follow_call(conn: &impl ConnectionTrait, call_id: Uuid, ticket_id: Uuid, comment_id: Option<Uuid>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::TicketId, Expr::value(ticket_id))
        .col_expr(row::Column::CommentId, Expr::value(comment_id))
        .filter(row::Column::CallId.eq(call_id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let result = row::Entity::delete_by_id(id).exec(conn).await?;
    if result.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
