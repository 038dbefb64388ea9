//! Customers.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use servdesk_domain::directory::CustomerKind;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::directory::customers::{self, CustomerChanges, CustomerFilter, NewCustomer};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{clean, clean_patch};
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation::{self, Fields};
use crate::dto::directory::CustomerOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use crate::wire;
use servdesk_domain::directory::Customer;
use servdesk_persistence::ConnectionTrait;
use servdesk_usecases::config::Config;

fn yes() -> bool {
    true
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Tiskarna Novak d.o.o.", "kind": "company", "tax_id": "SI12345678", "email": "info@novak.si", "phone": "01 234 56 78", "language": "sl"}))]
pub struct CreateCustomer {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[serde(default = "default_kind")]
    #[schema(schema_with = wire::customer_kind)]
    pub kind: CustomerKind,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub tax_id: Option<String>,
    pub email: Option<String>,
    /// Any common format; stored as E.164 (numbers without `+` are read in the default region).
    pub phone: Option<String>,
    pub billing_email: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub billing_address: Option<String>,
    #[validate(length(max = 16))]
    #[schema(max_length = 16)]
    pub language: Option<String>,
    #[serde(default = "yes")]
    pub acknowledge_calls: bool,
    #[serde(default)]
    pub auto_resolve_alarms: bool,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// The ERP's id for it, unique among customers (`PUT /api/v1/customers/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

fn default_kind() -> CustomerKind {
    CustomerKind::Company
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"phone": "+386 1 234 56 79", "notes": null}))]
pub struct UpdateCustomer {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[schema(schema_with = wire::customer_kind)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub kind: Option<CustomerKind>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub tax_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub billing_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub billing_address: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 16))]
    #[schema(max_length = 16)]
    pub language: Option<Option<String>>,
    pub acknowledge_calls: Option<bool>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub auto_resolve_alarms: Option<bool>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
    /// `false` deactivates the customer (kept for history).
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CustomerFilterParams {
    /// Search in name, email, phone and tax id.
    pub q: Option<String>,
    #[param(schema_with = wire::customer_kind)]
    pub kind: Option<CustomerKind>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

/// Lists customers.
#[utoipa::path(
    operation_id = "list_customers",
    tag = tags::DIRECTORY,
    params(PageParams, CustomerFilterParams),
    responses((status = 200, body = Paged<CustomerOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/customers")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<CustomerFilterParams>,
) -> ApiResult<web::Json<Paged<CustomerOut>>> {
    let filter =
        CustomerFilter { external_ref: filter.external_ref.clone(), q: filter.q.clone(), kind: filter.kind, active: filter.active };
    let page = customers::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, CustomerOut::from)))
}

/// Creates a customer.
#[utoipa::path(
    operation_id = "create_customer",
    tag = tags::DIRECTORY,
    request_body = CreateCustomer,
    responses((status = 201, body = CustomerOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/customers")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreateCustomer>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let customer = insert(&txn, &state.config, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/customers/{}", customer.id), customer.version, &CustomerOut::from(customer)))
}

/// Creates one (the POST and the upsert).
async fn insert(conn: &impl ConnectionTrait, config: &Config, body: CreateCustomer) -> ApiResult<Customer> {
    let region = config.default_phone_region;
    let mut fields = Fields::check(&body);
    let email = fields.email("email", body.email.as_deref());
    let billing_email = fields.email("billing_email", body.billing_email.as_deref());
    let phone = fields.phone("phone", body.phone.as_deref(), region);
    fields.finish()?;
    let new = NewCustomer {
        external_ref: clean(body.external_ref.clone()),
        name: body.name.trim().to_owned(),
        kind: body.kind,
        tax_id: clean(body.tax_id),
        email,
        phone,
        billing_email,
        billing_address: clean(body.billing_address),
        language: clean(body.language),
        acknowledge_calls: body.acknowledge_calls,
        auto_resolve_alarms: body.auto_resolve_alarms,
        notes: clean(body.notes),
    };
    Ok(customers::create(conn, new, now()).await?)
}

/// One customer.
#[utoipa::path(
    operation_id = "get_customer",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/customers/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let customer = customers::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), customer.version, &CustomerOut::from(customer)))
}

/// Changes a customer; `active: false` deactivates it.
#[utoipa::path(
    operation_id = "update_customer",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateCustomer,
    responses(
        (status = 200, body = CustomerOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/customers/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateCustomer>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let customer = change(&txn, &state.config, id.into_inner(), if_match.0, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), customer.version, &CustomerOut::from(customer)))
}

/// Changes one (the PATCH and the upsert).
async fn change(
    conn: &impl ConnectionTrait,
    config: &Config,
    id: Uuid,
    expected: Option<i64>,
    body: UpdateCustomer,
) -> ApiResult<Customer> {
    let region = config.default_phone_region;
    let mut fields = Fields::check(&body);
    let changes = CustomerChanges {
        external_ref: clean_patch(body.external_ref.clone()),
        name: body.name.map(|n| n.trim().to_owned()),
        kind: body.kind,
        tax_id: clean_patch(body.tax_id),
        email: body.email.map(|e| fields.email("email", e.as_deref())),
        phone: body.phone.map(|p| fields.phone("phone", p.as_deref(), region)),
        billing_email: body.billing_email.map(|e| fields.email("billing_email", e.as_deref())),
        billing_address: clean_patch(body.billing_address),
        language: clean_patch(body.language),
        acknowledge_calls: body.acknowledge_calls,
        auto_resolve_alarms: body.auto_resolve_alarms,
        notes: clean_patch(body.notes),
        active: body.active,
    };
    fields.finish()?;
    Ok(customers::update(conn, id, expected, changes, now()).await?)
}

/// Deletes a customer nothing refers to; 409 `customer_in_use` otherwise (deactivate it).
#[utoipa::path(
    operation_id = "delete_customer",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`customer_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/customers/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    customers::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

super::by_external_ref_routes! {
    table: "customers",
    path: "/customers/by-external-ref/{ref}",
    upsert: (
        "upsert_customer_by_external_ref",
        "Creates or changes the customer with this external reference, so a sync job can send the same thing again safely: the create body; 201 when it is new, 200 when it existed — then the fields the body names are set (as `PATCH` would) and the rest keep their values."
    ),
    get: ("get_customer_by_external_ref", "The customer with this external reference."),
    body: CreateCustomer,
    update: UpdateCustomer,
    out: CustomerOut,
    read: customers::get,
    record: Customer,
    location: "/api/v1/customers",
    insert: |conn, config, body| insert(conn, config, body).await,
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
