//! API keys for integrations (admins).

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::{Permission, Scope};
use servdesk_persistence::api_keys::{self, ApiKey, NewApiKey};
use utoipa::ToSchema;
use uuid::Uuid;

use super::tags;
use super::users::Checks;
use crate::auth::{Caller, api_keys::generate};
use crate::conventions::pagination::{PageParams, Paged};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The key's public part (`sdk_<prefix>_…`), to tell keys apart.
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyView {
    fn from(k: ApiKey) -> Self {
        Self {
            scopes: api_keys::scopes_of(&k).iter().filter_map(|s| Scope::parse(s)).collect(),
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// The created key with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key: ApiKeyView,
    /// The whole key, to send as `Authorization: Bearer <secret>`. Not retrievable later.
    pub secret: String,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "ERP sync", "scopes": ["tickets:read", "sync:read"]}))]
pub struct CreateApiKey {
    pub name: String,
    pub scopes: Vec<Scope>,
}

/// Lists API keys (admins), newest last; secrets are never shown.
#[utoipa::path(tag = tags::API_KEYS, params(PageParams), responses((status = 200, body = Paged<ApiKeyView>)), security(("bearer" = [])))]
#[get("/api-keys")]
pub async fn list(caller: Caller, state: web::Data<AppState>, page: web::Query<PageParams>) -> ApiResult<web::Json<Paged<ApiKeyView>>> {
    caller.require(Permission::ApiKeysManage)?;
    if page.updated_since.is_some() {
        return Err(ApiError::bad_request("unsupported_filter", "API keys cannot be listed by updated_since"));
    }
    let page = api_keys::list(&state.db, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ApiKeyView::from)))
}

/// Creates an API key (admins); the response's `secret` is the only time it is shown.
#[utoipa::path(
    tag = tags::API_KEYS,
    request_body = CreateApiKey,
    responses((status = 201, body = CreatedApiKey, headers(("Location" = String)))),
    security(("bearer" = []))
)]
#[post("/api-keys")]
pub async fn create(caller: Caller, state: web::Data<AppState>, body: web::Json<CreateApiKey>) -> ApiResult<HttpResponse> {
    caller.require(Permission::ApiKeysManage)?;
    let created_by = caller.user_id()?;
    let body = body.into_inner();
    let mut checks = Checks::default();
    let name = checks.text("name", &body.name, 200);
    if body.scopes.is_empty() {
        checks.fail("scopes", "length", "give the key at least one scope");
    }
    checks.finish()?;
    let mut scopes: Vec<String> = body.scopes.iter().map(|s| s.as_str().to_owned()).collect();
    scopes.sort();
    scopes.dedup();
    let generated = generate().map_err(ApiError::internal)?;
    let key = api_keys::create(
        &state.db,
        NewApiKey { name, prefix: generated.prefix, secret_hash: generated.secret_hash, scopes, created_by },
        now(),
    )
    .await?;
    tracing::info!(api_key_id = %key.id, "api key created");
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/api-keys/{}", key.id)))
        .json(CreatedApiKey { key: key.into(), secret: generated.full }))
}

/// One API key (admins).
#[utoipa::path(
    tag = tags::API_KEYS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/api-keys/{id}")]
pub async fn get(caller: Caller, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<ApiKeyView>> {
    caller.require(Permission::ApiKeysManage)?;
    Ok(web::Json(api_keys::get(&state.db, id.into_inner()).await?.into()))
}

/// Revokes an API key (admins): it stops working at once. Revoking twice is harmless.
#[utoipa::path(
    tag = tags::API_KEYS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ApiKeyView), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn revoke(caller: Caller, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<ApiKeyView>> {
    caller.require(Permission::ApiKeysManage)?;
    Ok(web::Json(api_keys::revoke(&state.db, id.into_inner(), now()).await?.into()))
}
