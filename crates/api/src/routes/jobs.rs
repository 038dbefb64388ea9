//! The background job queue, for admins: what is waiting, what failed and why, and a retry
//! for dead jobs.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::jobs::JobStatus;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::jobs::{self, Job, JobFilter};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::error::{ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::{AppState, now};
use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    pub id: Uuid,
    pub kind: String,
    /// Free-form: each job kind defines its own payload.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    #[schema(schema_with = wire::job_status)]
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<Job> for JobOut {
    fn from(j: Job) -> Self {
        Self {
            payload: j.payload,
            status: j.status,
            id: j.id,
            kind: j.kind,
            run_at: j.run_at,
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error,
            locked_until: j.locked_until,
            locked_by: j.locked_by,
            created_at: j.created_at,
            updated_at: j.updated_at,
            finished_at: j.finished_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobFilterParams {
    #[param(schema_with = wire::job_status)]
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
}

/// Lists jobs (admins), filtered by status and kind.
#[utoipa::path(
    operation_id = "list_jobs",tag = tags::JOBS, params(PageParams, JobFilterParams), responses((status = 200, body = Paged<JobOut>)), security(("bearer" = [])))]
#[get("/jobs")]
pub async fn list(
    _auth: Authorized<can::JobsManage>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<JobFilterParams>,
) -> ApiResult<web::Json<Paged<JobOut>>> {
    let filter = JobFilter { status: filter.status, kind: filter.kind.clone() };
    let page = jobs::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, JobOut::from)))
}

/// One job (admins).
#[utoipa::path(
    operation_id = "get_job",
    tag = tags::JOBS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = JobOut), NotFound),
    security(("bearer" = []))
)]
#[get("/jobs/{id}")]
pub async fn get(_auth: Authorized<can::JobsManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<JobOut>> {
    Ok(web::Json(jobs::get(&state.db, id.into_inner()).await?.into()))
}

/// Queues a dead job again with a fresh set of attempts (admins); 409 `job_not_dead` otherwise.
#[utoipa::path(
    tag = tags::JOBS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = JobOut),
        NotFound,
        (status = 409, description = "`job_not_dead`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/jobs/{id}/retry")]
pub async fn retry(_auth: Authorized<can::JobsManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<JobOut>> {
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let job = jobs::retry(&txn, id.into_inner(), now()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(web::Json(job.into()))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get).service(retry);
}
