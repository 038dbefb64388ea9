//! Custom field definitions: admins define them per ticket or task category; every caller
//! reads them to render and check forms (`custom_fields` on tickets and tasks).

use actix_web::{HttpResponse, delete, get, post, put, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::custom_fields::{FieldDefinition, FieldEntity, FieldKind};
use servdesk_persistence::custom_fields as store;
use servdesk_usecases::custom_fields as usecase;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "entity": "ticket", "key": "meter_reading", "label": "Meter reading", "kind": "integer",
    "required": true, "min": 0
}))]
pub struct FieldIn {
    #[schema(schema_with = wire::field_entity)]
    pub entity: FieldEntity,
    /// The ticket or task category it applies to; absent: every category.
    pub category_id: Option<Uuid>,
    /// Its name in `custom_fields`: lowercase letters, digits and `_`, starting with a letter.
    /// Kept when the field is replaced.
    #[validate(length(min = 1, max = 64))]
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z][a-z0-9_]*$")]
    pub key: String,
    #[validate(length(min = 1, max = 200))]
    #[schema(min_length = 1, max_length = 200)]
    pub label: String,
    #[schema(schema_with = wire::field_kind)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Text: the shortest length; numbers: the smallest value; multiple choice: the fewest
    /// choices.
    pub min: Option<f64>,
    /// As `min`, the other end.
    pub max: Option<f64>,
    /// Text only: a regular expression the whole value must match.
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub pattern: Option<String>,
    /// The choices of a single or multiple choice.
    #[serde(default)]
    #[validate(length(max = 200))]
    #[schema(max_items = 200)]
    pub options: Vec<String>,
    /// Where forms show it, smallest first.
    #[serde(default)]
    pub position: i32,
    /// Off: not asked for and not accepted any more; values kept are still shown.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl FieldIn {
    fn definition(self) -> FieldDefinition {
        FieldDefinition {
            id: Uuid::nil(),
            entity: self.entity,
            category_id: self.category_id,
            key: self.key.trim().to_owned(),
            label: self.label.trim().to_owned(),
            kind: self.kind,
            required: self.required,
            min: self.min,
            max: self.max,
            pattern: self.pattern.filter(|p| !p.trim().is_empty()),
            options: self.options.into_iter().map(|o| o.trim().to_owned()).collect(),
            position: self.position,
            active: self.active,
            version: 0,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FieldOut {
    pub id: Uuid,
    #[schema(schema_with = wire::field_entity)]
    pub entity: FieldEntity,
    pub category_id: Option<Uuid>,
    pub key: String,
    pub label: String,
    #[schema(schema_with = wire::field_kind)]
    pub kind: FieldKind,
    pub required: bool,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub pattern: Option<String>,
    pub options: Vec<String>,
    pub position: i32,
    pub active: bool,
    pub version: i64,
}

impl From<FieldDefinition> for FieldOut {
    fn from(d: FieldDefinition) -> Self {
        Self {
            id: d.id,
            entity: d.entity,
            category_id: d.category_id,
            key: d.key,
            label: d.label,
            kind: d.kind,
            required: d.required,
            min: d.min,
            max: d.max,
            pattern: d.pattern,
            options: d.options,
            position: d.position,
            active: d.active,
            version: d.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FieldsOut {
    pub items: Vec<FieldOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldFilterParams {
    /// Only the fields of tickets or of tasks.
    #[param(schema_with = wire::field_entity)]
    pub entity: Option<FieldEntity>,
}

const INVALID: &str = "`validation_failed`: a key that is not snake_case, a choice without options (or options on another kind), a pattern \
                       that does not compile or on a field that is not text, bounds on a kind without them, or an unknown category";

/// The custom fields, of tickets and tasks, in their order: what `custom_fields` may hold.
#[utoipa::path(
    operation_id = "list_custom_fields",
    tag = tags::DICTIONARIES,
    params(FieldFilterParams),
    responses((status = 200, body = FieldsOut)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/custom-fields")]
pub async fn list(
    _auth: Authorized<can::DictionariesRead>,
    state: web::Data<AppState>,
    filter: web::Query<FieldFilterParams>,
) -> ApiResult<web::Json<FieldsOut>> {
    Ok(web::Json(FieldsOut { items: store::list(&state.db, filter.entity).await?.into_iter().map(FieldOut::from).collect() }))
}

/// Defines a custom field.
#[utoipa::path(
    operation_id = "create_custom_field",
    tag = tags::DICTIONARIES,
    request_body = FieldIn,
    responses(
        (status = 201, body = FieldOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`custom_field_key_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/custom-fields")]
pub async fn create(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    body: web::Json<FieldIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let d = usecase::define(&state, body.into_inner().definition()).await?;
    Ok(created(format!("/api/v1/custom-fields/{}", d.id), d.version, &FieldOut::from(d)))
}

/// One custom field.
#[utoipa::path(
    operation_id = "get_custom_field",
    tag = tags::DICTIONARIES,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = FieldOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/custom-fields/{id}")]
pub async fn get(_auth: Authorized<can::DictionariesRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let d = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), d.version, &FieldOut::from(d)))
}

/// Replaces a custom field's settings (its kind of record and key stay: values are kept
/// under the key). Values already kept are not checked again until their record changes.
#[utoipa::path(
    operation_id = "replace_custom_field",
    tag = tags::DICTIONARIES,
    params(("id" = Uuid, Path), IfMatch),
    request_body = FieldIn,
    responses(
        (status = 200, body = FieldOut, headers(("ETag" = String))),
        NotFound,
        StaleVersion,
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/custom-fields/{id}")]
pub async fn replace(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<FieldIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let d = usecase::replace(&state, id.into_inner(), if_match.0, body.into_inner().definition()).await?;
    Ok(versioned(HttpResponse::Ok(), d.version, &FieldOut::from(d)))
}

/// Removes a custom field's definition; values kept under its key stay on their records
/// (switch it off with `active: false` to keep the definition).
#[utoipa::path(
    operation_id = "delete_custom_field",
    tag = tags::DICTIONARIES,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), NotFound),
    security(("bearer" = []))
)]
#[delete("/custom-fields/{id}")]
pub async fn remove(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    store::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(replace).service(remove);
}
