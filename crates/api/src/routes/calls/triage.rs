//! The untriaged queue and triage: convert into a ticket, merge into one, or dismiss. Each
//! once: the outcome is recorded only while the call is still untriaged.

use actix_web::{HttpResponse, get, post, web};
use servdesk_persistence::calls;
use servdesk_usecases::calls::{self as triage, Conversion};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::dto::{CallFilterParams, CallOut, ConvertCall, DismissCall, MergeCall};
use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::error::{ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::AppState;

/// Lists calls; `state=untriaged` is the coordinators' queue, oldest first.
#[utoipa::path(
    operation_id = "list_calls",
    tag = tags::CALLS,
    params(PageParams, CallFilterParams),
    responses((status = 200, body = Paged<CallOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/calls")]
pub async fn list(
    _auth: Authorized<can::CallsRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<CallFilterParams>,
) -> ApiResult<web::Json<Paged<CallOut>>> {
    let page = calls::list(&state.db, filter.state, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, CallOut::from)))
}

/// One call.
#[utoipa::path(
    operation_id = "get_call",
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CallOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/calls/{id}")]
pub async fn get(_auth: Authorized<can::CallsRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<CallOut>> {
    Ok(web::Json(calls::get(&state.db, id.into_inner()).await?.into()))
}

/// Converts a call into a new ticket (coordinators), prefilled from the call.
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body = ConvertCall,
    responses(
        (status = 200, body = CallOut, description = "the call, now `converted`, with its `ticket_id`"),
        NotFound,
        (status = 409, description = "`already_triaged`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/calls/{id}/convert")]
pub async fn convert_call(
    auth: Authorized<can::CallsTriage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ConvertCall>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let call = triage::convert_call(&state, auth.principal(), id.into_inner(), body.into()).await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}

/// Merges a call into an existing ticket (coordinators): its content becomes a note there.
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body = MergeCall,
    responses(
        (status = 200, body = CallOut),
        NotFound,
        (status = 409, description = "`already_triaged`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/calls/{id}/merge")]
pub async fn merge(
    auth: Authorized<can::CallsTriage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<MergeCall>,
) -> ApiResult<HttpResponse> {
    let call = triage::merge(&state, auth.principal(), id.into_inner(), body.ticket_id).await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}

/// Dismisses a call with a reason (coordinators).
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body = DismissCall,
    responses(
        (status = 200, body = CallOut),
        NotFound,
        (status = 409, description = "`already_triaged`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/calls/{id}/dismiss")]
pub async fn dismiss(
    auth: Authorized<can::CallsTriage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<DismissCall>,
) -> ApiResult<HttpResponse> {
    let call = triage::dismiss(&state, auth.principal(), id.into_inner(), body.reason).await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}

impl From<ConvertCall> for Conversion {
    fn from(c: ConvertCall) -> Self {
        Self {
            title: c.title,
            description: c.description,
            customer_id: c.customer_id,
            location_id: c.location_id,
            contact_id: c.contact_id,
            equipment_id: c.equipment_id,
            serial_number: c.serial_number,
            product_id: c.product_id,
            category_id: c.category_id,
            type_id: c.type_id,
            priority_id: c.priority_id,
            team_id: c.team_id,
            assignee_id: c.assignee_id,
            tags: None,
        }
    }
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get).service(convert_call).service(merge).service(dismiss);
}
