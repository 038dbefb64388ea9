//! Tickets on the wire (shown by tickets, and by the contacts lookup with open tickets).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::dictionaries::{Entry, StatusClass};
use servdesk_domain::tasks::Progress;
use servdesk_domain::tickets::{Channel, Ticket};
use servdesk_usecases::tickets::Rollup;
use utoipa::ToSchema;
use uuid::Uuid;

use super::time::TotalsOut;
use crate::conventions::timestamps;
use crate::wire;

/// A ticket's status with its class (behaviour keys off the class).
#[derive(Serialize, ToSchema, Clone)]
pub struct StatusOut {
    pub id: Uuid,
    pub name: String,
    #[schema(schema_with = wire::status_class)]
    pub class: Option<StatusClass>,
}

/// A ticket's standing against its SLA policy.
#[derive(Serialize, ToSchema, Clone)]
pub struct SlaOut {
    pub policy_id: Uuid,
    /// `breached` (a target missed), `at_risk` (a running target past its warning) or `ok`.
    #[schema(schema_with = wire::sla_state)]
    pub state: servdesk_domain::sla::SlaState,
    /// The earliest due time of its running targets; `null` while pending or when all are met.
    pub due_at: Option<DateTime<Utc>>,
    /// Pending since then: the clocks hold.
    pub paused_since: Option<DateTime<Utc>>,
}

impl SlaOut {
    pub fn of(standing: &servdesk_domain::sla::Standing, now: DateTime<Utc>) -> Option<Self> {
        Some(Self {
            policy_id: standing.policy_id?,
            state: standing.state(now)?,
            due_at: standing.due_at,
            paused_since: standing.paused_since,
        })
    }
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
    /// The contract covering its work (through its equipment, location or category), as of
    /// its reported date; kept up to date while the ticket is open, as it or its customer's
    /// contracts change.
    pub contract_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub created_by: Option<Uuid>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub first_response_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub resolved_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "timestamps::rfc3339_opt")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Custom field values by key (see `GET /api/v1/custom-fields`).
    #[schema(value_type = Object, additional_properties)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// Where it stands against its SLA policy; `null` when no policy applies
    /// (`GET /tickets/{id}/sla` has each target's clock).
    pub sla: Option<SlaOut>,
    /// The ERP's id for it.
    pub external_ref: Option<String>,
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
            contract_id: t.contract_id,
            tags: t.tags,
            created_by: t.created_by,
            first_response_at: t.first_response_at,
            resolved_at: t.resolved_at,
            closed_at: t.closed_at,
            sla: SlaOut::of(&t.sla, servdesk_usecases::now()),
            custom_fields: t.custom_fields,
            external_ref: t.external_ref,
            version: t.version,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}
