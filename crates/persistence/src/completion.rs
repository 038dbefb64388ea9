//! Field completions of tasks and the materials they used. A task is completed once: its id
//! is the completion's key.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::completion::{Completion, Material};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::{task_completions as row, task_materials as material_row};
use crate::error::{StoreError, is_unique_violation};

fn to_completion(m: row::Model) -> Completion {
    Completion {
        task_id: m.task_id,
        ticket_id: m.ticket_id,
        work_done: m.work_done,
        signer_name: m.signer_name,
        signed_at: m.signed_at,
        signature_attachment_id: m.signature_attachment_id,
        completed_at: m.completed_at,
        completed_by: m.completed_by,
    }
}

/// Records the completion; a task completed before answers `already_completed`.
pub async fn create(conn: &impl ConnectionTrait, c: &Completion, now: DateTime<Utc>) -> Result<(), StoreError> {
    let model = row::ActiveModel {
        task_id: Set(c.task_id),
        ticket_id: Set(c.ticket_id),
        work_done: Set(c.work_done.clone()),
        signer_name: Set(c.signer_name.clone()),
        signed_at: Set(c.signed_at),
        signature_attachment_id: Set(c.signature_attachment_id),
        completed_at: Set(c.completed_at),
        completed_by: Set(c.completed_by),
        created_at: Set(now),
    };
    row::Entity::insert(model).exec_without_returning(conn).await.map_err(|e| {
        if is_unique_violation(&e) { StoreError::conflict(code::ALREADY_COMPLETED, "this task was completed already") } else { e.into() }
    })?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<Option<Completion>, StoreError> {
    Ok(row::Entity::find_by_id(task_id).one(conn).await?.map(to_completion))
}

/// Records the materials of a task, in the order given.
pub async fn add_materials(
    conn: &impl ConnectionTrait,
    task_id: Uuid,
    ticket_id: Uuid,
    materials: &[Material],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if materials.is_empty() {
        return Ok(());
    }
    let models = materials.iter().zip(1..).map(|(m, position)| material_row::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(task_id),
        ticket_id: Set(ticket_id),
        position: Set(position),
        description: Set(m.description.clone()),
        quantity_milli: Set(m.quantity_milli),
        unit: Set(m.unit.clone()),
        unit_price_minor: Set(m.unit_price_minor),
        total_minor: Set(m.total_minor),
        created_at: Set(now),
        billed_statement_id: Set(None),
    });
    material_row::Entity::insert_many(models).exec_without_returning(conn).await?;
    Ok(())
}

pub async fn materials(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<Vec<Material>, StoreError> {
    Ok(material_row::Entity::find()
        .filter(material_row::Column::TaskId.eq(task_id))
        .order_by_asc(material_row::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| Material {
            description: m.description,
            quantity_milli: m.quantity_milli,
            unit: m.unit,
            unit_price_minor: m.unit_price_minor,
            total_minor: m.total_minor,
        })
        .collect())
}
