//! Products: equipment models, their warranty and serial-number format.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use serde::Deserialize;
use servdesk_domain::directory::{Product, SerialPattern};
use servdesk_domain::errors::field;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::directory::products::{self, NewProduct, ProductChanges};
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
use crate::dto::directory::ProductOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use servdesk_persistence::ConnectionTrait;
use servdesk_usecases::config::Config;

fn two_years() -> u32 {
    24
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "LaserJet X1", "sku": "LJ-X1", "default_warranty_months": 24, "serial_pattern": "X1-[0-9]{6}"}))]
pub struct CreateProduct {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub sku: Option<String>,
    #[serde(default = "two_years")]
    #[validate(range(max = 600))]
    #[schema(maximum = 600)]
    pub default_warranty_months: u32,
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub serial_pattern: Option<String>,
    /// The ERP's id for it, unique among products (`PUT /api/v1/products/by-external-ref/{ref}`
    /// finds it; `?external_ref=` lists it).
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"default_warranty_months": 36, "serial_pattern": null}))]
pub struct UpdateProduct {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 100))]
    #[schema(max_length = 100)]
    pub sku: Option<Option<String>>,
    #[validate(range(max = 600))]
    #[schema(maximum = 600)]
    pub default_warranty_months: Option<u32>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub serial_pattern: Option<Option<String>>,
    pub active: Option<bool>,
    /// The ERP's id for it; `null` removes it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductFilterParams {
    /// Search in name and SKU.
    pub q: Option<String>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

fn pattern(fields: &mut Fields, raw: Option<&str>) -> Option<SerialPattern> {
    match SerialPattern::parse(raw?.trim()) {
        Ok(p) => Some(p),
        Err(e) => {
            fields.add("serial_pattern", field::PATTERN, e.to_string());
            None
        }
    }
}

/// Lists products.
#[utoipa::path(
    operation_id = "list_products",
    tag = tags::DIRECTORY,
    params(PageParams, ProductFilterParams),
    responses((status = 200, body = Paged<ProductOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/products")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<ProductFilterParams>,
) -> ApiResult<web::Json<Paged<ProductOut>>> {
    let page = products::list(&state.db, filter.q.as_deref(), filter.active, filter.external_ref.as_deref(), page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ProductOut::from)))
}

/// Creates a product; an invalid `serial_pattern` is refused.
#[utoipa::path(
    operation_id = "create_product",
    tag = tags::DIRECTORY,
    request_body = CreateProduct,
    responses(
        (status = 201, body = ProductOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`sku_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/products")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreateProduct>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let product = insert(&txn, &state.config, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/products/{}", product.id), product.version, &ProductOut::from(product)))
}

/// Creates one (the POST and the upsert).
async fn insert(conn: &impl ConnectionTrait, _config: &Config, body: CreateProduct) -> ApiResult<Product> {
    let mut fields = Fields::check(&body);
    let serial_pattern = pattern(&mut fields, clean(body.serial_pattern).as_deref());
    fields.finish()?;
    let new = NewProduct {
        external_ref: clean(body.external_ref.clone()),
        name: body.name.trim().to_owned(),
        sku: clean(body.sku),
        default_warranty_months: body.default_warranty_months,
        serial_pattern,
    };
    Ok(products::create(conn, new, now()).await?)
}

/// One product.
#[utoipa::path(
    operation_id = "get_product",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ProductOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/products/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let product = products::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), product.version, &ProductOut::from(product)))
}

/// Changes a product. Existing equipment keeps its stored warranty end.
#[utoipa::path(
    operation_id = "update_product",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateProduct,
    responses(
        (status = 200, body = ProductOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`sku_taken`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/products/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateProduct>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let product = change(&txn, &state.config, id.into_inner(), if_match.0, body.into_inner()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), product.version, &ProductOut::from(product)))
}

/// Changes one (the PATCH and the upsert).
async fn change(conn: &impl ConnectionTrait, _config: &Config, id: Uuid, expected: Option<i64>, body: UpdateProduct) -> ApiResult<Product> {
    let mut fields = Fields::check(&body);
    let changes = ProductChanges {
        external_ref: clean_patch(body.external_ref.clone()),
        name: body.name.map(|v| v.trim().to_owned()),
        sku: clean_patch(body.sku),
        default_warranty_months: body.default_warranty_months,
        serial_pattern: clean_patch(body.serial_pattern).map(|p| pattern(&mut fields, p.as_deref())),
        active: body.active,
    };
    fields.finish()?;
    Ok(products::update(conn, id, expected, changes, now()).await?)
}

/// Deletes a product nothing refers to; 409 `product_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_product",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`product_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/products/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    products::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

super::by_external_ref_routes! {
    table: "products",
    path: "/products/by-external-ref/{ref}",
    upsert: (
        "upsert_product_by_external_ref",
        "Creates or changes the product with this external reference, so a sync job can send the same thing again safely: the create body; 201 when it is new, 200 when it existed — then the fields the body names are set (as `PATCH` would) and the rest keep their values."
    ),
    get: ("get_product_by_external_ref", "The product with this external reference."),
    body: CreateProduct,
    update: UpdateProduct,
    out: ProductOut,
    read: products::get,
    record: Product,
    location: "/api/v1/products",
    insert: |conn, config, body| insert(conn, config, body).await,
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upsert).service(by_external_ref);
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
