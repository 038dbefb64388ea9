//! The time handlers: parse, call the use case or store, answer.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use servdesk_domain::Permission;
use servdesk_domain::errors::code;
use servdesk_persistence::time::{self as store, EntryFilter};
use servdesk_usecases::time::{self};
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::dto::TotalsOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};

/// The caller's running stopwatch.
#[utoipa::path(
    tag = tags::TIME,
    responses((status = 200, body = TimerView)),
    security(("bearer" = []))
)]
#[get("/timer")]
pub async fn running_timer(auth: Authorized<can::TimeTrack>, state: web::Data<AppState>) -> ApiResult<web::Json<TimerView>> {
    let user = time::own_user(auth.principal())?;
    let timer = store::running(&state.db, user).await?.map(|t| TimerOut::new(t, now(), state.policy.timer_max));
    Ok(web::Json(TimerView { timer, stopped: None }))
}

/// Starts the caller's stopwatch on a ticket or task. One runs at a time: with one running
/// this answers 409 `timer_running`, unless `switch: true`, which stops it (writing its entry)
/// and starts the new one in the same transaction.
#[utoipa::path(
    tag = tags::TIME,
    request_body = StartTimer,
    responses(
        (status = 201, body = TimerView),
        (status = 409, description = "`timer_running`, `ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`ticket_id`/`task_id` unknown or not visible, `started_at` in the future", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/timer/start")]
pub async fn start_timer(
    auth: Authorized<can::TimeTrack>,
    state: web::Data<AppState>,
    body: web::Json<StartTimer>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let start = time::StartTimer {
        ticket_id: body.ticket_id,
        task_id: body.task_id,
        started_at: body.started_at,
        note: body.note,
        switch: body.switch,
    };
    let (timer, stopped) = time::start_timer(&state, auth.principal(), start).await?;
    let view = TimerView { timer: Some(TimerOut::new(timer, now(), state.policy.timer_max)), stopped: stopped.map(TimeEntryOut::from) };
    Ok(HttpResponse::Created().json(view))
}

/// Stops the caller's stopwatch and writes its time entry (one entry however long it ran,
/// flagged `needs_review` past the configured maximum).
#[utoipa::path(
    tag = tags::TIME,
    request_body(content = StopTimer, description = "Optional: a closing note, a later-known end"),
    responses(
        (status = 201, body = TimeEntryOut, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "`no_timer`: none runs", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/timer/stop")]
pub async fn stop_timer(
    auth: Authorized<can::TimeTrack>,
    state: web::Data<AppState>,
    body: Option<web::Json<StopTimer>>,
) -> ApiResult<HttpResponse> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    body.validate()?;
    let entry = time::stop_timer(&state, auth.principal(), body.ended_at, body.note).await?;
    Ok(created(format!("/api/v1/time-entries/{}", entry.id), entry.version, &TimeEntryOut::from(entry)))
}

/// Logs time by hand: `started_at` + `ended_at`, or `work_date` + `minutes`. Coordinators may
/// log for others (`user_id`) and on closed tickets.
#[utoipa::path(
    tag = tags::TIME,
    request_body = CreateEntry,
    responses(
        (status = 201, body = TimeEntryOut, headers(("Location" = String), ("ETag" = String))),
        (status = 403, description = "`forbidden`: another user's time", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`ticket_closed`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`incomplete_span`, `before_start`, `too_long`, `in_the_future`, `out_of_range`, unknown references", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/time-entries")]
pub async fn create_entry(
    auth: Authorized<can::TimeTrack>,
    state: web::Data<AppState>,
    body: web::Json<CreateEntry>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let log = time::LogTime {
        ticket_id: body.ticket_id,
        task_id: body.task_id,
        user_id: body.user_id,
        started_at: body.started_at,
        ended_at: body.ended_at,
        work_date: body.work_date,
        minutes: body.minutes,
        note: body.note,
        billable: body.billable,
    };
    let entry = time::log(&state, auth.principal(), log).await?;
    Ok(created(format!("/api/v1/time-entries/{}", entry.id), entry.version, &TimeEntryOut::from(entry)))
}

/// One time entry.
#[utoipa::path(
    tag = tags::TIME,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TimeEntryOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/time-entries/{id}")]
pub async fn get_entry(auth: Authorized<can::TimeRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let entry = time::visible_entry(&state.db, auth.principal(), id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), entry.version, &TimeEntryOut::from(entry)))
}

/// Corrects an entry (span, note, billable); the cost is recomputed at the entry's own rate.
/// A corrected span clears the review flag.
#[utoipa::path(
    tag = tags::TIME,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateEntry,
    responses(
        (status = 200, body = TimeEntryOut, headers(("ETag" = String))),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        NotFound,
        (status = 409, description = "`ticket_closed`", body = Problem, content_type = "application/problem+json"),
        StaleVersion,
        (status = 422, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[patch("/time-entries/{id}")]
pub async fn update_entry(
    auth: Authorized<can::TimeTrack>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateEntry>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let change = time::ChangeTime {
        started_at: body.started_at,
        ended_at: body.ended_at,
        work_date: body.work_date,
        minutes: body.minutes,
        note: body.note,
        billable: body.billable,
    };
    let changed = time::change(&state, auth.principal(), id.into_inner(), if_match.0, change).await?;
    Ok(versioned(HttpResponse::Ok(), changed.version, &TimeEntryOut::from(changed)))
}

/// Deletes an entry (own while the ticket is open; coordinators any).
#[utoipa::path(
    tag = tags::TIME,
    params(("id" = Uuid, Path), IfMatch),
    responses(
        (status = 204, description = "deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        NotFound,
        (status = 409, description = "`ticket_closed`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []))
)]
#[delete("/time-entries/{id}")]
pub async fn delete_entry(
    auth: Authorized<can::TimeTrack>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    time::remove(&state, auth.principal(), id.into_inner(), if_match.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Time entries, filtered, with the totals of all that match (minutes, cost, billable part):
/// the basis of "effective time per customer". Without the right to read all time, a caller
/// sees their own entries only.
#[utoipa::path(
    tag = tags::TIME,
    params(PageParams, EntryFilterParams),
    responses((status = 200, body = EntryPage), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/time-entries")]
pub async fn list_entries(
    auth: Authorized<can::TimeRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<EntryFilterParams>,
) -> ApiResult<web::Json<EntryPage>> {
    let f = filter.into_inner();
    if let (Some(from), Some(to)) = (f.from, f.to)
        && to < from
    {
        return Err(ApiError::new(code::INVALID_RANGE, "`to` is before `from`"));
    }
    let mut filter = EntryFilter {
        user_id: f.user_id,
        customer_id: f.customer_id,
        ticket_id: f.ticket_id,
        task_id: f.task_id,
        from: f.from,
        to: f.to,
        billable: f.billable,
        needs_review: f.needs_review,
    };
    let principal = auth.principal();
    if !principal.can(Permission::TimeReadAll) {
        let me = time::own_user(principal)?;
        if filter.user_id.is_some_and(|u| u != me) {
            return Ok(web::Json(EntryPage { items: Vec::new(), next_cursor: None, totals: TotalsOut::default() }));
        }
        filter.user_id = Some(me);
    }
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    let totals = store::totals(&state.db, &filter).await?;
    let paged = Paged::from_page(page, TimeEntryOut::from);
    Ok(web::Json(EntryPage { items: paged.items, next_cursor: paged.next_cursor, totals: totals.into() }))
}
