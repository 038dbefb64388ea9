//! Month-end billing runs: started as a job, watched while they compute, recomputed while a
//! draft, finalized once.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::billing::periods::Month;
use servdesk_domain::billing::runs::{BillingRun, RunStatus};
use servdesk_domain::errors::field;
use servdesk_persistence::billing::runs::{self as store, RunFilter};
use servdesk_usecases::billing::runs as usecase;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(start).service(get_one).service(recompute).service(finalize);
}

#[derive(Serialize, ToSchema)]
pub struct BillingRunOut {
    pub id: Uuid,
    /// The month billed, `2027-01`.
    pub period: String,
    /// A run for one customer; `null`: all customers.
    pub customer_id: Option<Uuid>,
    #[schema(schema_with = wire::run_status)]
    pub status: RunStatus,
    pub currency: String,
    /// Progress while it computes: customers done of those with something to bill.
    pub customers_done: i64,
    pub customers_total: i64,
    pub statements_count: i64,
    /// Why it failed (status `failed`).
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub computed_at: Option<DateTime<Utc>>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub finalized_by: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<BillingRun> for BillingRunOut {
    fn from(r: BillingRun) -> Self {
        Self {
            id: r.id,
            period: r.month.to_string(),
            customer_id: r.customer_id,
            status: r.status,
            currency: r.currency,
            customers_done: r.customers_done,
            customers_total: r.customers_total,
            statements_count: r.statements_count,
            error: r.error,
            requested_by: r.requested_by,
            computed_at: r.computed_at,
            finalized_at: r.finalized_at,
            finalized_by: r.finalized_by,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"period": "2027-01"}))]
pub struct StartBillingRun {
    /// The month to bill, `2027-01`.
    #[schema(pattern = r"^\d{4}-(0[1-9]|1[0-2])$", min_length = 7, max_length = 7)]
    pub period: String,
    /// Bill only this customer.
    pub customer_id: Option<Uuid>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunFilterParams {
    /// The month, `2027-01`.
    pub period: Option<String>,
    #[param(schema_with = wire::run_status)]
    pub status: Option<RunStatus>,
}

fn month(text: &str) -> ApiResult<Month> {
    Month::parse(text.trim()).ok_or_else(|| ApiError::invalid_field("period", field::PERIOD, "a billing run bills a month: 2027-01"))
}

/// Lists billing runs.
#[utoipa::path(
    operation_id = "list_billing_runs",
    tag = tags::BILLING,
    params(PageParams, RunFilterParams),
    responses(
        (status = 200, body = Paged<BillingRunOut>),
        (status = 422, description = "`validation_failed`: `period` is not a month (`errors[].code` = `period`)", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/billing-runs")]
pub async fn list(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<RunFilterParams>,
) -> ApiResult<web::Json<Paged<BillingRunOut>>> {
    let month = filter.period.as_deref().map(month).transpose()?;
    let page = store::list(&state.db, &RunFilter { month, status: filter.status }, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, BillingRunOut::from)))
}

/// Starts a month-end billing run (all customers, or one). It computes in the background:
/// the answer is `202` with the run `queued`; poll it for `customers_done`/`customers_total`
/// until it is a `draft`. What it bills: flat fees due in the month (prepaid: the coming
/// period; in arrears: the elapsed one), unbilled work up to the month's end (earlier months'
/// entries are marked `late`), materials, warranty work at zero.
#[utoipa::path(
    operation_id = "start_billing_run",
    tag = tags::BILLING,
    request_body = StartBillingRun,
    responses((status = 202, body = BillingRunOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/billing-runs")]
pub async fn start(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    body: web::Json<StartBillingRun>,
) -> ApiResult<HttpResponse> {
    let month = month(&body.period)?;
    let run = usecase::start(&state.desk, auth.principal(), month, body.customer_id).await?;
    let mut builder = HttpResponse::Accepted();
    builder.insert_header(("Location", format!("/api/v1/billing-runs/{}", run.id)));
    Ok(versioned(builder, run.version, &BillingRunOut::from(run)))
}

/// One run, with its progress.
#[utoipa::path(
    operation_id = "get_billing_run",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BillingRunOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/billing-runs/{id}")]
pub async fn get_one(_auth: Authorized<can::BillingRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let run = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), run.version, &BillingRunOut::from(run)))
}

/// Computes a draft (or failed) run again, replacing its statements — after corrections,
/// new rates or late entries. The same sources give the same statements.
#[utoipa::path(
    operation_id = "recompute_billing_run",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    responses(
        (status = 202, body = BillingRunOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`run_not_draft`: the run is computing or finalized", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/billing-runs/{id}/recompute")]
pub async fn recompute(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let run = usecase::recompute(&state.desk, id.into_inner(), if_match.0).await?;
    Ok(versioned(HttpResponse::Accepted(), run.version, &BillingRunOut::from(run)))
}

/// Finalizes a draft: its statements get their numbers and become immutable, and what they
/// bill is marked billed (a billed time entry can no longer be changed: 409 `already_billed`).
/// Two finalizations at once: one wins, the other is 409.
#[utoipa::path(
    operation_id = "finalize_billing_run",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    responses(
        (status = 200, body = BillingRunOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`run_not_draft`: computing or finalized already; `already_billed`: another run billed some of its sources meanwhile; `draft_outdated`: a billed entry changed since it was computed (recompute)", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/billing-runs/{id}/finalize")]
pub async fn finalize(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let run = usecase::finalize(&state.desk, auth.principal(), id.into_inner(), if_match.0).await?;
    Ok(versioned(HttpResponse::Ok(), run.version, &BillingRunOut::from(run)))
}
