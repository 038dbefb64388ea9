//! Tickets on the wire.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::tickets::Channel;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::conventions::patch::double_option;
use crate::conventions::validation;
use crate::wire;

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
    #[schema(max_length = 300, min_length = 1, pattern = r"\S")]
    pub title: String,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    #[validate(length(max = 100000))]
    #[schema(max_length = 100000)]
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
    #[schema(min_length = 1, max_length = 100)]
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
    #[schema(max_length = 2000)]
    pub warranty_reason: Option<String>,
    #[serde(default)]
    pub paid: bool,
    #[serde(default)]
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    pub tags: Vec<String>,
    /// The ERP's id for it, unique among tickets (`PUT /api/v1/tickets/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
    /// Custom field values by key (`GET /api/v1/custom-fields` lists the fields, their types
    /// and options); checked against the fields of the category. Required ones must be given.
    #[schema(value_type = Option<Object>, additional_properties)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

impl From<CreateTicket> for servdesk_usecases::tickets::OpenTicket {
    fn from(b: CreateTicket) -> Self {
        Self {
            custom_fields: Some(b.custom_fields.unwrap_or_default()),
            external_ref: b.external_ref,
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
    #[schema(max_length = 300, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub title: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 100000))]
    #[schema(max_length = 100000)]
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
    #[schema(max_length = 2000)]
    pub warranty_reason: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub paid: Option<bool>,
    #[validate(length(max = 50))]
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub tags: Option<Vec<String>>,
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

impl From<UpdateTicket> for servdesk_usecases::tickets::EditTicket {
    fn from(b: UpdateTicket) -> Self {
        Self {
            title: b.title,
            description: b.description,
            details: b.details,
            customer_id: b.customer_id,
            location_id: b.location_id,
            contact_id: b.contact_id,
            category_id: b.category_id,
            type_id: b.type_id,
            priority_id: b.priority_id,
            expected_close_on: b.expected_close_on,
            warranty: b.warranty,
            warranty_reason: b.warranty_reason,
            paid: b.paid,
            tags: b.tags,
            external_ref: b.external_ref,
            custom_fields: b.custom_fields,
        }
    }
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
    /// Where the ticket stands against its SLA policy now (tickets without a policy match none).
    #[param(schema_with = wire::sla_state)]
    pub sla: Option<servdesk_domain::sla::SlaState>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Last changed at or after.
    pub updated_from: Option<DateTime<Utc>>,
    /// Last changed before.
    pub updated_to: Option<DateTime<Utc>>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}
