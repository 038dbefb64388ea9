//! Tasks on the wire (shown by tasks, the planner and completions).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::time::Totals;
use servdesk_persistence::{ConnectionTrait, time};
use utoipa::ToSchema;
use uuid::Uuid;

use super::time::TotalsOut;
use crate::error::ApiResult;
use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct TaskOut {
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// `T-YYYY-NNNNNN/n`: the ticket's number and the task's place on it.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub paid: bool,
    /// Warranty work of its own (billed at zero), besides the ticket's flag.
    pub warranty: bool,
    pub notify_assignee: bool,
    #[schema(schema_with = wire::task_status)]
    pub status: TaskStatus,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    /// Time logged on the task.
    pub time: TotalsOut,
    /// Custom field values by key (see `GET /api/v1/custom-fields`).
    #[schema(value_type = Object, additional_properties)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl TaskOut {
    /// The task with its time totals (from `time`, the totals of the tasks at hand).
    pub fn new(t: Task, time: &HashMap<Uuid, Totals>) -> Self {
        let totals = time.get(&t.id).copied().unwrap_or_default().into();
        Self { time: totals, ..Self::from(t) }
    }

    /// One task with its time totals read now.
    pub async fn read(conn: &impl ConnectionTrait, t: Task) -> ApiResult<Self> {
        let time = time::totals_by_task(conn, &[t.id]).await?;
        Ok(Self::new(t, &time))
    }
}

impl From<Task> for TaskOut {
    fn from(t: Task) -> Self {
        Self {
            time: TotalsOut::default(),
            id: t.id,
            ticket_id: t.ticket_id,
            number: t.number,
            title: t.title,
            description: t.description,
            category_id: t.category_id,
            type_id: t.type_id,
            planned_start: t.planned_start,
            planned_end: t.planned_end,
            customer_id: t.customer_id,
            location_id: t.location_id,
            contact_id: t.contact_id,
            priority_id: t.priority_id,
            assignee_id: t.assignee_id,
            partner_id: t.partner_id,
            paid: t.paid,
            warranty: t.warranty,
            notify_assignee: t.notify_assignee,
            status: t.status,
            completed_at: t.completed_at,
            created_by: t.created_by,
            custom_fields: t.custom_fields,
            external_ref: t.external_ref,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}
