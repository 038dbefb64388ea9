//! Checklist lines of tickets and tasks, kept in order by `position`.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TryIntoModel};
use servdesk_domain::checklists::ChecklistItem;
use uuid::Uuid;

use crate::entities::checklist_items as row;
use crate::error::StoreError;

/// Whose list: a ticket's own, or one task's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Ticket(Uuid),
    Task { ticket_id: Uuid, task_id: Uuid },
}

impl Owner {
    fn ticket_id(self) -> Uuid {
        match self {
            Owner::Ticket(t) | Owner::Task { ticket_id: t, .. } => t,
        }
    }

    fn task_id(self) -> Option<Uuid> {
        match self {
            Owner::Ticket(_) => None,
            Owner::Task { task_id, .. } => Some(task_id),
        }
    }

    fn select(self) -> sea_orm::Select<row::Entity> {
        let select = row::Entity::find().filter(row::Column::TicketId.eq(self.ticket_id()));
        match self.task_id() {
            None => select.filter(row::Column::TaskId.is_null()),
            Some(task) => select.filter(row::Column::TaskId.eq(task)),
        }
    }
}

fn to_item(m: row::Model) -> ChecklistItem {
    ChecklistItem {
        id: m.id,
        ticket_id: m.ticket_id,
        task_id: m.task_id,
        position: m.position,
        text: m.text,
        checked: m.checked,
        checked_by: m.checked_by,
        checked_at: m.checked_at,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}

pub async fn list(conn: &impl ConnectionTrait, owner: Owner) -> Result<Vec<ChecklistItem>, StoreError> {
    Ok(owner.select().order_by_asc(row::Column::Position).all(conn).await?.into_iter().map(to_item).collect())
}

/// Appends lines at the end of the list.
pub async fn append(
    conn: &impl ConnectionTrait,
    owner: Owner,
    texts: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<ChecklistItem>, StoreError> {
    if !texts.is_empty() {
        crate::tickets::mark_has_work(conn, owner.ticket_id()).await?;
    }
    let last: Option<i32> =
        owner.select().select_only().column_as(row::Column::Position.max(), "max").into_tuple().one(conn).await?.flatten();
    let mut added = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        let model = row::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(owner.ticket_id()),
            task_id: Set(owner.task_id()),
            position: Set(last.unwrap_or(0) + i32::try_from(i).unwrap_or(i32::MAX - 1) + 1),
            text: Set(text.clone()),
            checked: Set(false),
            checked_by: Set(None),
            checked_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        };
        row::Entity::insert(model.clone()).exec_without_returning(conn).await?;
        added.push(to_item(model.try_into_model()?));
    }
    Ok(added)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<ChecklistItem, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_item).ok_or(StoreError::NotFound)
}

/// Changes the text and/or the check mark (who and when are recorded on checking, cleared on
/// unchecking).
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    text: Option<String>,
    checked: Option<(bool, Option<Uuid>)>,
    now: DateTime<Utc>,
) -> Result<ChecklistItem, StoreError> {
    let mut u = row::Entity::update_many()
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id));
    if let Some(text) = text {
        u = u.col_expr(row::Column::Text, Expr::value(text));
    }
    if let Some((checked, by)) = checked {
        u = u
            .col_expr(row::Column::Checked, Expr::value(checked))
            .col_expr(row::Column::CheckedBy, Expr::value(if checked { by } else { None }))
            .col_expr(row::Column::CheckedAt, Expr::value(if checked { Some(now) } else { None }));
    }
    if u.exec(conn).await?.rows_affected == 0 {
        return Err(StoreError::NotFound);
    }
    get(conn, id).await
}

/// Writes positions 1..n in the given order.
pub async fn reorder(conn: &impl ConnectionTrait, order: &[Uuid], now: DateTime<Utc>) -> Result<(), StoreError> {
    for (i, id) in order.iter().enumerate() {
        row::Entity::update_many()
            .col_expr(row::Column::Position, Expr::value(i32::try_from(i + 1).unwrap_or(i32::MAX)))
            .col_expr(row::Column::UpdatedAt, Expr::value(now))
            .filter(row::Column::Id.eq(*id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    row::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}
