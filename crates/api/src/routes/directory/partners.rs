//! Partners: subcontractor companies.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::directory::Partner;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::directory::partners::{self, NewPartner, PartnerChanges};
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
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct PartnerOut {
    pub id: Uuid,
    pub name: String,
    pub tax_id: Option<String>,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    pub notes: Option<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Partner> for PartnerOut {
    fn from(p: Partner) -> Self {
        Self {
            id: p.id,
            name: p.name,
            tax_id: p.tax_id,
            email: p.email.map(|e| e.to_string()),
            phone: p.phone.map(|p| p.to_string()),
            notes: p.notes,
            active: p.active,
            version: p.version,
            created_at: p.created_at,
            updated_at: p.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Elektro Kovač s.p.", "email": "servis@kovac.hr", "phone": "+385 1 234 5678"}))]
pub struct CreatePartner {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub tax_id: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"phone": null, "active": false}))]
pub struct UpdatePartner {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 64))]
    #[schema(max_length = 64)]
    pub tax_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 10000))]
    #[schema(max_length = 10000)]
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PartnerFilterParams {
    /// Search in name, email, phone and tax id.
    pub q: Option<String>,
    pub active: Option<bool>,
}

/// Lists partners.
#[utoipa::path(
    operation_id = "list_partners",
    tag = tags::DIRECTORY,
    params(PageParams, PartnerFilterParams),
    responses((status = 200, body = Paged<PartnerOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/partners")]
pub async fn list(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<PartnerFilterParams>,
) -> ApiResult<web::Json<Paged<PartnerOut>>> {
    let page = partners::list(&state.db, filter.q.as_deref(), filter.active, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, PartnerOut::from)))
}

/// Creates a partner.
#[utoipa::path(
    operation_id = "create_partner",
    tag = tags::DIRECTORY,
    request_body = CreatePartner,
    responses((status = 201, body = PartnerOut, headers(("ETag" = String), ("Location" = String)))),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/partners")]
pub async fn create(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    body: web::Json<CreatePartner>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    let email = fields.email("email", body.email.as_deref());
    let phone = fields.phone("phone", body.phone.as_deref(), state.config.default_phone_region);
    fields.finish()?;
    let new = NewPartner { name: body.name.trim().to_owned(), tax_id: clean(body.tax_id), email, phone, notes: clean(body.notes) };
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let partner = partners::create(&txn, new, now()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/partners/{}", partner.id), partner.version, &PartnerOut::from(partner)))
}

/// One partner.
#[utoipa::path(
    operation_id = "get_partner",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PartnerOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/partners/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let partner = partners::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), partner.version, &PartnerOut::from(partner)))
}

/// Changes a partner.
#[utoipa::path(
    operation_id = "update_partner",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdatePartner,
    responses(
        (status = 200, body = PartnerOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/partners/{id}")]
pub async fn patch(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdatePartner>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    let changes = PartnerChanges {
        name: body.name.map(|v| v.trim().to_owned()),
        tax_id: clean_patch(body.tax_id),
        email: body.email.map(|e| fields.email("email", e.as_deref())),
        phone: body.phone.map(|p| fields.phone("phone", p.as_deref(), state.config.default_phone_region)),
        notes: clean_patch(body.notes),
        active: body.active,
    };
    fields.finish()?;
    let changed = servdesk_usecases::partners::change(&state, id.into_inner(), if_match.0, changes).await?;
    for user in &changed.deactivated_users {
        state.session_holders.forget_user(*user);
    }
    Ok(versioned(HttpResponse::Ok(), changed.partner.version, &PartnerOut::from(changed.partner)))
}

/// Deletes a partner nothing refers to; 409 `partner_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_partner",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`partner_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/partners/{id}")]
pub async fn delete(_auth: Authorized<can::DirectoryDelete>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    partners::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
