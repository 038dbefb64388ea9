//! The PBX's report of a phone call (`telephony:write`): a customer's call becomes a call
//! of channel `phone` linked to the contact whose number it is; a missed one a call to ring
//! back; the desk's own outbound calls are not kept.

use actix_web::{HttpResponse, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::telephony::Direction;
use servdesk_usecases::telephony::{self, Logged, PhoneCall};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use super::dto::CallIntakeOut;
use crate::auth::{Authorized, can};
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::state::AppState;
use crate::wire;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "caller": "+386 40 111 222", "called": "+386 1 555 0100", "direction": "inbound",
    "started_at": "2027-03-02T08:15:00Z", "duration_seconds": 200, "missed": false,
    "agent_extension": "214", "recording_url": "https://pbx.example.com/rec/8812.mp3", "external_id": "8812"
}))]
pub struct PhoneCallIn {
    /// The caller's number as the PBX shows it (`anonymous` when withheld).
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64)]
    pub caller: String,
    /// The number dialled (a line, a queue).
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub called: Option<String>,
    #[schema(schema_with = wire::call_direction)]
    pub direction: Direction,
    pub started_at: DateTime<Utc>,
    /// How long it lasted (0 for a missed call).
    #[serde(default)]
    #[validate(range(max = 86399))]
    #[schema(minimum = 0, maximum = 86399)]
    pub duration_seconds: u32,
    /// Nobody answered.
    #[serde(default)]
    pub missed: bool,
    /// The extension that answered (mapped to the staff member with that `extension`).
    #[validate(length(max = 32))]
    #[schema(max_length = 32)]
    pub agent_extension: Option<String>,
    #[validate(url)]
    pub recording_url: Option<String>,
    /// The PBX's id of the call (send it again as `Idempotency-Key` to report a call once).
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub external_id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct NotKeptOut {
    #[schema(example = "not_kept")]
    pub outcome: &'static str,
    /// Why: `outbound` (the desk's own call).
    pub reason: &'static str,
}

/// Reports a phone call from the PBX. An inbound call becomes a call of channel `phone`
/// (waiting for triage, or acted on by a triage rule), linked to the contact with the
/// caller's number; a missed one is marked `call_back`; who answered is named by extension.
#[utoipa::path(
    operation_id = "report_phone_call",
    tag = tags::CALLS,
    request_body = PhoneCallIn,
    responses(
        (status = 201, body = CallIntakeOut, description = "the call was kept"),
        (status = 200, body = NotKeptOut, description = "an outbound call: nothing to triage"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/telephony/calls")]
pub async fn report(
    auth: Authorized<can::TelephonyLog>,
    state: web::Data<AppState>,
    body: web::Json<PhoneCallIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let b = body.into_inner();
    let report = PhoneCall {
        caller: b.caller,
        called: b.called,
        direction: b.direction,
        started_at: b.started_at,
        duration_seconds: b.duration_seconds,
        missed: b.missed,
        agent_extension: b.agent_extension,
        recording_url: b.recording_url,
        external_id: b.external_id,
    };
    Ok(match telephony::log(&state, auth.principal(), report).await? {
        Logged::Kept(outcome) => HttpResponse::Created().json(CallIntakeOut::from(*outcome)),
        Logged::NotKept(reason) => HttpResponse::Ok().json(NotKeptOut { outcome: "not_kept", reason }),
    })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(report);
}
