//! Liveness, readiness and metrics.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use servdesk_domain::errors::code;
use servdesk_persistence::{db, jobs};
use servdesk_usecases::Error;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::openapi::tags;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct Status {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// The process is up (liveness).
#[utoipa::path(tag = tags::OPERATIONS, responses((status = 200, body = Status)))]
#[get("/health")]
pub async fn health() -> web::Json<Status> {
    web::Json(Status { status: "ok" })
}

/// The database answers (readiness); 503 otherwise.
#[utoipa::path(
    tag = tags::OPERATIONS,
    responses(
        (status = 200, body = Status),
        (status = 503, description = "`database_unavailable`: the database did not answer within the acquire timeout; retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json", headers(("Retry-After" = u64)))
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> ApiResult<web::Json<Status>> {
    match db::ping(&state.db).await {
        Ok(()) => Ok(web::Json(Status { status: "ready" })),
        // Whatever the failure, not ready: 503 with Retry-After, never a 500.
        Err(e) => Err(ApiError(Error::unavailable(code::DATABASE_UNAVAILABLE, "the database does not answer", e))),
    }
}

/// Prometheus metrics: request counts and latencies by route and status, job queue depth.
#[utoipa::path(tag = tags::OPERATIONS, responses((status = 200, description = "Prometheus text format", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let counts = jobs::counts_by_status(&state.db).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(state.metrics.render(&counts)))
}
