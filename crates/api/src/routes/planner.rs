//! The planner: planned tasks over a date range grouped by assignee with overlaps flagged,
//! the unplanned pile beside them, and each person's iCalendar feed (a URL with a revocable
//! token, because calendar apps cannot send an Authorization header).

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::calendar::{self, Event};
use servdesk_domain::directory::Location;
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_usecases::calendar_feed;
use servdesk_usecases::planner::BoardQuery;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, InPerson, can};
use crate::dto::TaskOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::{AppState, now};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlannerParams {
    /// Start of the range (inclusive).
    pub from: DateTime<Utc>,
    /// End of the range (exclusive); at most 92 days after `from`.
    pub to: DateTime<Utc>,
    pub assignee_id: Option<Uuid>,
    /// Tasks of this team's members.
    pub team_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct PlannedTask {
    #[serde(flatten)]
    pub task: TaskOut,
    /// Its window overlaps another task's of the same assignee.
    pub overlaps: bool,
}

#[derive(Serialize, ToSchema)]
pub struct AssigneeLane {
    /// `null`: planned but not yet given to anyone.
    pub assignee_id: Option<Uuid>,
    pub name: Option<String>,
    /// By planned start.
    pub tasks: Vec<PlannedTask>,
    /// How many of them overlap another.
    pub overlaps: usize,
}

#[derive(Serialize, ToSchema)]
pub struct Planner {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// One lane per assignee with planned tasks in the range, by name; unassigned last.
    pub assignees: Vec<AssigneeLane>,
    /// Open tasks without a planned start, oldest first.
    pub unplanned: Vec<TaskOut>,
    /// The range held more than the planner returns at once (2000 tasks): narrow it.
    pub truncated: bool,
}

/// Planned tasks in a date range grouped by assignee, overlaps flagged, and the unplanned
/// open tasks apart. Cancelled tasks are left out; done ones stay (the day as it went).
#[utoipa::path(
    tag = tags::PLANNER,
    params(PlannerParams),
    responses(
        (status = 200, body = Planner),
        (status = 400, description = "`invalid_range`: `to` not after `from`, or over 92 days", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/planner")]
pub async fn planner(
    _auth: Authorized<can::PlannerRead>,
    state: web::Data<AppState>,
    params: web::Query<PlannerParams>,
) -> ApiResult<web::Json<Planner>> {
    let p = params.into_inner();
    let query = BoardQuery { from: p.from, to: p.to, assignee_id: p.assignee_id, team_id: p.team_id, partner_id: p.partner_id };
    let board = servdesk_usecases::planner::board(&state.db, query).await?;
    let time = &board.time;
    let assignees = board
        .lanes
        .into_iter()
        .map(|lane| {
            let tasks: Vec<PlannedTask> = lane
                .tasks
                .into_iter()
                .map(|t| PlannedTask { overlaps: lane.overlapping.contains(&t.id), task: TaskOut::new(t, time) })
                .collect();
            AssigneeLane { assignee_id: lane.assignee_id, name: lane.name, overlaps: lane.overlapping.len(), tasks }
        })
        .collect();
    Ok(web::Json(Planner {
        from: p.from,
        to: p.to,
        assignees,
        unplanned: board.unplanned.into_iter().map(|t| TaskOut::new(t, time)).collect(),
        truncated: board.truncated,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct FeedToken {
    /// Shown once; only its hash is kept. Issuing a new one revokes the old.
    pub token: String,
    /// The feed's path with the token, to paste into a calendar app (prefix your host).
    #[schema(example = "/api/v1/users/01933b5e-0000-7000-8000-000000000030/calendar.ics?token=…")]
    pub url: String,
}

/// Issues the caller's calendar feed token (replacing any earlier one, which stops working).
#[utoipa::path(
    tag = tags::PLANNER,
    responses((status = 201, body = FeedToken)),
    security(("bearer" = []))
)]
#[post("/me/calendar-token")]
pub async fn issue_feed_token(person: InPerson<can::TasksRead>, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let user_id = person.user_id;
    let token = calendar_feed::issue(&state, user_id).await?;
    let url = format!("/api/v1/users/{user_id}/calendar.ics?token={token}");
    Ok(HttpResponse::Created().json(FeedToken { token, url }))
}

/// Revokes the caller's calendar feed token.
#[utoipa::path(
    tag = tags::PLANNER,
    responses((status = 204, description = "revoked")),
    security(("bearer" = []))
)]
#[delete("/me/calendar-token")]
pub async fn revoke_own_feed_token(person: InPerson<can::TasksRead>, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    calendar_feed::revoke(&state, person.user_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes someone's calendar feed token (admins: a lost phone, a leaked link).
#[utoipa::path(
    tag = tags::PLANNER,
    params(("id" = Uuid, Path, description = "The user")),
    responses((status = 204, description = "revoked"), NotFound),
    security(("bearer" = []))
)]
#[delete("/users/{id}/calendar-token")]
pub async fn revoke_feed_token(
    _auth: Authorized<can::UsersManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    calendar_feed::revoke(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// The feed token issued by `POST /users/{id}/calendar-token`.
    pub token: String,
}

/// The person's planned tasks as an iCalendar feed (RFC 5545), from 30 days back to a year
/// ahead. Authenticated by the token in the URL; a wrong or revoked token, or a deactivated
/// account, answers 401.
#[utoipa::path(
    tag = tags::PLANNER,
    params(("id" = Uuid, Path, description = "The user"), FeedParams),
    responses(
        (status = 200, content_type = "text/calendar", body = String),
        (status = 401, description = "`invalid_feed_token`", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/users/{id}/calendar.ics")]
pub async fn feed(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<FeedParams>,
) -> ApiResult<HttpResponse> {
    let now = now();
    let feed = calendar_feed::open(&state, id.into_inner(), &params.token, now).await?;
    let user = feed.owner;
    let events: Vec<Event> = feed.tasks.into_iter().filter_map(|(task, site)| event(task, site)).collect();
    let host = req.connection_info().host().split(':').next().unwrap_or("servdesk").to_owned();
    let body = calendar::feed(&format!("Servdesk: {}", user.name), &host, &events, now);
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .insert_header(("Content-Disposition", "inline; filename=\"servdesk.ics\""))
        .body(body))
}

fn event(t: Task, site: Option<Location>) -> Option<Event> {
    Some(Event {
        task_id: t.id,
        sequence: t.version,
        start: t.planned_start?,
        end: t.planned_end,
        summary: format!("{} {}", t.number, t.title),
        description: t.description,
        location: site.as_ref().map(Location::one_line_address),
        cancelled: t.status == TaskStatus::Cancelled,
        updated_at: t.updated_at,
    })
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(planner).service(issue_feed_token).service(revoke_own_feed_token).service(revoke_feed_token).service(feed);
}
