//! API keys for integrations (admins).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::Scope;
use servdesk_domain::errors::code;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::api_keys::{self, NewApiKey};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, api_keys::generate, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation;
use crate::dto::ApiKeyOut;
use crate::error::{ApiError, ApiResult};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::{AppState, now};
use crate::wire;

/// The created key with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyOut,
    /// The whole key, to send as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "ERP sync", "scopes": ["tickets:read", "sync:read"]}))]
pub struct CreateApiKey {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    /// At least one.
    #[schema(schema_with = wire::scopes)]
    #[validate(length(min = 1))]
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

/// Lists API keys (admins), newest last; secrets are never shown.
#[utoipa::path(
    operation_id = "list_api_keys",tag = tags::API_KEYS, params(PageParams), responses((status = 200, body = Paged<ApiKeyOut>)), security(("bearer" = [])))]
#[get("/api-keys")]
pub async fn list(
    _auth: Authorized<can::ApiKeysManage>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<ApiKeyOut>>> {
    if page.updated_since.is_some() {
        return Err(ApiError::new(code::UNSUPPORTED_FILTER, "API keys cannot be listed by updated_since"));
    }
    let page = api_keys::list(&state.db, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ApiKeyOut::from)))
}

/// Creates an API key (admins); the response's `secret` is the only time it is shown.
#[utoipa::path(
    operation_id = "create_api_key",
    tag = tags::API_KEYS,
    request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey, headers(("Location" = String)))),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create(
    caller: Authorized<can::ApiKeysManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateApiKey>,
) -> ApiResult<HttpResponse> {
    let created_by = caller.user_id()?;
    let body = body.into_inner();
    body.validate()?;
    let name = body.name.trim().to_owned();
    let mut scopes = body.scopes;
    scopes.sort();
    scopes.dedup();
    let generated = generate().map_err(ApiError::internal)?;
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let key =
        api_keys::create(&txn, NewApiKey { name, prefix: generated.prefix, secret_hash: generated.secret_hash, scopes, created_by }, now())
            .await?;
    servdesk_usecases::commit(txn).await?;
    tracing::info!(api_key_id = %key.id, "api key created");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-keys/{}", key.id)))
        .json(CreatedApiKey { key: key.into(), secret: generated.full }))
}

/// One API key (admins).
#[utoipa::path(
    operation_id = "get_api_key",
    tag = tags::API_KEYS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyOut), NotFound),
    security(("bearer" = []))
)]
#[get("/api-keys/{id}")]
pub async fn get(
    _auth: Authorized<can::ApiKeysManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiKeyOut>> {
    Ok(web::Json(api_keys::get(&state.db, id.into_inner()).await?.into()))
}

/// Revokes an API key (admins): it stops working at once. Revoking twice is harmless.
#[utoipa::path(
    tag = tags::API_KEYS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyOut), NotFound),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn revoke(
    _auth: Authorized<can::ApiKeysManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ApiKeyOut>> {
    Ok(web::Json(api_keys::revoke(&state.db, id.into_inner(), now()).await?.into()))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(revoke);
}
