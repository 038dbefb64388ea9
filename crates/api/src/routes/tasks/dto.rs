//! Tasks on the wire: the requests and responses of this area.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::tasks::TaskStatus;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::conventions::patch::double_option;
use crate::conventions::validation::{self};
use crate::dto::TaskOut;
use crate::wire;

/// A task sent by its external reference: the create body with its ticket.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"ticket_id": "01933b5e-0000-7000-8000-000000000001", "title": "Replace the pump seal"}))]
pub struct UpsertTask {
    /// The ticket it belongs to (used when it is created; a task never moves).
    pub ticket_id: Uuid,
    #[serde(flatten)]
    pub task: CreateTask,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "title": "Replace the pressure sensor",
    "description": "Sensor P-7 reads 0 bar; spare part in van 2",
    "planned_start": "2026-11-24T08:00:00Z",
    "planned_end": "2026-11-24T10:00:00Z",
    "assignee_id": "01933b5e-0000-7000-8000-000000000030",
    "notify_assignee": true
}))]
pub struct CreateTask {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub title: String,
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub description: Option<String>,
    /// A task category.
    pub category_id: Option<Uuid>,
    /// A task type of that category.
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTime<Utc>>,
    /// After `planned_start`.
    pub planned_end: Option<DateTime<Utc>>,
    /// Default: the ticket's.
    pub customer_id: Option<Uuid>,
    /// Default: the ticket's.
    pub location_id: Option<Uuid>,
    /// Default: the ticket's.
    pub contact_id: Option<Uuid>,
    /// Default: the ticket's.
    pub priority_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// A subcontractor doing the work.
    pub partner_id: Option<Uuid>,
    #[serde(default)]
    pub paid: bool,
    /// Warranty work (its time and materials bill at zero) even where the ticket is not.
    #[serde(default)]
    pub warranty: bool,
    /// Email the assignee about the task.
    #[serde(default)]
    pub notify_assignee: bool,
    /// The ERP's id for it, unique among tasks (`PUT /api/v1/tasks/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
    /// Custom field values by key (`GET /api/v1/custom-fields` lists the fields, their types
    /// and options); checked against the fields of the category. Required ones must be given.
    #[schema(value_type = Option<Object>, additional_properties)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "in_progress", "note": "On site"}))]
pub struct ChangeTaskStatus {
    #[schema(schema_with = wire::task_status)]
    pub status: TaskStatus,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskFilterParams {
    pub ticket_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    #[param(schema_with = wire::task_status)]
    pub status: Option<TaskStatus>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "planned_start": "2026-11-25T08:00:00Z",
    "planned_end": "2026-11-25T09:30:00Z",
    "assignee_id": "01933b5e-0000-7000-8000-000000000031",
    "notify_assignee": true
}))]
pub struct UpdateTask {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 20000))]
    #[schema(max_length = 20000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub category_id: Option<Option<Uuid>>,
    /// Of the task's (new) category.
    #[serde(default, deserialize_with = "double_option")]
    pub type_id: Option<Option<Uuid>>,
    /// Giving a `new` task a window schedules it; clearing a `scheduled` task's window makes it `new`.
    #[serde(default, deserialize_with = "double_option")]
    pub planned_start: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    pub planned_end: Option<Option<DateTime<Utc>>>,
    #[serde(default, deserialize_with = "double_option")]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub location_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub contact_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    /// Reassigns the task; the new assignee is emailed when the task says `notify_assignee`.
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub partner_id: Option<Option<Uuid>>,
    pub paid: Option<bool>,
    pub warranty: Option<bool>,
    pub notify_assignee: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
    /// Custom field values by key (`GET /api/v1/custom-fields` lists the fields, their types
    /// and options); checked against the fields of the category. Only the keys given change; `null` removes a value.
    #[schema(value_type = Option<Object>, additional_properties)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Serialize, ToSchema)]
pub struct SimilarTaskOut {
    pub task: TaskOut,
    /// Higher is more alike: 2 per shared word of title and description, 5 for the same
    /// equipment, 1 for the same task category.
    pub score: u32,
    pub same_equipment: bool,
    pub same_category: bool,
    pub shared_words: Vec<String>,
}

impl From<CreateTask> for servdesk_usecases::tasks::AddTask {
    fn from(b: CreateTask) -> Self {
        Self {
            custom_fields: Some(b.custom_fields.unwrap_or_default()),
            external_ref: b.external_ref,
            title: b.title,
            description: b.description,
            category_id: b.category_id,
            type_id: b.type_id,
            planned_start: b.planned_start,
            planned_end: b.planned_end,
            customer_id: b.customer_id,
            location_id: b.location_id,
            contact_id: b.contact_id,
            priority_id: b.priority_id,
            assignee_id: b.assignee_id,
            partner_id: b.partner_id,
            paid: b.paid,
            warranty: b.warranty,
            notify_assignee: b.notify_assignee,
        }
    }
}

impl From<UpdateTask> for servdesk_usecases::tasks::EditTask {
    fn from(b: UpdateTask) -> Self {
        Self {
            custom_fields: b.custom_fields,
            external_ref: b.external_ref,
            title: b.title,
            description: b.description,
            category_id: b.category_id,
            type_id: b.type_id,
            planned_start: b.planned_start,
            planned_end: b.planned_end,
            customer_id: b.customer_id,
            location_id: b.location_id,
            contact_id: b.contact_id,
            priority_id: b.priority_id,
            assignee_id: b.assignee_id,
            partner_id: b.partner_id,
            paid: b.paid,
            warranty: b.warranty,
            notify_assignee: b.notify_assignee,
        }
    }
}
