//! Ticket actions, for what has rules: status changes, assignment, claiming from a team
//! queue, hand-over, closing and reopening. Each is one transaction with its timeline event.

use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use serde_json::json;
use servdesk_domain::errors::{code, field};
use servdesk_usecases::Error;

use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::tickets::{self as rules, EventKind, Ticket};
use servdesk_persistence::{DatabaseTransaction, TransactionTrait, dictionaries, teams};
use servdesk_persistence::{tasks, tickets};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use super::dto::TicketOut;
use crate::auth::{Authorized, Caller, can};
use crate::conventions::etag::{IfMatch, versioned};
use crate::conventions::patch::double_option;
use crate::conventions::validation::{self, clean};
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::routes::tags;
use crate::state::{AppState, now};
use servdesk_usecases::access::{actor, visibility};
use servdesk_usecases::notify;
use servdesk_usecases::references;
use servdesk_usecases::tickets::{move_to_class, progress};

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status_id": "01933b5e-0000-7000-8000-000000000010", "note": "Waiting for the spare part"}))]
pub struct ChangeStatus {
    /// A ticket status (not of class `closed`: use `/close`).
    pub status_id: Uuid,
    #[validate(length(max = 2000))]
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
    pub note: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"assignee_id": "01933b5e-0000-7000-8000-000000000030", "note": "On holiday from tomorrow; customer expects a call back Monday"}))]
pub struct Handover {
    pub assignee_id: Uuid,
    #[validate(custom(function = "validation::not_blank"), length(max = 2000))]
    pub note: String,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"note": "Customer withdrew the request", "cancel_open_tasks": true}))]
pub struct CloseTicket {
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// Cancel the ticket's open tasks with it; without this a ticket with open tasks is not
    /// closed (409 `open_tasks`, listing them).
    #[serde(default)]
    pub cancel_open_tasks: bool,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"note": "Customer confirmed by phone"}))]
pub struct Note {
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

struct Loaded {
    txn: DatabaseTransaction,
    ticket: Ticket,
    statuses: Vec<Entry>,
}

impl Loaded {
    fn class(&self, status_id: Uuid) -> ApiResult<StatusClass> {
        self.statuses
            .iter()
            .find(|s| s.id == status_id)
            .and_then(|s| s.class)
            .ok_or_else(|| ApiError::internal(format!("status {status_id} has no class")))
    }

    fn status_ref(&self, status_id: Uuid) -> serde_json::Value {
        let name = self.statuses.iter().find(|s| s.id == status_id).map(|s| s.name.clone());
        json!({"id": status_id, "name": name})
    }

    /// Records the event, commits, answers with the ticket.
    async fn finish(self, ticket: Ticket, kind: EventKind, caller: &Caller, data: serde_json::Value) -> ApiResult<HttpResponse> {
        let at = now();
        tickets::append_event(&self.txn, ticket.id, kind, actor(caller.principal()), data, at).await?;
        notify::ticket_changed(&self.txn, &self.ticket, &ticket, &self.statuses, caller.principal().user_id(), at).await?;
        let progress = progress(&self.txn, [&ticket]).await?;
        self.txn.commit().await?;
        Ok(versioned(HttpResponse::Ok(), ticket.version, &TicketOut::new(ticket, &self.statuses, &progress)))
    }
}

async fn load(state: &AppState, caller: &Caller, id: Uuid) -> ApiResult<Loaded> {
    let txn = state.db.begin().await?;
    let visibility = visibility(&txn, caller.principal()).await?;
    let ticket = tickets::get_visible(&txn, id, &visibility).await?;
    let statuses = dictionaries::list(&txn, DictionaryKind::TicketStatus, None, None).await?;
    Ok(Loaded { txn, ticket, statuses })
}

fn status_error(e: rules::StatusError) -> ApiError {
    Error::domain(&e).into()
}

/// Moves a ticket to another status within its open life (closing: `/close`). Stamps the
/// first response and resolution times.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = ChangeStatus,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`ticket_closed`, `use_close`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_version`", body = Problem, content_type = "application/problem+json")
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
    let loaded = load(&state, &auth, id.into_inner()).await?;
    references::dictionary(&loaded.txn, "status_id", DictionaryKind::TicketStatus, Some(body.status_id)).await?;
    let (from, to) = (loaded.class(loaded.ticket.status_id)?, loaded.class(body.status_id)?);
    rules::check_status_change(from, to).map_err(status_error)?;
    let stamps = rules::stamps_after(loaded.ticket.stamps(), from, to, now());
    let ticket = tickets::set_status(&loaded.txn, &loaded.ticket, if_match.0, body.status_id, stamps, now()).await?;
    let data = json!({"from": loaded.status_ref(loaded.ticket.status_id), "to": loaded.status_ref(body.status_id), "note": clean(body.into_inner().note)});
    loaded.finish(ticket, EventKind::StatusChanged, &auth, data).await
}

/// Assigns a ticket to a team queue and/or a person (coordinators).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = Assign,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_version`", body = Problem, content_type = "application/problem+json")
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
    let loaded = load(&state, &auth, id.into_inner()).await?;
    let team_id = body.team_id.unwrap_or(loaded.ticket.team_id);
    let assignee_id = body.assignee_id.unwrap_or(loaded.ticket.assignee_id);
    references::team(&loaded.txn, team_id).await?;
    references::assignee(&loaded.txn, assignee_id).await?;
    let ticket = tickets::set_assignment(&loaded.txn, &loaded.ticket, if_match.0, team_id, assignee_id, now()).await?;
    let data = json!({
        "team": {"before": loaded.ticket.team_id, "after": team_id},
        "assignee": {"before": loaded.ticket.assignee_id, "after": assignee_id},
        "note": clean(body.note),
    });
    loaded.finish(ticket, EventKind::Assigned, &auth, data).await
}

/// Takes an unassigned ticket from the queue of a team the caller belongs to.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`already_assigned`, `not_in_team`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/claim")]
pub async fn claim(auth: Authorized<can::TicketsWrite>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let user_id = auth.user_id()?;
    let loaded = load(&state, &auth, id.into_inner()).await?;
    if loaded.ticket.assignee_id.is_some() {
        return Err(ApiError::new(code::ALREADY_ASSIGNED, "someone already has this ticket; ask a coordinator or a hand-over"));
    }
    let in_team = match loaded.ticket.team_id {
        Some(team) => teams::of_user(&loaded.txn, user_id).await?.contains(&team),
        None => false,
    };
    if !in_team {
        return Err(ApiError::new(code::NOT_IN_TEAM, "only members of the ticket's team can claim it from the queue"));
    }
    let ticket = tickets::set_assignment(&loaded.txn, &loaded.ticket, None, loaded.ticket.team_id, Some(user_id), now()).await?;
    loaded.finish(ticket, EventKind::Claimed, &auth, json!({"assignee": user_id})).await
}

/// Hands a ticket over to a colleague with a note (its assignee, or a coordinator).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = Handover,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`not_assignee`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/tickets/{id}/handover")]
pub async fn handover(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<Handover>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let user_id = auth.user_id()?;
    let loaded = load(&state, &auth, id.into_inner()).await?;
    let coordinates = auth.principal().can(servdesk_domain::Permission::TicketsCoordinate);
    if loaded.ticket.assignee_id != Some(user_id) && !coordinates {
        return Err(ApiError::new(code::NOT_ASSIGNEE, "only the ticket's assignee (or a coordinator) can hand it over"));
    }
    references::assignee(&loaded.txn, Some(body.assignee_id)).await?;
    let ticket =
        tickets::set_assignment(&loaded.txn, &loaded.ticket, if_match.0, loaded.ticket.team_id, Some(body.assignee_id), now()).await?;
    let data = json!({"from": loaded.ticket.assignee_id, "to": body.assignee_id, "note": body.note.trim()});
    loaded.finish(ticket, EventKind::HandedOver, &auth, data).await
}

/// Closes a ticket at any time (coordinators): the default status of class `closed`. Open
/// tasks must be cancelled with it (`cancel_open_tasks: true`), else the close is refused
/// with 409 `open_tasks` listing them (one entry of `errors` per task).
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = CloseTicket,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let loaded = load(&state, &auth, id.into_inner()).await?;
    let from = loaded.class(loaded.ticket.status_id)?;
    if matches!(from, StatusClass::Closed | StatusClass::Cancelled) {
        return Err(status_error(rules::StatusError::Closed));
    }
    let open: Vec<_> = tasks::of_ticket(&loaded.txn, loaded.ticket.id).await?.into_iter().filter(|t| t.status.is_open()).collect();
    if !open.is_empty() {
        if !body.cancel_open_tasks {
            let errors = open
                .iter()
                .map(|t| FieldError::new("cancel_open_tasks", field::OPEN_TASK, format!("{} {} ({})", t.number, t.title, t.status)))
                .collect();
            let detail = format!("{} open task(s): cancel them with the ticket (cancel_open_tasks) or finish them", open.len());
            return Err(Error::new(code::OPEN_TASKS, detail).with_errors(errors).into());
        }
        servdesk_usecases::tasks::cancel_open(&loaded.txn, auth.principal(), &open, now()).await?;
    }
    let closed = dictionaries::default_of(&loaded.txn, DictionaryKind::TicketStatus, Some(StatusClass::Closed)).await?;
    let stamps = rules::stamps_after(loaded.ticket.stamps(), from, StatusClass::Closed, now());
    let ticket = tickets::set_status(&loaded.txn, &loaded.ticket, if_match.0, closed.id, stamps, now()).await?;
    let cancelled: Vec<_> = open.iter().map(|t| t.number.clone()).collect();
    let data = json!({"from": loaded.status_ref(loaded.ticket.status_id), "to": loaded.status_ref(closed.id), "note": clean(body.note), "cancelled_tasks": cancelled});
    loaded.finish(ticket, EventKind::Closed, &auth, data).await
}

/// Reopens a closed ticket within the reopen window (default 30 days): the default status
/// of class `open`.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = Note,
    responses(
        (status = 200, body = TicketOut, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
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
    let loaded = load(&state, &auth, id.into_inner()).await?;
    let from = loaded.class(loaded.ticket.status_id)?;
    rules::check_reopen(from, loaded.ticket.closed_at, state.policy.reopen_window, now()).map_err(status_error)?;
    let (ticket, open) = move_to_class(&loaded.txn, &loaded.ticket, from, StatusClass::Open, if_match.0, now()).await?;
    let data = json!({"from": loaded.status_ref(loaded.ticket.status_id), "to": loaded.status_ref(open.id), "note": clean(body.into_inner().note)});
    loaded.finish(ticket, EventKind::Reopened, &auth, data).await
}
