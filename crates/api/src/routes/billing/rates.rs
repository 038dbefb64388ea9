//! Billing rates: what the customer pays per hour of work, set for the installation, a role,
//! a user, a task category or a customer, each from a date on.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::Role;
use servdesk_domain::billing::contracts::check_currency;
use servdesk_domain::billing::rates::{BillingRate, RateScope, check_rate};
use servdesk_domain::errors::field;
use servdesk_persistence::billing::rates::{self as store, RateFilter, Subject};
use servdesk_persistence::directory::customers;
use servdesk_persistence::users;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::referenced;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::{AppState, now};
use crate::wire;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get_one).service(update).service(remove);
}

#[derive(Serialize, ToSchema)]
pub struct BillingRateOut {
    pub id: Uuid,
    #[schema(schema_with = wire::rate_scope)]
    pub scope: RateScope,
    /// For `scope = role`.
    #[schema(schema_with = wire::role_or_null)]
    pub role: Option<Role>,
    /// For `scope = user`.
    pub user_id: Option<Uuid>,
    /// For `scope = category`: a task category (a ticket category where the work has no task).
    pub category_id: Option<Uuid>,
    /// For `scope = customer`.
    pub customer_id: Option<Uuid>,
    /// Per hour, in minor units.
    pub rate_minor: i64,
    pub currency: String,
    /// The rate applies to work done on this day and later (until a later rate of the scope).
    pub valid_from: NaiveDate,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<BillingRate> for BillingRateOut {
    fn from(r: BillingRate) -> Self {
        Self {
            id: r.id,
            scope: r.scope,
            role: r.role,
            user_id: r.user_id,
            category_id: r.category_id,
            customer_id: r.customer_id,
            rate_minor: r.rate_minor,
            currency: r.currency,
            valid_from: r.valid_from,
            version: r.version,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"scope": "role", "role": "technician", "rate_minor": 6500, "currency": "EUR", "valid_from": "2027-01-01"}))]
pub struct CreateBillingRate {
    #[schema(schema_with = wire::rate_scope)]
    pub scope: RateScope,
    /// Required for `scope = role`.
    #[schema(schema_with = wire::role_or_null)]
    pub role: Option<Role>,
    /// Required for `scope = user`.
    pub user_id: Option<Uuid>,
    /// Required for `scope = category`.
    pub category_id: Option<Uuid>,
    /// Required for `scope = customer`.
    pub customer_id: Option<Uuid>,
    /// Per hour, in minor units; zero or more.
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub rate_minor: i64,
    /// ISO 4217; the installation's currency when absent.
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// From this day on (today by default).
    pub valid_from: Option<NaiveDate>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"rate_minor": 7000}))]
pub struct UpdateBillingRate {
    #[validate(range(min = 0, max = 100_000_000_000i64))]
    #[schema(minimum = 0, maximum = 100_000_000_000i64)]
    pub rate_minor: Option<i64>,
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    pub valid_from: Option<NaiveDate>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RateFilterParams {
    #[param(schema_with = wire::rate_scope)]
    pub scope: Option<RateScope>,
    pub customer_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
}

/// The scope's subject: exactly the field the scope needs, and it must exist.
async fn subject(state: &AppState, body: &CreateBillingRate) -> ApiResult<Subject> {
    let given = [
        ("role", body.role.is_some()),
        ("user_id", body.user_id.is_some()),
        ("category_id", body.category_id.is_some()),
        ("customer_id", body.customer_id.is_some()),
    ];
    let needed = match body.scope {
        RateScope::Installation => None,
        RateScope::Role => Some("role"),
        RateScope::User => Some("user_id"),
        RateScope::Category => Some("category_id"),
        RateScope::Customer => Some("customer_id"),
    };
    if let Some((extra, _)) = given.iter().find(|(name, set)| *set && Some(*name) != needed) {
        return Err(ApiError::invalid_field(extra, field::NOT_FOR_THIS_KIND, format!("does not apply to a rate of scope {}", body.scope)));
    }
    let db = &state.db;
    Ok(match body.scope {
        RateScope::Installation => Subject::Installation,
        RateScope::Role => {
            Subject::Role(body.role.ok_or_else(|| ApiError::invalid_field("role", field::REQUIRED, "a role rate names the role"))?)
        }
        RateScope::User => {
            let id = body.user_id.ok_or_else(|| ApiError::invalid_field("user_id", field::REQUIRED, "a user rate names the user"))?;
            referenced("user_id", users::get(db, id).await)?;
            Subject::User(id)
        }
        RateScope::Category => {
            let id = body
                .category_id
                .ok_or_else(|| ApiError::invalid_field("category_id", field::REQUIRED, "a category rate names the category"))?;
            servdesk_usecases::references::work_category(db, "category_id", id).await?;
            Subject::Category(id)
        }
        RateScope::Customer => {
            let id = body
                .customer_id
                .ok_or_else(|| ApiError::invalid_field("customer_id", field::REQUIRED, "a customer rate names the customer"))?;
            referenced("customer_id", customers::get(db, id).await)?;
            Subject::Customer(id)
        }
    })
}

fn check_amounts(rate_minor: Option<i64>, currency: Option<&str>) -> ApiResult<()> {
    if let Some(rate) = rate_minor {
        check_rate(rate).map_err(|e| ApiError::invalid_field("rate_minor", field::RANGE, e.to_string()))?;
    }
    if let Some(currency) = currency {
        check_currency(currency).map_err(|e| ApiError::invalid_field("currency", field::CURRENCY, e.to_string()))?;
    }
    Ok(())
}

/// Lists billing rates.
#[utoipa::path(
    operation_id = "list_billing_rates",
    tag = tags::BILLING,
    params(PageParams, RateFilterParams),
    responses((status = 200, body = Paged<BillingRateOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/billing-rates")]
pub async fn list(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<RateFilterParams>,
) -> ApiResult<web::Json<Paged<BillingRateOut>>> {
    let filter =
        RateFilter { scope: filter.scope, customer_id: filter.customer_id, user_id: filter.user_id, category_id: filter.category_id };
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, BillingRateOut::from)))
}

/// Sets a rate for a scope from a date on. A later rate of the same scope takes over on its
/// own date; the rate that applied is frozen on every billed line.
#[utoipa::path(
    operation_id = "create_billing_rate",
    tag = tags::BILLING,
    request_body = CreateBillingRate,
    responses(
        (status = 201, body = BillingRateOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`rate_exists`: the scope has a rate starting on that day; change it", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/billing-rates")]
pub async fn create(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateBillingRate>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    check_amounts(Some(body.rate_minor), body.currency.as_deref())?;
    let subject = subject(&state, &body).await?;
    let now = now();
    let currency = body.currency.clone().unwrap_or_else(|| state.desk.config.currency.clone());
    let rate = store::create(&state.db, subject, body.rate_minor, &currency, body.valid_from.unwrap_or(now.date_naive()), now).await?;
    Ok(created(format!("/api/v1/billing-rates/{}", rate.id), rate.version, &BillingRateOut::from(rate)))
}

/// One rate.
#[utoipa::path(
    operation_id = "get_billing_rate",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = BillingRateOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/billing-rates/{id}")]
pub async fn get_one(_auth: Authorized<can::BillingRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let rate = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), rate.version, &BillingRateOut::from(rate)))
}

/// Changes a rate's amount, currency or start. Lines billed before keep the rate they froze.
#[utoipa::path(
    operation_id = "update_billing_rate",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateBillingRate,
    responses(
        (status = 200, body = BillingRateOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`rate_exists`: the scope has a rate starting on that day", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/billing-rates/{id}")]
pub async fn update(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateBillingRate>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    check_amounts(body.rate_minor, body.currency.as_deref())?;
    let rate = store::update(&state.db, id.into_inner(), if_match.0, body.rate_minor, body.currency, body.valid_from, now()).await?;
    Ok(versioned(HttpResponse::Ok(), rate.version, &BillingRateOut::from(rate)))
}

/// Removes a rate (billed lines keep the rate they froze).
#[utoipa::path(
    operation_id = "delete_billing_rate",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "removed"), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/billing-rates/{id}")]
pub async fn remove(_auth: Authorized<can::BillingManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    store::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
