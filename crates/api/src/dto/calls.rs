//! A call as every area shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::calls::{AlarmAction, Call, CallState, DismissReason};
use servdesk_domain::tickets::Channel;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct CallOut {
    pub id: Uuid,
    /// `C-YYYY-NNNNNN`.
    pub number: String,
    #[schema(schema_with = wire::channel)]
    pub channel: Channel,
    pub subject: Option<String>,
    /// As received, untouched.
    pub body: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    /// E.164.
    pub from_phone: Option<String>,
    /// What the channel told us (headers, form fields, device data).
    #[schema(value_type = Object)]
    pub metadata: serde_json::Value,
    /// Matched from the sender, or given.
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    #[schema(schema_with = wire::alarm_action)]
    pub action: AlarmAction,
    #[schema(schema_with = wire::call_state)]
    pub state: CallState,
    /// The ticket it became or was merged into.
    pub ticket_id: Option<Uuid>,
    #[schema(schema_with = wire::dismiss_reason_or_null)]
    pub dismiss_reason: Option<DismissReason>,
    pub triaged_by_user_id: Option<Uuid>,
    pub triaged_by_api_key_id: Option<Uuid>,
    pub triaged_at: Option<DateTime<Utc>>,
    /// An acknowledgement was queued for the sender.
    pub acknowledged: bool,
    /// For an alarm (`dedup_key`): how often it fired while the call waited for triage.
    pub alarm_count: Option<i64>,
    /// For an alarm: when it last fired.
    pub alarm_last_seen_at: Option<DateTime<Utc>>,
    /// For an alarm: when the device reported it cleared while the call waited.
    pub alarm_resolved_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Call> for CallOut {
    fn from(c: Call) -> Self {
        Self {
            id: c.id,
            number: c.number,
            channel: c.channel,
            subject: c.subject,
            body: c.body,
            from_name: c.from_name,
            from_email: c.from_email,
            from_phone: c.from_phone,
            metadata: c.metadata,
            customer_id: c.customer_id,
            contact_id: c.contact_id,
            dedup_key: c.dedup_key,
            action: c.action,
            state: c.state,
            ticket_id: c.ticket_id,
            dismiss_reason: c.dismiss_reason,
            triaged_by_user_id: c.triaged_by.user_id,
            triaged_by_api_key_id: c.triaged_by.api_key_id,
            triaged_at: c.triaged_at,
            acknowledged: c.acknowledged,
            alarm_count: c.alarm_key.as_ref().map(|_| c.alarm_count),
            alarm_last_seen_at: c.alarm_last_seen_at,
            alarm_resolved_at: c.alarm_resolved_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}
