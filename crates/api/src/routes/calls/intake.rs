//! Taking a call in: the handler checks the request's shape and hands it to the intake use
//! case (`servdesk_usecases::calls::take_in`).

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use servdesk_domain::errors::field;
use servdesk_usecases::calls::{self, Intake, IntakeOutcome};
use utoipa_actix_web::service_config::ServiceConfig;

use super::dto::{CallIntakeOut, CallOut, CreateCall};
use crate::auth::{Authorized, can};
use crate::conventions::validation::Fields;
use crate::error::ApiResult;
use crate::openapi::tags;
use crate::state::AppState;

impl From<IntakeOutcome> for CallIntakeOut {
    fn from(o: IntakeOutcome) -> Self {
        Self {
            outcome: o.outcome,
            call: o.call.map(CallOut::from),
            ticket_id: o.ticket_id,
            ticket_number: o.ticket_number,
            alarm_count: o.alarm_count,
        }
    }
}

/// Takes in a call from any channel (staff, or keys with `calls:write`). The raw content is
/// kept untouched; the sender is matched to a contact by email or phone; an acknowledgement
/// is queued unless the channel or customer says not to or the sender looks automated.
/// With a `dedup_key` the call is a monitoring alarm, identified by that key within its
/// customer (or, with no customer known, within the API key): a repeat of an alarm whose
/// ticket is still open is counted on that ticket, and one whose call still waits for
/// triage is counted on that call (200, no new call); `action: resolve` records that the
/// alarm cleared. With `auto_convert` the call becomes a ticket at once.
#[utoipa::path(
    operation_id = "create_call",
    tag = tags::CALLS,
    request_body = CreateCall,
    responses(
        (status = 201, body = CallIntakeOut, description = "a call was stored (`created` or `converted`)", headers(("Location" = String))),
        (status = 200, body = CallIntakeOut, description = "an alarm repeat or resolution landed on its open ticket or its waiting call")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/calls")]
pub async fn create(
    auth: Authorized<can::CallsCreate>,
    state: web::Data<AppState>,
    body: web::Json<CreateCall>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    let from_email = fields.email("from_email", body.from_email.as_deref());
    let from_phone = fields.phone("from_phone", body.from_phone.as_deref(), state.config.default_phone_region);
    if body.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        fields.add("metadata", field::OBJECT, "must be a JSON object");
    }
    fields.finish()?;
    let intake = Intake {
        channel: body.channel,
        subject: body.subject,
        body: body.body,
        from_name: body.from_name,
        from_email,
        from_phone,
        customer_id: body.customer_id,
        contact_id: body.contact_id,
        dedup_key: body.dedup_key,
        action: body.action,
        auto_convert: body.auto_convert,
        metadata: body.metadata,
    };
    let out = calls::take_in(&state, auth.principal(), intake).await?;
    if !matches!(out.outcome, "created" | "converted") {
        return Ok(HttpResponse::Ok().json(CallIntakeOut::from(out)));
    }
    let location = out.call.as_ref().map(|c| format!("/api/v1/calls/{}", c.id)).unwrap_or_default();
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(CallIntakeOut::from(out)))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create);
}
