//! Customers' locations (sites).

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::directory::customers;
use servdesk_persistence::directory::locations::{self, LocationChanges, NewLocation};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::{clean, clean_patch};
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation::{self, Fields};
use crate::dto::directory::LocationOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use servdesk_domain::directory::Location;
use servdesk_persistence::ConnectionTrait;
use servdesk_usecases::config::Config;

fn iso_country(value: &str) -> Result<(), validator::ValidationError> {
    if value.len() == 2 && value.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(())
    } else {
        Err(validator::ValidationError::new(servdesk_domain::errors::field::COUNTRY.as_str())
            .with_message("an ISO 3166-1 alpha-2 code in capitals, like SI".into()))
    }
}

/// A location sent by its external reference: the create body with its customer.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer_id": "01933b5e-0000-7000-8000-000000000001", "name": "Warehouse", "address_line": "Industrijska 5", "city": "Ljubljana"}))]
pub struct UpsertLocation {
    /// The customer it belongs to (used when it is created; a location never moves).
    pub customer_id: Uuid,
    #[serde(flatten)]
    pub location: CreateLocation,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Head office", "address_line": "Dunajska cesta 1", "postal_code": "1000", "city": "Ljubljana", "country": "SI", "latitude": 46.0569, "longitude": 14.5058}))]
pub struct CreateLocation {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 300))]
    #[schema(max_length = 300, min_length = 1, pattern = r"\S")]
    pub address_line: String,
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub postal_code: Option<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 120))]
    #[schema(max_length = 120, min_length = 1, pattern = r"\S")]
    pub city: String,
    #[validate(custom(function = "iso_country"))]
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<String>,
    #[validate(range(min = -90.0, max = 90.0))]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<f64>,
    #[validate(range(min = -180.0, max = 180.0))]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<f64>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
    /// The ERP's id for it, unique among locations (`PUT /api/v1/locations/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"notes": "Ring at the back door", "latitude": null, "longitude": null}))]
pub struct UpdateLocation {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 300))]
    #[schema(max_length = 300, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub address_line: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 20))]
    #[schema(max_length = 20)]
    pub postal_code: Option<Option<String>>,
    #[validate(custom(function = "validation::not_blank"), length(max = 120))]
    #[schema(max_length = 120, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub city: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "iso_country"))]
    #[schema(pattern = "^[A-Za-z]{2}$")]
    pub country: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = -90.0, max = 90.0))]
    #[schema(minimum = -90.0, maximum = 90.0)]
    pub latitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = -180.0, max = 180.0))]
    #[schema(minimum = -180.0, maximum = 180.0)]
    pub longitude: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

/// Lists a customer's locations.
#[utoipa::path(
    operation_id = "list_customer_locations",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path, description = "The customer"), PageParams),
    responses((status = 200, body = Paged<LocationOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/customers/{id}/locations")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<LocationOut>>> {
    let customer = customers::get(&state.db, id.into_inner()).await?;
    let page = locations::list(&state.db, customer.id, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, LocationOut::from)))
}

/// Adds a location to a customer.
#[utoipa::path(
    operation_id = "create_customer_location",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path, description = "The customer")),
    request_body = CreateLocation,
    responses(
        (status = 201, body = LocationOut, headers(("ETag" = String), ("Location" = String))),
        NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/customers/{id}/locations")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CreateLocation>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let location = insert(&txn, &state.config, id.into_inner(), body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/locations/{}", location.id), location.version, &LocationOut::from(location)))
}

/// Creates one (the POST and the upsert).
async fn insert(conn: &impl ConnectionTrait, _config: &Config, customer_id: Uuid, body: CreateLocation) -> ApiResult<Location> {
    Fields::check(&body).finish()?;
    let customer = customers::get(conn, customer_id).await?;
    let new = NewLocation {
        external_ref: clean(body.external_ref.clone()),
        customer_id: customer.id,
        name: body.name.trim().to_owned(),
        address_line: body.address_line.trim().to_owned(),
        postal_code: clean(body.postal_code),
        city: body.city.trim().to_owned(),
        country: body.country,
        latitude: body.latitude,
        longitude: body.longitude,
        notes: clean(body.notes),
    };
    Ok(locations::create(conn, new, now()).await?)
}

/// One location.
#[utoipa::path(
    operation_id = "get_location",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = LocationOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/locations/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let location = locations::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), location.version, &LocationOut::from(location)))
}

/// Changes a location.
#[utoipa::path(
    operation_id = "update_location",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateLocation,
    responses(
        (status = 200, body = LocationOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/locations/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateLocation>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let location = change(&txn, &state.config, id.into_inner(), if_match.0, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), location.version, &LocationOut::from(location)))
}

/// Changes one (the PATCH and the upsert).
async fn change(
    conn: &impl ConnectionTrait,
    _config: &Config,
    id: Uuid,
    expected: Option<i64>,
    body: UpdateLocation,
) -> ApiResult<Location> {
    Fields::check(&body).finish()?;
    let changes = LocationChanges {
        external_ref: clean_patch(body.external_ref.clone()),
        name: body.name.map(|v| v.trim().to_owned()),
        address_line: body.address_line.map(|v| v.trim().to_owned()),
        postal_code: clean_patch(body.postal_code),
        city: body.city.map(|v| v.trim().to_owned()),
        country: body.country,
        latitude: body.latitude,
        longitude: body.longitude,
        notes: clean_patch(body.notes),
        active: body.active,
    };
    Ok(locations::update(conn, id, expected, changes, now()).await?)
}

/// Deletes a location nothing refers to; 409 `location_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_location",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`location_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/locations/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    locations::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

super::by_external_ref_routes! {
    table: "locations",
    path: "/locations/by-external-ref/{ref}",
    upsert: (
        "upsert_location_by_external_ref",
        "Creates or changes the location with this external reference, so a sync job can send the same thing again safely: the create body with the `customer_id` it belongs to; 201 when it is new, 200 when it existed — then the fields the body names are set (as `PATCH` would) and the rest keep their values."
    ),
    get: ("get_location_by_external_ref", "The location with this external reference."),
    body: UpsertLocation,
    update: UpdateLocation,
    out: LocationOut,
    read: locations::get,
    record: Location,
    location: "/api/v1/locations",
    // The customer is named in the body here, not in the path: one unknown is the field's
    // 422, as for the other kinds.
    insert: |conn, config, body| {
        crate::conventions::validation::referenced("customer_id", customers::get(conn, body.customer_id).await)?;
        insert(conn, config, body.customer_id, body.location).await
    },
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
