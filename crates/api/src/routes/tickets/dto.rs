//! Tickets on the wire.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::dictionaries::{Entry, StatusClass};
use servdesk_domain::tasks::Progress;
use servdesk_domain::tickets::{Channel, Ticket};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::conventions::patch::double_option;
use crate::conventions::timestamps;
use crate::conventions::validation;
use crate::routes::time::TotalsOut;
use crate::wire;
use servdesk_usecases::tickets::Rollup;

/// A ticket's status with its class (behaviour keys off the class).
#[derive(Serialize, ToSchema, Clone)]
pub struct StatusOut {
    pub id: Uuid,
    pub name: String,
    #[schema(schema_with = wire::status_class)]
    pub class: Option<StatusClass>,
}

/// How far the work on a ticket is.
#[derive(Serialize, ToSchema, Clone, Copy, Default)]
pub struct ProgressOut {
    /// Done tasks.
    pub tasks_done: u32,
    /// Tasks not cancelled.
    pub tasks_total: u32,
    /// `tasks_done / tasks_total` as a whole percentage; `null` without tasks.
    pub tasks_percent: Option<u32>,
    pub checklist_checked: u32,
    pub checklist_total: u32,
}

impl From<Progress> for ProgressOut {
    fn from(p: Progress) -> Self {
        Self {
            tasks_done: p.tasks_done,
            tasks_total: p.tasks_total,
            tasks_percent: p.tasks_percent(),
            checklist_checked: p.checklist_checked,
            checklist_total: p.checklist_total,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    pub id: Uuid,
    /// `T-YYYY-NNNNNN`.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    #[schema(schema_with = wire::channel)]
    pub channel: Channel,
    /// The call it was converted from.
    pub call_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub status: StatusOut,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<NaiveDate>,
    /// When the problem was reported (decides the warranty default).
    #[serde(serialize_with = "timestamps::rfc3339")]
    pub reported_at: DateTime<Utc>,
    /// Warranty work is billed at zero.
    pub warranty: bool,
    /// What the flag would be by the equipment's warranty.
    pub warranty_default: bool,
    /// Why `warranty` differs from `warranty_default`.
    pub warranty_override_reason: Option<String>,
    pub paid: bool,
    pub tags: Vec<String>,
    pub created_by: Option<Uuid>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i64,
    #[serde(serialize_with = "timestamps::rfc3339")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "timestamps::rfc3339")]
    pub updated_at: DateTime<Utc>,
    pub progress: ProgressOut,
    /// Time logged on the ticket and its tasks.
    pub time: TotalsOut,
}

impl TicketOut {
    /// `statuses` is the status dictionary (short; loaded once per request), `progress` that
    /// of the tickets at hand (see `tickets::progress`).
    pub fn new(t: Ticket, statuses: &[Entry], rollups: &HashMap<Uuid, Rollup>) -> Self {
        let status = statuses.iter().find(|s| s.id == t.status_id);
        let rollup = rollups.get(&t.id).copied().unwrap_or_default();
        Self {
            progress: rollup.progress.into(),
            time: rollup.time.into(),
            status: StatusOut {
                id: t.status_id,
                name: status.map(|s| s.name.clone()).unwrap_or_default(),
                class: status.and_then(|s| s.class),
            },
            id: t.id,
            number: t.number,
            title: t.title,
            description: t.description,
            details: t.details,
            channel: t.channel,
            call_id: t.call_id,
            customer_id: t.customer_id,
            location_id: t.location_id,
            contact_id: t.contact_id,
            equipment_id: t.equipment_id,
            serial_number: t.serial_number,
            category_id: t.category_id,
            type_id: t.type_id,
            priority_id: t.priority_id,
            team_id: t.team_id,
            assignee_id: t.assignee_id,
            expected_close_on: t.expected_close_on,
            reported_at: t.reported_at,
            warranty: t.warranty.flag,
            warranty_default: t.warranty.default,
            warranty_override_reason: t.warranty.override_reason,
            paid: t.paid,
            tags: t.tags,
            created_by: t.created_by,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({
    "title": "Printer jams on every page",
    "description": "Paper jam in tray 2",
    "customer_id": "01933b5e-0000-7000-8000-000000000001",
    "contact_id": "01933b5e-0000-7000-8000-000000000002",
    "serial_number": "X1-123456",
    "channel": "phone"
}))]
pub struct CreateTicket {
    #[validate(custom(function = "validation::not_blank"), length(max = 300))]
    pub title: String,
    #[validate(length(max = 2000))]
    pub description: Option<String>,
    #[validate(length(max = 100000))]
    pub details: Option<String>,
    /// Default `phone` for staff, `api` for integrations.
    #[schema(schema_with = wire::channel)]
    pub channel: Option<Channel>,
    /// Defaults from the contact or location.
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    /// A known serial links its equipment; an unknown one needs `product_id` and must fit
    /// that product's serial format.
    #[validate(length(min = 1, max = 100))]
    pub serial_number: Option<String>,
    pub product_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    /// Default: the default priority.
    pub priority_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<NaiveDate>,
    /// Default: now.
    pub reported_at: Option<DateTime<Utc>>,
    /// Overrides the warranty default from the equipment; needs `warranty_reason`.
    pub warranty: Option<bool>,
    #[validate(length(max = 2000))]
    pub warranty_reason: Option<String>,
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub tags: Vec<String>,
}

impl From<CreateTicket> for servdesk_usecases::tickets::OpenTicket {
    fn from(b: CreateTicket) -> Self {
        Self {
            title: b.title,
            description: b.description,
            details: b.details,
            channel: b.channel,
            customer_id: b.customer_id,
            location_id: b.location_id,
            contact_id: b.contact_id,
            equipment_id: b.equipment_id,
            serial_number: b.serial_number,
            product_id: b.product_id,
            category_id: b.category_id,
            type_id: b.type_id,
            priority_id: b.priority_id,
            team_id: b.team_id,
            assignee_id: b.assignee_id,
            expected_close_on: b.expected_close_on,
            reported_at: b.reported_at,
            warranty: b.warranty,
            warranty_reason: b.warranty_reason,
            paid: b.paid,
            tags: b.tags,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"title": "Printer jams on every page (tray 2)", "warranty": true, "warranty_reason": "Goodwill: repeated fault"}))]
pub struct UpdateTicket {
    #[validate(custom(function = "validation::not_blank"), length(max = 300))]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 100000))]
    pub details: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub location_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub contact_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub category_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub type_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    #[serde(default, deserialize_with = "double_option")]
    pub expected_close_on: Option<Option<NaiveDate>>,
    /// Sets the flag; a value other than the default needs `warranty_reason`.
    pub warranty: Option<bool>,
    #[validate(length(max = 2000))]
    pub warranty_reason: Option<String>,
    pub paid: Option<bool>,
    #[validate(length(max = 50))]
    pub tags: Option<Vec<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketFilterParams {
    /// Full text: tickets containing every word in their number, title, description,
    /// details, serial number or comments; or exactly this ticket number.
    pub q: Option<String>,
    #[param(schema_with = wire::status_class)]
    pub status_class: Option<StatusClass>,
    pub status_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// `true`: only the unassigned (the team queues).
    pub unassigned: Option<bool>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    #[param(schema_with = wire::channel)]
    pub channel: Option<Channel>,
    pub warranty: Option<bool>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Last changed at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Last changed before.
    pub updated_to: Option<DateTime<Utc>>,
}
