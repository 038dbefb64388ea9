//! The untriaged queue and triage: convert into a ticket, merge into one, or dismiss. Each
//! once: the outcome is recorded only while the call is still untriaged.

use actix_web::{HttpResponse, get, post, web};
use serde_json::json;
use servdesk_domain::Principal;
use servdesk_domain::calls::{CallState, check_triage, suggested_title};
use servdesk_domain::tickets::{CommentVisibility, EventKind, Ticket};
use servdesk_persistence::calls::{self, Call};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, attachments, comments, tickets};
use uuid::Uuid;
use validator::Validate;

use super::dto::{CallFilterParams, CallOut, ConvertCall, DismissCall, MergeCall};
use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::referenced;
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::tags;
use crate::routes::tickets::dto::CreateTicket;
use crate::routes::tickets::{actor, handlers, visibility};
use crate::state::{AppState, now};

fn already_triaged(call: &Call) -> ApiError {
    ApiError::conflict("already_triaged", format!("call {} was already {}", call.number, call.state.as_str()))
}

/// Opens the ticket a call becomes, prefilled from the call; `overrides` win.
pub(crate) async fn convert(
    txn: &impl ConnectionTrait,
    state: &AppState,
    principal: &Principal,
    call: &Call,
    overrides: ConvertCall,
) -> ApiResult<Ticket> {
    check_triage(call.state).map_err(|_| already_triaged(call))?;
    let body = CreateTicket {
        title: overrides.title.unwrap_or_else(|| suggested_title(call.subject.as_deref(), call.body.as_deref(), &call.number)),
        description: overrides.description,
        details: call.body.clone(),
        channel: Some(call.channel),
        customer_id: overrides.customer_id.or(call.customer_id),
        location_id: overrides.location_id,
        contact_id: overrides.contact_id.or(call.contact_id),
        equipment_id: overrides.equipment_id,
        serial_number: overrides.serial_number,
        product_id: overrides.product_id,
        category_id: overrides.category_id,
        type_id: overrides.type_id,
        priority_id: overrides.priority_id,
        team_id: overrides.team_id,
        assignee_id: overrides.assignee_id,
        reported_at: Some(call.created_at),
        ..CreateTicket::default()
    };
    let alarm_key = call.dedup_key.clone();
    let ticket = handlers::open(txn, state, principal, body, Some(call.id), alarm_key).await?;
    if !calls::triage(txn, call.id, CallState::Converted, Some(ticket.id), None, actor(principal), now()).await? {
        return Err(already_triaged(call));
    }
    attachments::follow_call(txn, call.id, ticket.id, None).await?;
    // The call's emails (its acknowledgement, the original) become the ticket's thread.
    servdesk_persistence::messages::move_call_to_ticket(txn, call.id, ticket.id).await?;
    Ok(ticket)
}

/// Lists calls; `state=untriaged` is the coordinators' queue, oldest first.
#[utoipa::path(
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
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CallOut), (status = 404, body = Problem, content_type = "application/problem+json")),
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let txn = state.db.begin().await?;
    let call = calls::get(&txn, id.into_inner()).await?;
    convert(&txn, &state, auth.principal(), &call, body).await?;
    let call = calls::get(&txn, call.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}

/// Merges a call into an existing ticket (coordinators): its content becomes a note there.
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body = MergeCall,
    responses(
        (status = 200, body = CallOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let principal = auth.principal();
    let txn = state.db.begin().await?;
    let call = calls::get(&txn, id.into_inner()).await?;
    check_triage(call.state).map_err(|_| already_triaged(&call))?;
    let visibility = visibility(&txn, principal).await?;
    let ticket = referenced("ticket_id", tickets::get_visible(&txn, body.ticket_id, &visibility).await)?;
    let from =
        call.from_email.clone().or(call.from_phone.clone()).or(call.from_name.clone()).unwrap_or_else(|| "unknown sender".to_owned());
    let text = format!(
        "Call {} ({}, from {from}): {}\n\n{}",
        call.number,
        call.channel.as_str(),
        call.subject.as_deref().unwrap_or(""),
        call.body.as_deref().unwrap_or("")
    );
    let comment =
        comments::create(&txn, ticket.id, actor(principal), CommentVisibility::Internal, text.trim().to_owned(), &[], now()).await?;
    tickets::append_event(
        &txn,
        ticket.id,
        EventKind::CallMerged,
        actor(principal),
        json!({"call_id": call.id, "call_number": call.number, "comment_id": comment.id}),
        now(),
    )
    .await?;
    if !calls::triage(&txn, call.id, CallState::Merged, Some(ticket.id), None, actor(principal), now()).await? {
        return Err(already_triaged(&call));
    }
    attachments::follow_call(&txn, call.id, ticket.id, Some(comment.id)).await?;
    servdesk_persistence::messages::move_call_to_ticket(&txn, call.id, ticket.id).await?;
    let call = calls::get(&txn, call.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}

/// Dismisses a call with a reason (coordinators).
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body = DismissCall,
    responses(
        (status = 200, body = CallOut),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let txn = state.db.begin().await?;
    let call = calls::get(&txn, id.into_inner()).await?;
    check_triage(call.state).map_err(|_| already_triaged(&call))?;
    if !calls::triage(&txn, call.id, CallState::Dismissed, None, Some(body.reason), actor(auth.principal()), now()).await? {
        return Err(already_triaged(&call));
    }
    let call = calls::get(&txn, call.id).await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok().json(CallOut::from(call)))
}
