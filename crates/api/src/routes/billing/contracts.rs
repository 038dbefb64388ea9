//! Contracts: a customer's flat-fee services, included hours and the work they cover, their
//! status history, and what they charge for any period (the prepayment).

use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::billing::contracts::{ContractStatus, ServiceKind, StatusChange};
use servdesk_domain::billing::fees::Timing;
use servdesk_domain::billing::periods::Cycle;
use servdesk_persistence::billing::contracts::{self as store, ContractFilter};
use servdesk_usecases::billing::contracts::{self as usecase, ContractChanges, NewContract, Prepayment, ServiceTerms};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::periods::PeriodParams;
use crate::conventions::validation::{self, clean, clean_patch};
use crate::dto::billing::ContractOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

/// The longest span a prepayment is computed for.
const MAX_PREPAYMENT_DAYS: i64 = 3 * 366;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get_one).service(update).service(change_status).service(history).service(prepayment);
}

/// (`Serialize` only because the validator's nested rules want it.)
#[derive(Serialize, Deserialize, ToSchema, Validate)]
pub struct ServiceIn {
    #[schema(schema_with = wire::service_kind)]
    pub kind: ServiceKind,
    #[validate(custom(function = "validation::not_blank"), length(max = 500))]
    #[schema(max_length = 500, min_length = 1, pattern = r"\S")]
    pub description: String,
    /// Per billing period, in minor units.
    #[validate(range(min = 0, max = 1_000_000_000_000i64))]
    #[schema(minimum = 0, maximum = 1_000_000_000_000i64)]
    pub fee_minor: i64,
}

impl From<ServiceIn> for ServiceTerms {
    fn from(s: ServiceIn) -> Self {
        Self { kind: s.kind, description: s.description.trim().to_owned(), fee_minor: s.fee_minor }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "customer_id": "01933b5e-0000-7000-8000-000000000001",
    "name": "Printer fleet maintenance",
    "starts_on": "2027-03-17",
    "cycle": "quarterly",
    "timing": "in_advance",
    "currency": "EUR",
    "included_minutes": 600,
    "hourly_rate_minor": 4500,
    "services": [{"kind": "maintenance", "description": "Quarterly maintenance", "fee_minor": 45000}]
}))]
pub struct CreateContract {
    pub customer_id: Uuid,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    /// `draft` or `active` (the default).
    #[schema(schema_with = wire::contract_status_or_null)]
    pub status: Option<ContractStatus>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    #[schema(schema_with = wire::cycle)]
    pub cycle: Cycle,
    #[schema(schema_with = wire::timing)]
    pub timing: Timing,
    /// ISO 4217; the installation's currency when absent.
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    #[serde(default)]
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub included_minutes: i64,
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub hourly_rate_minor: Option<i64>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub location_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub category_ids: Vec<Uuid>,
    #[serde(default)]
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    pub services: Vec<ServiceIn>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"included_minutes": 900, "ends_on": "2028-12-31"}))]
pub struct UpdateContract {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub starts_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    pub ends_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(schema_with = wire::cycle)]
    pub cycle: Option<Cycle>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(schema_with = wire::timing)]
    pub timing: Option<Timing>,
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub currency: Option<String>,
    #[validate(range(min = 0, max = 1_000_000))]
    #[schema(minimum = 0, maximum = 1_000_000)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub included_minutes: Option<i64>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub hourly_rate_minor: Option<Option<i64>>,
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub location_ids: Option<Vec<Uuid>>,
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub category_ids: Option<Vec<Uuid>>,
    /// The whole list of services (replaces the current one).
    #[validate(length(max = 50), nested)]
    #[schema(max_items = 50)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub services: Option<Vec<ServiceIn>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "suspended", "effective_on": "2027-06-01", "note": "Customer asked to pause over summer"}))]
pub struct ChangeContractStatus {
    #[schema(schema_with = wire::contract_status)]
    pub status: ContractStatus,
    /// The day the change takes effect (today by default). Ending a contract without an end
    /// date ends it on this day.
    pub effective_on: Option<NaiveDate>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct StatusChangeOut {
    #[schema(schema_with = wire::contract_status_or_null)]
    pub from: Option<ContractStatus>,
    #[schema(schema_with = wire::contract_status)]
    pub to: ContractStatus,
    pub effective_on: NaiveDate,
    pub note: Option<String>,
    pub changed_by: Option<Uuid>,
    pub changed_at: DateTime<Utc>,
}

impl From<StatusChange> for StatusChangeOut {
    fn from(c: StatusChange) -> Self {
        Self { from: c.from, to: c.to, effective_on: c.on, note: c.note, changed_by: c.changed_by, changed_at: c.changed_at }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContractFilterParams {
    pub customer_id: Option<Uuid>,
    #[param(schema_with = wire::contract_status)]
    pub status: Option<ContractStatus>,
    /// Name or number contains it.
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DayAmountOut {
    pub date: NaiveDate,
    pub amount_minor: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MonthChargeOut {
    pub service_id: Uuid,
    #[schema(schema_with = wire::service_kind)]
    pub kind: ServiceKind,
    pub description: String,
    /// `2027-03`.
    pub month: String,
    /// The days of the month charged (inside both the contract and the asked span).
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    pub days_in_month: i64,
    /// The month's full share of its billing period's fee.
    pub share_minor: i64,
    /// `share × days / days_in_month`, rounded half up.
    pub amount_minor: i64,
    /// The amount day by day (they add up to `amount_minor`).
    pub per_day: Vec<DayAmountOut>,
}

#[derive(Serialize, ToSchema)]
pub struct PrepaymentOut {
    pub contract_id: Uuid,
    pub currency: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub total_minor: i64,
    pub months: Vec<MonthChargeOut>,
}

impl From<Prepayment> for PrepaymentOut {
    fn from(p: Prepayment) -> Self {
        let months = p
            .charges
            .into_iter()
            .map(|c| MonthChargeOut {
                per_day: c.charge.per_day().into_iter().map(|(date, amount_minor)| DayAmountOut { date, amount_minor }).collect(),
                service_id: c.service.id,
                kind: c.service.kind,
                description: c.service.description,
                month: c.charge.month.to_string(),
                from: c.charge.days.first,
                to: c.charge.days.last,
                days: c.charge.days.count(),
                days_in_month: c.charge.month.day_count(),
                share_minor: c.charge.share,
                amount_minor: c.charge.amount,
            })
            .collect();
        Self {
            contract_id: p.contract.id,
            currency: p.contract.currency,
            from: p.span.first,
            to: p.span.last,
            total_minor: p.total_minor,
            months,
        }
    }
}

/// Lists contracts, most recently created last.
#[utoipa::path(
    operation_id = "list_contracts",
    tag = tags::BILLING,
    params(PageParams, ContractFilterParams),
    responses((status = 200, body = Paged<ContractOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contracts")]
pub async fn list(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<ContractFilterParams>,
) -> ApiResult<web::Json<Paged<ContractOut>>> {
    let filter = ContractFilter { customer_id: filter.customer_id, status: filter.status, q: filter.q.clone() };
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ContractOut::from)))
}

/// Enters a contract. Its terms are checked against the customer's other contracts: two
/// active contracts may not cover the same work on the same days (422 `overlaps` on
/// `starts_on`).
#[utoipa::path(
    operation_id = "create_contract",
    tag = tags::BILLING,
    request_body = CreateContract,
    responses((status = 201, body = ContractOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/contracts")]
pub async fn create(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateContract>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let new = NewContract {
        customer_id: body.customer_id,
        name: body.name.trim().to_owned(),
        status: body.status,
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        cycle: body.cycle,
        timing: body.timing,
        currency: body.currency,
        included_minutes: body.included_minutes,
        hourly_rate_minor: body.hourly_rate_minor,
        location_ids: body.location_ids,
        category_ids: body.category_ids,
        services: body.services.into_iter().map(ServiceTerms::from).collect(),
        notes: clean(body.notes),
    };
    let contract = usecase::create(&state.desk, auth.principal(), new).await?;
    Ok(created(format!("/api/v1/contracts/{}", contract.id), contract.version, &ContractOut::from(contract)))
}

/// One contract.
#[utoipa::path(
    operation_id = "get_contract",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ContractOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contracts/{id}")]
pub async fn get_one(_auth: Authorized<can::BillingRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let contract = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), contract.version, &ContractOut::from(contract)))
}

/// Changes a contract's terms. Statements already finalized keep what they billed; the new
/// terms apply to what is billed from now on.
#[utoipa::path(
    operation_id = "update_contract",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateContract,
    responses((status = 200, body = ContractOut, headers(("ETag" = String))), NotFound, StaleVersion),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/contracts/{id}")]
pub async fn update(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateContract>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let changes = ContractChanges {
        name: body.name.map(|n| n.trim().to_owned()),
        starts_on: body.starts_on,
        ends_on: body.ends_on,
        cycle: body.cycle,
        timing: body.timing,
        currency: body.currency,
        included_minutes: body.included_minutes,
        hourly_rate_minor: body.hourly_rate_minor,
        location_ids: body.location_ids,
        category_ids: body.category_ids,
        services: body.services.map(|s| s.into_iter().map(ServiceTerms::from).collect()),
        notes: clean_patch(body.notes),
    };
    let contract = usecase::change(&state.desk, id.into_inner(), if_match.0, changes).await?;
    Ok(versioned(HttpResponse::Ok(), contract.version, &ContractOut::from(contract)))
}

/// Moves a contract through its life: draft → active ⇄ suspended → ended. Each change is kept
/// in its history with the day it takes effect.
#[utoipa::path(
    operation_id = "change_contract_status",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    request_body = ChangeContractStatus,
    responses(
        (status = 200, body = ContractOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`invalid_transition`: the contract cannot move from its status to that one", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/contracts/{id}/status")]
pub async fn change_status(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ChangeContractStatus>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let contract = usecase::change_status(
        &state.desk,
        auth.principal(),
        id.into_inner(),
        if_match.0,
        body.status,
        body.effective_on,
        clean(body.note),
    )
    .await?;
    Ok(versioned(HttpResponse::Ok(), contract.version, &ContractOut::from(contract)))
}

/// The contract's status changes, oldest first (the first is its creation).
#[utoipa::path(
    operation_id = "contract_history",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<StatusChangeOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contracts/{id}/history")]
pub async fn history(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<StatusChangeOut>>> {
    let changes = usecase::history(&state.desk, id.into_inner()).await?;
    Ok(web::Json(changes.into_iter().map(StatusChangeOut::from).collect()))
}

/// What the contract's flat fees charge for a period, per service and calendar month, each
/// month split per day. Periods are calendar-aligned; a month the contract runs only partly
/// is prorated by days (a contract starting on 17 March charges 15/31 of March's share).
/// At most three years at once.
#[utoipa::path(
    operation_id = "contract_prepayment",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), PeriodParams),
    responses(
        (status = 200, body = PrepaymentOut),
        NotFound,
        (status = 400, description = "`invalid_query`: neither `period` nor `from` and `to`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `period` is not a period (`errors[].code` = `period`), `to` is before `from` (`before_start`), the span is longer than three years (`too_long`) or outside 1900–9999 (`range`)", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contracts/{id}/prepayment")]
pub async fn prepayment(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<PeriodParams>,
) -> ApiResult<web::Json<PrepaymentOut>> {
    let span = params.span(MAX_PREPAYMENT_DAYS)?;
    let prepayment = usecase::prepayment(&state.desk, id.into_inner(), span).await?;
    Ok(web::Json(PrepaymentOut::from(prepayment)))
}
