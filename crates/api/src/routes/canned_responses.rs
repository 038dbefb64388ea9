//! Canned responses: reply templates per language with `{{ variable }}` placeholders, checked
//! when saved and rendered for a ticket.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::canned_responses::{self as rules, CannedResponse};
use servdesk_domain::errors::field;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::canned_responses::{self, CannedChanges};
use servdesk_persistence::directory::{contacts, customers};
use servdesk_persistence::{tickets, users};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::{self, Fields, referenced};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct CannedResponseOut {
    pub id: Uuid,
    pub name: String,
    pub language: String,
    /// Placeholders: `{{ ticket.number }}`, `{{ ticket.title }}`, `{{ ticket.status }}`,
    /// `{{ contact.name }}`, `{{ customer.name }}`, `{{ agent.name }}`, `{{ agent.email }}`.
    pub body: String,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<CannedResponse> for CannedResponseOut {
    fn from(c: CannedResponse) -> Self {
        Self {
            id: c.id,
            name: c.name,
            language: c.language,
            body: c.body,
            active: c.active,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Technician on the way", "language": "en", "body": "Dear {{ contact.name }}, a technician is on the way for {{ ticket.number }}. Regards, {{ agent.name }}"}))]
pub struct CreateCannedResponse {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 16))]
    #[schema(max_length = 16, min_length = 1, pattern = r"\S")]
    pub language: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 20000))]
    #[schema(max_length = 20000, min_length = 1, pattern = r"\S")]
    pub body: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"body": "Dear {{ contact.name }}, we are on it ({{ ticket.number }})."}))]
pub struct UpdateCannedResponse {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 16))]
    #[schema(max_length = 16, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub language: Option<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 20000))]
    #[schema(max_length = 20000, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub body: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CannedFilterParams {
    pub language: Option<String>,
    /// Search in name and body.
    pub q: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"ticket_id": "01933b5e-0000-7000-8000-000000000040"}))]
pub struct RenderCanned {
    pub ticket_id: Uuid,
}

#[derive(Serialize, ToSchema)]
pub struct RenderedCanned {
    pub body: String,
}

fn check_body(fields: &mut Fields, body: Option<&str>) {
    if let Some(body) = body
        && let Err(e) = rules::check(body)
    {
        fields.add("body", field::TEMPLATE, e.to_string());
    }
}

/// Lists canned responses.
#[utoipa::path(
    operation_id = "list_canned_responses",tag = tags::CANNED, params(PageParams, CannedFilterParams), responses((status = 200, body = Paged<CannedResponseOut>)), security(("bearer" = [])))]
#[get("/canned-responses")]
pub async fn list(
    _auth: Authorized<can::CannedRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<CannedFilterParams>,
) -> ApiResult<web::Json<Paged<CannedResponseOut>>> {
    let page = canned_responses::list(&state.db, filter.language.as_deref(), filter.q.as_deref(), page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, CannedResponseOut::from)))
}

/// Creates a canned response (coordinators); unknown placeholders are refused.
#[utoipa::path(
    operation_id = "create_canned_response",
    tag = tags::CANNED,
    request_body = CreateCannedResponse,
    responses(
        (status = 201, body = CannedResponseOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`name_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/canned-responses")]
pub async fn create(
    _auth: Authorized<can::CannedManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateCannedResponse>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    check_body(&mut fields, Some(&body.body));
    fields.finish()?;
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let canned = canned_responses::create(&txn, body.name.trim().to_owned(), body.language.trim().to_lowercase(), body.body, now()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(created(format!("/api/v1/canned-responses/{}", canned.id), canned.version, &CannedResponseOut::from(canned)))
}

/// One canned response.
#[utoipa::path(
    operation_id = "get_canned_response",
    tag = tags::CANNED,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CannedResponseOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []))
)]
#[get("/canned-responses/{id}")]
pub async fn get(_auth: Authorized<can::CannedRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let canned = canned_responses::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), canned.version, &CannedResponseOut::from(canned)))
}

/// Changes a canned response (coordinators).
#[utoipa::path(
    operation_id = "update_canned_response",
    tag = tags::CANNED,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateCannedResponse,
    responses(
        (status = 200, body = CannedResponseOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`name_taken`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []))
)]
#[patch("/canned-responses/{id}")]
pub async fn update(
    _auth: Authorized<can::CannedManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateCannedResponse>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    check_body(&mut fields, body.body.as_deref());
    fields.finish()?;
    let changes = CannedChanges {
        name: body.name.map(|n| n.trim().to_owned()),
        language: body.language.map(|l| l.trim().to_lowercase()),
        body: body.body,
        active: body.active,
    };
    let canned = canned_responses::update(&state.db, id.into_inner(), if_match.0, changes, now()).await?;
    Ok(versioned(HttpResponse::Ok(), canned.version, &CannedResponseOut::from(canned)))
}

/// Deletes a canned response (coordinators).
#[utoipa::path(
    operation_id = "delete_canned_response",
    tag = tags::CANNED,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "deleted"), NotFound),
    security(("bearer" = []))
)]
#[delete("/canned-responses/{id}")]
pub async fn delete(_auth: Authorized<can::CannedManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    canned_responses::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Renders a canned response for a ticket the caller can see, as the calling agent.
#[utoipa::path(
    tag = tags::CANNED,
    params(("id" = Uuid, Path)),
    request_body = RenderCanned,
    responses((status = 200, body = RenderedCanned), NotFound),
    security(("bearer" = []))
)]
#[post("/canned-responses/{id}/render")]
pub async fn render(
    auth: Authorized<can::CannedRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<RenderCanned>,
) -> ApiResult<web::Json<RenderedCanned>> {
    let canned = canned_responses::get(&state.db, id.into_inner()).await?;
    let visibility = servdesk_usecases::access::visibility(&state.db, auth.principal()).await?;
    let ticket = referenced("ticket_id", tickets::get_visible(&state.db, body.ticket_id, &visibility).await)?;
    let statuses = servdesk_usecases::tickets::statuses(&state, &state.db, &[ticket.status_id]).await?;
    let mut values: BTreeMap<&str, String> = BTreeMap::new();
    values.insert("ticket.number", ticket.number.clone());
    values.insert("ticket.title", ticket.title.clone());
    if let Some(status) = statuses.iter().find(|s| s.id == ticket.status_id) {
        values.insert("ticket.status", status.name.clone());
    }
    if let Some(id) = ticket.contact_id {
        values.insert("contact.name", contacts::get(&state.db, id).await?.name);
    }
    if let Some(id) = ticket.customer_id {
        values.insert("customer.name", customers::get(&state.db, id).await?.name);
    }
    if let Some(id) = auth.principal().user_id() {
        let agent = users::get(&state.db, id).await?;
        values.insert("agent.name", agent.name);
        values.insert("agent.email", agent.email.to_string());
    }
    let body = rules::render(&canned.body, &values).map_err(|e| ApiError::internal(format!("stored template no longer valid: {e}")))?;
    Ok(web::Json(RenderedCanned { body }))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(update).service(delete).service(render);
}
