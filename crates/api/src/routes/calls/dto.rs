//! Calls on the wire.

use serde::{Deserialize, Serialize};
use servdesk_domain::calls::{AlarmAction, CallState, DismissReason};
use servdesk_domain::tickets::Channel;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

pub use crate::dto::calls::CallOut;
use crate::wire;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "channel": "api",
    "subject": "Pump P-7 pressure low",
    "body": "Pressure 0.8 bar below threshold 1.2 bar",
    "customer_id": "01933b5e-0000-7000-8000-000000000001",
    "dedup_key": "plant-3/pump-7/pressure",
    "action": "trigger",
    "auto_convert": true
}))]
pub struct CreateCall {
    #[schema(schema_with = wire::channel)]
    pub channel: Channel,
    #[validate(length(max = 1000))]
    #[schema(max_length = 1000)]
    pub subject: Option<String>,
    #[validate(length(max = 1000000))]
    #[schema(max_length = 1000000)]
    pub body: Option<String>,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    /// Any common format; stored as E.164.
    pub from_phone: Option<String>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    /// A monitoring alarm's identity: while its ticket is open, repeats land there.
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub dedup_key: Option<String>,
    #[schema(schema_with = wire::alarm_action)]
    #[serde(default = "trigger")]
    pub action: AlarmAction,
    /// Become a ticket at once, without triage.
    #[serde(default)]
    pub auto_convert: bool,
    /// Channel data kept with the call (e.g. `{"auto_submitted": "auto-generated"}` for mail).
    #[schema(value_type = Object)]
    #[serde(default)]
    pub metadata: Option<serde_json::Value>,
}

fn trigger() -> AlarmAction {
    AlarmAction::Trigger
}

/// What became of an incoming call.
#[derive(Serialize, ToSchema)]
pub struct CallIntakeOut {
    /// `created` (waiting for triage), `converted` (a ticket was opened, asked for or by a
    /// triage rule), `dismissed` (a triage rule dismissed it as spam), `deduplicated` (a
    /// repeat of an open alarm, counted on its ticket or its waiting call), `resolved` (the
    /// alarm cleared).
    pub outcome: &'static str,
    /// The stored call; for `deduplicated` and `resolved`, the waiting call the alarm was
    /// counted on (absent when it was counted on a ticket).
    pub call: Option<CallOut>,
    pub ticket_id: Option<Uuid>,
    pub ticket_number: Option<String>,
    /// Triggers counted on the alarm's ticket or waiting call.
    pub alarm_count: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallFilterParams {
    /// `untriaged` is the coordinators' queue, oldest first.
    #[param(schema_with = wire::call_state)]
    pub state: Option<CallState>,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"title": "Oven does not heat", "priority_id": null, "team_id": "01933b5e-0000-7000-8000-000000000020"}))]
pub struct ConvertCall {
    /// Default: the call's subject, else the first line of its body.
    #[validate(length(min = 1, max = 300))]
    #[schema(min_length = 1, max_length = 300)]
    pub title: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    #[validate(length(min = 1, max = 100))]
    #[schema(min_length = 1, max_length = 100)]
    pub serial_number: Option<String>,
    pub product_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"ticket_id": "01933b5e-0000-7000-8000-000000000040"}))]
pub struct MergeCall {
    pub ticket_id: Uuid,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"reason": "spam"}))]
pub struct DismissCall {
    #[schema(schema_with = wire::dismiss_reason)]
    pub reason: DismissReason,
}
