//! Equipment: serviced units with serial numbers and warranty.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use chrono::NaiveDate;
use serde::Deserialize;
use servdesk_domain::directory::{self, Product};
use servdesk_domain::errors::field;
use servdesk_persistence::billing::contracts;
use servdesk_persistence::directory::equipment::{self, EquipmentChanges, EquipmentFilter, NewEquipment};
use servdesk_persistence::directory::{customers, locations, products};
use servdesk_persistence::{ConnectionTrait, TransactionTrait};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{clean, clean_patch, referenced};
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation;
use crate::dto::directory::EquipmentOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use servdesk_domain::directory::Equipment;
use servdesk_usecases::config::Config;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"product_id": "01933b5e-0000-7000-8000-000000000000", "serial_number": "X1-123456", "customer_id": "01933b5e-0000-7000-8000-000000000001", "installed_on": "2026-03-15"}))]
pub struct CreateEquipment {
    pub product_id: Uuid,
    #[validate(custom(function = "validation::not_blank"), length(max = 100))]
    #[schema(max_length = 100, min_length = 1, pattern = r"\S")]
    pub serial_number: String,
    pub customer_id: Option<Uuid>,
    /// A location of the customer (the customer defaults from it).
    pub location_id: Option<Uuid>,
    pub installed_on: Option<NaiveDate>,
    /// Overrides the warranty end derived from the product.
    pub warranty_end: Option<NaiveDate>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// A contract of the unit's customer that covers it.
    pub contract_id: Option<Uuid>,
    /// The ERP's id for it, unique among units of equipment (`PUT /api/v1/equipment/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"warranty_end": "2030-12-31", "location_id": null}))]
pub struct UpdateEquipment {
    #[validate(custom(function = "validation::not_blank"), length(max = 100))]
    #[schema(max_length = 100, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub serial_number: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    pub customer_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub location_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "double_option")]
    pub installed_on: Option<Option<NaiveDate>>,
    /// A date overrides; `null` goes back to the product's default.
    #[serde(default, deserialize_with = "double_option")]
    pub warranty_end: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
    /// A contract of the unit's customer; `null` takes the unit out of its contract.
    #[serde(default, deserialize_with = "double_option")]
    pub contract_id: Option<Option<Uuid>>,
    pub active: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EquipmentFilterParams {
    /// Serial number contains it.
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub product_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

fn check_serial(product: &Product, serial: &str) -> ApiResult<()> {
    if product.accepts_serial(serial) {
        return Ok(());
    }
    let expected = product.serial_pattern.as_ref().map_or("a non-blank value", |p| p.as_str());
    Err(ApiError::invalid_field(
        "serial_number",
        field::SERIAL_PATTERN,
        format!("does not match {}'s serial format {expected}", product.name),
    ))
}

/// The customer a unit belongs to after the change: the location decides when both are given
/// and must agree.
async fn owner(conn: &impl ConnectionTrait, customer_id: Option<Uuid>, location_id: Option<Uuid>) -> ApiResult<Option<Uuid>> {
    if let Some(customer_id) = customer_id {
        referenced("customer_id", customers::get(conn, customer_id).await)?;
    }
    let Some(location_id) = location_id else { return Ok(customer_id) };
    let location = referenced("location_id", locations::get(conn, location_id).await)?;
    match customer_id {
        Some(c) if c != location.customer_id => {
            Err(ApiError::invalid_field("location_id", field::LOCATION_OF_ANOTHER_CUSTOMER, "the location belongs to another customer"))
        }
        _ => Ok(Some(location.customer_id)),
    }
}

/// A unit's contract must be one of the unit's customer's.
async fn check_contract(conn: &impl ConnectionTrait, contract_id: Option<Uuid>, customer_id: Option<Uuid>) -> ApiResult<()> {
    let Some(contract_id) = contract_id else { return Ok(()) };
    let contract = referenced("contract_id", contracts::get(conn, contract_id).await)?;
    if Some(contract.customer_id) == customer_id {
        return Ok(());
    }
    Err(ApiError::invalid_field(
        "contract_id",
        field::CONTRACT_OF_ANOTHER_CUSTOMER,
        "the contract belongs to another customer than the unit",
    ))
}

/// Lists equipment.
#[utoipa::path(
    operation_id = "list_equipment",
    tag = tags::DIRECTORY,
    params(PageParams, EquipmentFilterParams),
    responses((status = 200, body = Paged<EquipmentOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/equipment")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<EquipmentFilterParams>,
) -> ApiResult<web::Json<Paged<EquipmentOut>>> {
    let filter = EquipmentFilter {
        external_ref: filter.external_ref.clone(),
        q: filter.q.clone(),
        customer_id: filter.customer_id,
        product_id: filter.product_id,
        contract_id: filter.contract_id,
        active: filter.active,
    };
    let page = equipment::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, EquipmentOut::from)))
}

/// Registers a unit. The serial must fit the product's format and be new for the product;
/// the warranty end defaults from the product's months after `installed_on`.
#[utoipa::path(
    operation_id = "create_equipment",
    tag = tags::DIRECTORY,
    request_body = CreateEquipment,
    responses(
        (status = 201, body = EquipmentOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`serial_number_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/equipment")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreateEquipment>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let unit = insert(&txn, &state.config, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/equipment/{}", unit.id), unit.version, &EquipmentOut::from(unit)))
}

/// Creates one (the POST and the upsert).
async fn insert(conn: &impl ConnectionTrait, _config: &Config, body: CreateEquipment) -> ApiResult<Equipment> {
    body.validate()?;
    let serial = body.serial_number.trim().to_owned();
    let product = referenced("product_id", products::get(conn, body.product_id).await)?;
    check_serial(&product, &serial)?;
    let customer_id = owner(conn, body.customer_id, body.location_id).await?;
    check_contract(conn, body.contract_id, customer_id).await?;
    let (warranty_end, overridden) = directory::warranty_end(&product, body.installed_on, body.warranty_end);
    let new = NewEquipment {
        external_ref: clean(body.external_ref.clone()),
        product_id: product.id,
        serial_number: serial,
        customer_id,
        location_id: body.location_id,
        installed_on: body.installed_on,
        warranty_end,
        warranty_end_overridden: overridden,
        notes: clean(body.notes),
        contract_id: body.contract_id,
    };
    Ok(equipment::create(conn, new, now()).await?)
}

/// One unit.
#[utoipa::path(
    operation_id = "get_equipment",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = EquipmentOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/equipment/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let unit = equipment::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), unit.version, &EquipmentOut::from(unit)))
}

/// Changes a unit. A new `installed_on` moves a derived warranty end with it; an overridden
/// one stays until `warranty_end: null` restores the default.
#[utoipa::path(
    operation_id = "update_equipment",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateEquipment,
    responses(
        (status = 200, body = EquipmentOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`serial_number_taken`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/equipment/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateEquipment>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let unit = change(&txn, &state.config, id.into_inner(), if_match.0, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), unit.version, &EquipmentOut::from(unit)))
}

/// Changes one (the PATCH and the upsert).
async fn change(
    conn: &impl ConnectionTrait,
    _config: &Config,
    id: Uuid,
    expected: Option<i64>,
    body: UpdateEquipment,
) -> ApiResult<Equipment> {
    body.validate()?;
    let current = equipment::get(conn, id).await?;
    let product = products::get(conn, current.product_id).await?;
    let serial = body.serial_number.map(|s| s.trim().to_owned());
    if let Some(serial) = &serial {
        check_serial(&product, serial)?;
    }
    let mut customer_id = body.customer_id;
    if body.customer_id.is_some() || body.location_id.is_some() {
        let new_customer = body.customer_id.unwrap_or(current.customer_id);
        let new_location = body.location_id.unwrap_or(current.location_id);
        customer_id = Some(owner(conn, new_customer, new_location).await?);
    }
    let contract_id = body.contract_id.unwrap_or(current.contract_id);
    if body.contract_id.is_some() || customer_id.is_some() {
        check_contract(conn, contract_id, customer_id.unwrap_or(current.customer_id)).await?;
    }
    let installed_on = body.installed_on.unwrap_or(current.installed_on);
    let warranty_end = match body.warranty_end {
        Some(end) => Some(directory::warranty_end(&product, installed_on, end)),
        None if body.installed_on.is_some() && !current.warranty_end_overridden => {
            Some(directory::warranty_end(&product, installed_on, None))
        }
        None => None,
    };
    let changes = EquipmentChanges {
        external_ref: clean_patch(body.external_ref.clone()),
        serial_number: serial,
        customer_id,
        location_id: body.location_id,
        installed_on: body.installed_on,
        warranty_end,
        notes: clean_patch(body.notes),
        contract_id: body.contract_id,
        active: body.active,
    };
    let unit = equipment::update(conn, current.id, expected, changes, now()).await?;
    if unit.contract_id != current.contract_id {
        for customer in [current.customer_id, unit.customer_id].into_iter().flatten() {
            servdesk_usecases::billing::contracts::refresh_ticket_coverage(conn, customer).await?;
        }
    }
    Ok(unit)
}

/// Deletes a unit nothing refers to; 409 `equipment_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_equipment",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`equipment_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/equipment/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    equipment::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

super::by_external_ref_routes! {
    table: "equipment",
    path: "/equipment/by-external-ref/{ref}",
    upsert: (
        "upsert_equipment_by_external_ref",
        "Creates or changes the unit of equipment with this external reference, so a sync job can send the same thing again safely: the create body; 201 when it is new, 200 when it existed — then the fields the body names are set (as `PATCH` would) and the rest keep their values."
    ),
    get: ("get_equipment_by_external_ref", "The unit of equipment with this external reference."),
    body: CreateEquipment,
    update: UpdateEquipment,
    out: EquipmentOut,
    read: equipment::get,
    record: Equipment,
    location: "/api/v1/equipment",
    insert: |conn, config, body| insert(conn, config, body).await,
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
