//! Ticket actions, for what has rules: status changes, assignment, claiming from a team
//! queue, hand-over, closing and reopening. Each is one transaction with its timeline event.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use servdesk_usecases::tickets::actions::{self, CloseRequest, Shown};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, InPerson, can};
use crate::conventions::etag::{IfMatch, versioned};
use crate::conventions::patch::double_option;
use crate::conventions::validation;
use crate::dto::TicketOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status_id": "01933b5e-0000-7000-8000-000000000010", "note": "Waiting for the spare part"}))]
pub struct ChangeStatus {
    /// A ticket status (not of class `closed`: use `/close`).
    pub status_id: Uuid,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"team_id": "01933b5e-0000-7000-8000-000000000020", "assignee_id": null}))]
pub struct Assign {
    /// The team queue; `null` takes it out of any queue.
    #[serde(default, deserialize_with = "double_option")]
    pub team_id: Option<Option<Uuid>>,
    /// The responsible person; `null` puts it back in the queue.
    #[serde(default, deserialize_with = "double_option")]
    pub assignee_id: Option<Option<Uuid>>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"assignee_id": "01933b5e-0000-7000-8000-000000000030", "note": "On holiday from tomorrow; customer expects a call back Monday"}))]
pub struct Handover {
    pub assignee_id: Uuid,
    #[validate(custom(function = "validation::not_blank"), length(max = 2000))]
    #[schema(max_length = 2000, min_length = 1, pattern = r"\S")]
    pub note: String,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"note": "Customer withdrew the request", "status_id": "01933b5e-0000-7000-8000-000000000007", "cancel_open_tasks": true}))]
pub struct CloseTicket {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// The status to close to: one of class `closed` or `cancelled` (422
    /// `not_a_closing_status` otherwise). Default: the default status of class `closed`.
    pub status_id: Option<Uuid>,
    /// Cancel the ticket's open tasks with it; without this a ticket with open tasks is not
    /// closed (409 `open_tasks`, listing them).
    #[serde(default)]
    pub cancel_open_tasks: bool,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"note": "Customer confirmed by phone"}))]
pub struct Note {
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

/// The ticket after an action, as the client sees it.
fn respond(shown: Shown) -> HttpResponse {
    let version = shown.ticket.version;
    versioned(HttpResponse::Ok(), version, &TicketOut::new(shown.ticket, &shown.statuses, &shown.rollups))
}

/// Moves a ticket to another status within its open life (closing and cancelling: `/close`). Stamps the
/// first response and resolution times.
#[utoipa::path(
    operation_id = "change_ticket_status",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = ChangeStatus,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`ticket_closed`, `use_close`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/status")]
pub async fn change_status(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ChangeStatus>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let body = body.into_inner();
    Ok(respond(actions::change_status(&state, auth.principal(), id.into_inner(), if_match.0, body.status_id, body.note).await?))
}

/// Assigns a ticket to a team queue and/or a person (coordinators).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = Assign,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/assign")]
pub async fn assign(
    auth: Authorized<can::TicketsCoordinate>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<Assign>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let shown = actions::assign(&state, auth.principal(), id.into_inner(), if_match.0, body.team_id, body.assignee_id, body.note).await?;
    Ok(respond(shown))
}

/// Takes an unassigned ticket from the queue of a team the caller belongs to.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`already_assigned`, `not_in_team`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/claim")]
pub async fn claim(auth: InPerson<can::TicketsWrite>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    Ok(respond(actions::claim(&state, auth.principal(), id.into_inner()).await?))
}

/// Hands a ticket over to a colleague with a note (its assignee, or a coordinator).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = Handover,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`not_assignee`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/handover")]
pub async fn handover(
    auth: InPerson<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<Handover>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    Ok(respond(actions::hand_over(&state, auth.principal(), id.into_inner(), if_match.0, body.assignee_id, &body.note).await?))
}

/// Closes or cancels a ticket at any time (coordinators): to the status named (of class
/// `closed` or `cancelled`), by default the default status of class `closed`. Open
/// tasks must be cancelled with it (`cancel_open_tasks: true`), else the close is refused
/// with 409 `open_tasks` listing them (one entry of `errors` per task).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = CloseTicket,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`ticket_closed`, `open_tasks`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/close")]
pub async fn close(
    auth: Authorized<can::TicketsCoordinate>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<CloseTicket>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let body = body.into_inner();
    let request = CloseRequest { note: body.note, status_id: body.status_id, cancel_open_tasks: body.cancel_open_tasks };
    let shown = actions::close(&state, auth.principal(), id.into_inner(), if_match.0, request).await?;
    Ok(respond(shown))
}

/// Reopens a closed ticket within the reopen window (default 30 days): the default status
/// of class `open`.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = Note,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`ticket_not_closed`, `reopen_window_passed`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/reopen")]
pub async fn reopen(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<Note>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    Ok(respond(actions::reopen(&state, auth.principal(), id.into_inner(), if_match.0, body.into_inner().note).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(change_status).service(assign).service(claim).service(handover).service(close).service(reopen);
}
