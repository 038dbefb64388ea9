//! Checklists of tickets and tasks: add, edit, check/uncheck (who and when kept), reorder,
//! delete unchecked lines. Each change is a `checklist_changed` event on the ticket.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::checklists::{self as rules, ChecklistItem};
use servdesk_domain::timeline::{ChecklistChanged, TicketEvent};
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::checklists::{self, Owner};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, tickets};
use servdesk_usecases::access::{actor, visibility, visible_task};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::NotFound;
use crate::routes::tags;
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemOut {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    /// 1-based place in its list.
    pub position: i32,
    pub text: String,
    pub checked: bool,
    pub checked_by: Option<Uuid>,
    pub checked_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ChecklistItem> for ChecklistItemOut {
    fn from(i: ChecklistItem) -> Self {
        Self {
            id: i.id,
            ticket_id: i.ticket_id,
            task_id: i.task_id,
            position: i.position,
            text: i.text,
            checked: i.checked,
            checked_by: i.checked_by,
            checked_at: i.checked_at,
            version: i.version,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"text": "Photograph the serial plate"}))]
pub struct AddLine {
    #[validate(custom(function = "crate::conventions::validation::not_blank"), length(max = 500))]
    pub text: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"checked": true}))]
pub struct ChangeLine {
    #[validate(custom(function = "crate::conventions::validation::not_blank"), length(max = 500))]
    pub text: Option<String>,
    pub checked: Option<bool>,
    /// Move the line to this place (1-based; clamped to the list).
    pub position: Option<i32>,
}

/// Whose list a request names.
#[derive(Clone, Copy)]
enum Target {
    Ticket(Uuid),
    Task(Uuid),
}

impl Target {
    fn of(item: &ChecklistItem) -> Self {
        item.task_id.map_or(Target::Ticket(item.ticket_id), Target::Task)
    }
}

/// The list a caller may change: a task's for who may work on the task (technicians their
/// own), a ticket's own for who may change the ticket.
async fn writable_owner(conn: &impl ConnectionTrait, principal: &Principal, target: Target) -> ApiResult<Owner> {
    match target {
        Target::Task(task) => {
            let (task, _) = visible_task(conn, principal, task).await?;
            Ok(Owner::Task { ticket_id: task.ticket_id, task_id: task.id })
        }
        Target::Ticket(ticket_id) => {
            let ticket = tickets::get_visible(conn, ticket_id, &visibility(conn, principal).await?).await?;
            if !principal.can(Permission::TicketsWrite) {
                return Err(ApiError::forbidden());
            }
            Ok(Owner::Ticket(ticket.id))
        }
    }
}

async fn record(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    item: &ChecklistItem,
    action: &str,
    at: DateTime<Utc>,
) -> ApiResult<()> {
    let event = TicketEvent::ChecklistChanged(ChecklistChanged {
        item_id: item.id,
        task_id: item.task_id,
        action: action.to_owned(),
        text: item.text.clone(),
        checked: item.checked,
    });
    tickets::append_event(conn, item.ticket_id, actor(principal), &event, at).await?;
    Ok(())
}

async fn add(state: &AppState, principal: &Principal, target: Target, body: AddLine) -> ApiResult<HttpResponse> {
    body.validate()?;
    let now = now();
    let txn = state.db.begin().await?;
    let owner = writable_owner(&txn, principal, target).await?;
    let mut added = checklists::append(&txn, owner, &[body.text.trim().to_owned()], now).await?;
    let item = added.pop().ok_or_else(|| ApiError::internal("no line added"))?;
    record(&txn, principal, &item, "added", now).await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(ChecklistItemOut::from(item)))
}

/// The ticket's own checklist (its tasks' are under each task).
#[utoipa::path(
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
    add(&state, auth.principal(), Target::Ticket(id.into_inner()), body.into_inner()).await
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
    add(&state, auth.principal(), Target::Task(id.into_inner()), body.into_inner()).await
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
    let principal = auth.principal();
    let now = now();
    let txn = state.db.begin().await?;
    let item = checklists::get(&txn, id.into_inner()).await?;
    let owner = writable_owner(&txn, principal, Target::of(&item)).await?;
    let mut item = item;
    if body.text.is_some() || body.checked.is_some_and(|c| c != item.checked) {
        let checked = body.checked.filter(|c| *c != item.checked).map(|c| (c, principal.user_id()));
        let action = match checked {
            Some((true, _)) => "checked",
            Some((false, _)) => "unchecked",
            None => "edited",
        };
        item = checklists::update(&txn, item.id, body.text.map(|t| t.trim().to_owned()), checked, now).await?;
        record(&txn, principal, &item, action, now).await?;
    }
    if let Some(position) = body.position {
        let order: Vec<Uuid> = checklists::list(&txn, owner).await?.iter().map(|i| i.id).collect();
        let moved = rules::moved(&order, item.id, position).ok_or_else(ApiError::not_found)?;
        if moved != order {
            checklists::reorder(&txn, &moved, now).await?;
            item = checklists::get(&txn, item.id).await?;
            record(&txn, principal, &item, "moved", now).await?;
        }
    }
    txn.commit().await?;
    Ok(web::Json(item.into()))
}

/// Deletes an unchecked line (a checked one is a record of work done: 409).
#[utoipa::path(
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
    let principal = auth.principal();
    let now = now();
    let txn = state.db.begin().await?;
    let item = checklists::get(&txn, id.into_inner()).await?;
    let owner = writable_owner(&txn, principal, Target::of(&item)).await?;
    rules::check_delete(&item).map_err(|e| servdesk_usecases::Error::domain(&e))?;
    checklists::delete(&txn, item.id).await?;
    let rest: Vec<Uuid> = checklists::list(&txn, owner).await?.iter().map(|i| i.id).collect();
    checklists::reorder(&txn, &rest, now).await?;
    record(&txn, principal, &item, "deleted", now).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(of_ticket).service(add_to_ticket).service(of_task).service(add_to_task).service(change).service(remove);
}
