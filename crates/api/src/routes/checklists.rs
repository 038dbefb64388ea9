//! Checklists of tickets and tasks: add, edit, check/uncheck (who and when kept), reorder,
//! delete unchecked lines. Each change is a `checklist_changed` event on the ticket.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use servdesk_domain::Principal;
use servdesk_persistence::checklists::{self, Owner};
use servdesk_persistence::tickets;
use servdesk_usecases::access::{visibility, visible_task};
use servdesk_usecases::checklists::{self as checklist_cases, ChecklistOf};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::dto::checklists::ChecklistItemOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::AppState;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"text": "Photograph the serial plate"}))]
pub struct AddLine {
    #[validate(custom(function = "crate::conventions::validation::not_blank"), length(max = 500))]
    #[schema(max_length = 500, min_length = 1, pattern = r"\S")]
    pub text: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"checked": true}))]
pub struct ChangeLine {
    #[validate(custom(function = "crate::conventions::validation::not_blank"), length(max = 500))]
    #[schema(max_length = 500, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub text: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub checked: Option<bool>,
    /// Move the line to this place (1-based; clamped to the list).
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub position: Option<i32>,
}

async fn add(state: &AppState, principal: &Principal, target: ChecklistOf, body: AddLine) -> ApiResult<HttpResponse> {
    body.validate()?;
    let item = checklist_cases::add(state, principal, target, &body.text).await?;
    Ok(HttpResponse::Created().json(ChecklistItemOut::from(item)))
}

/// The ticket's own checklist (its tasks' are under each task).
#[utoipa::path(
    operation_id = "get_ticket_checklist",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ChecklistItemOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/checklist")]
pub async fn of_ticket(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ChecklistItemOut>>> {
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility(&state.db, auth.principal()).await?).await?;
    Ok(web::Json(checklists::list(&state.db, Owner::Ticket(ticket.id)).await?.into_iter().map(Into::into).collect()))
}

/// Adds a line at the end of the ticket's checklist.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    request_body = AddLine,
    responses((status = 201, body = ChecklistItemOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/checklist")]
pub async fn add_to_ticket(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AddLine>,
) -> ApiResult<HttpResponse> {
    add(&state, auth.principal(), ChecklistOf::Ticket(id.into_inner()), body.into_inner()).await
}

/// A task's checklist (copied from its category's template when the task was created).
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<ChecklistItemOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}/checklist")]
pub async fn of_task(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<ChecklistItemOut>>> {
    let (task, _) = visible_task(&state.db, auth.principal(), id.into_inner()).await?;
    let owner = Owner::Task { ticket_id: task.ticket_id, task_id: task.id };
    Ok(web::Json(checklists::list(&state.db, owner).await?.into_iter().map(Into::into).collect()))
}

/// Adds a line at the end of the task's checklist.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    request_body = AddLine,
    responses((status = 201, body = ChecklistItemOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tasks/{id}/checklist")]
pub async fn add_to_task(
    auth: Authorized<can::TasksWork>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AddLine>,
) -> ApiResult<HttpResponse> {
    add(&state, auth.principal(), ChecklistOf::Task(id.into_inner()), body.into_inner()).await
}

/// Edits, checks or unchecks, or moves a line.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    request_body = ChangeLine,
    responses((status = 200, body = ChecklistItemOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/checklist-items/{id}")]
pub async fn change(
    auth: Authorized<can::TasksWork>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<ChangeLine>,
) -> ApiResult<web::Json<ChecklistItemOut>> {
    let body = body.into_inner();
    body.validate()?;
    let item = checklist_cases::change(&state, auth.principal(), id.into_inner(), body.text, body.checked, body.position).await?;
    Ok(web::Json(item.into()))
}

/// Deletes an unchecked line (a checked one is a record of work done: 409).
#[utoipa::path(
    operation_id = "delete_checklist_item",
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Deleted"),
        NotFound,
        (status = 409, description = "`checklist_item_checked`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/checklist-items/{id}")]
pub async fn remove(auth: Authorized<can::TasksWork>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    checklist_cases::remove(&state, auth.principal(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(of_ticket).service(add_to_ticket).service(of_task).service(add_to_task).service(change).service(remove);
}
