//! Defining web forms (admins): fields, the choice that routes a request, the origins that
//! may post, the language of the messages, what happens on success.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::forms::{Choice, Definition, FieldKind, FieldRole, FormField, Routing, WebForm};
use servdesk_usecases::forms as usecase;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation;
use crate::dto::RoutingDto;
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ChoiceDto {
    #[schema(max_length = 100)]
    pub value: String,
    #[schema(max_length = 200)]
    pub label: String,
    /// Where choosing it sends the request (the customer picks the department).
    #[serde(default)]
    pub routing: Option<RoutingDto>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FormFieldDto {
    /// Posted under this name: lower-case letters, digits and `_`.
    #[schema(max_length = 64, example = "email")]
    pub name: String,
    #[schema(max_length = 200)]
    pub label: String,
    #[schema(schema_with = wire::form_field_kind)]
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// What the answer becomes on the call.
    #[serde(default)]
    #[schema(schema_with = wire::form_field_role_or_null)]
    pub role: Option<FieldRole>,
    /// A select's options.
    #[serde(default)]
    pub options: Vec<ChoiceDto>,
    #[serde(default)]
    #[schema(max_length = 200)]
    pub placeholder: Option<String>,
}

impl From<FormFieldDto> for FormField {
    fn from(f: FormFieldDto) -> Self {
        FormField {
            name: f.name.trim().to_owned(),
            label: f.label.trim().to_owned(),
            kind: f.kind,
            required: f.required,
            role: f.role,
            options: f
                .options
                .into_iter()
                .map(|o| Choice {
                    value: o.value.trim().to_owned(),
                    label: o.label,
                    routing: o.routing.map(Routing::from).unwrap_or_default(),
                })
                .collect(),
            placeholder: f.placeholder,
        }
    }
}

impl From<FormField> for FormFieldDto {
    fn from(f: FormField) -> Self {
        FormFieldDto {
            name: f.name,
            label: f.label,
            kind: f.kind,
            required: f.required,
            role: f.role,
            options: f
                .options
                .into_iter()
                .map(|o| ChoiceDto { value: o.value, label: o.label, routing: (!o.routing.is_empty()).then(|| o.routing.into()) })
                .collect(),
            placeholder: f.placeholder,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "slug": "service-request", "title": "Report a fault", "language": "en",
    "fields": [
        {"name": "name", "label": "Your name", "kind": "text", "required": true, "role": "sender_name"},
        {"name": "email", "label": "Email", "kind": "email", "required": true, "role": "sender_email"},
        {"name": "department", "label": "Department", "kind": "select", "required": true, "role": "subject",
         "options": [{"value": "heating", "label": "Heating"}, {"value": "cooling", "label": "Cooling"}]},
        {"name": "message", "label": "What happened?", "kind": "textarea", "required": true, "role": "message"}
    ],
    "allowed_origins": ["https://www.example.com"],
    "success_text": "Thank you, we will get back to you shortly."
}))]
pub struct FormIn {
    #[schema(max_length = 64, example = "service-request")]
    pub slug: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200)]
    pub title: String,
    pub description: Option<String>,
    /// The language of the form's messages: `en`, `pl`, `it`, `sl` or `hr` (others answer in English).
    #[serde(default = "english")]
    #[validate(custom(function = "validation::language"))]
    pub language: String,
    pub fields: Vec<FormFieldDto>,
    /// Websites that may show and post it (`https://www.example.com`, no path).
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 2000))]
    #[schema(max_length = 2000)]
    pub success_text: String,
    /// Where a plain HTML form is sent after posting (303); without it a short page thanks the sender.
    #[validate(url)]
    pub thank_you_url: Option<String>,
    /// Submissions become tickets at once instead of waiting in the triage queue.
    #[serde(default)]
    pub auto_convert: bool,
    /// Where every submission goes unless a chosen option says otherwise.
    #[serde(default)]
    pub routing: RoutingDto,
    /// Seconds a person needs at least to fill the form in (slower is a bot's); 0 turns the check off.
    #[serde(default = "three")]
    #[schema(minimum = 0, maximum = 3600)]
    pub min_fill_seconds: i32,
    #[serde(default = "yes")]
    pub active: bool,
}

fn english() -> String {
    "en".to_owned()
}
fn three() -> i32 {
    3
}
fn yes() -> bool {
    true
}

impl From<FormIn> for Definition {
    fn from(f: FormIn) -> Self {
        Definition {
            slug: f.slug.trim().to_owned(),
            title: f.title.trim().to_owned(),
            description: f.description,
            language: f.language.trim().to_lowercase(),
            fields: f.fields.into_iter().map(FormField::from).collect(),
            allowed_origins: f.allowed_origins.into_iter().map(|o| o.trim().trim_end_matches('/').to_owned()).collect(),
            success_text: f.success_text,
            thank_you_url: f.thank_you_url,
            auto_convert: f.auto_convert,
            routing: f.routing.into(),
            min_fill_seconds: f.min_fill_seconds,
            active: f.active,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FormOut {
    pub id: Uuid,
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub fields: Vec<FormFieldDto>,
    pub allowed_origins: Vec<String>,
    pub success_text: String,
    pub thank_you_url: Option<String>,
    pub auto_convert: bool,
    pub routing: RoutingDto,
    pub min_fill_seconds: i32,
    pub active: bool,
    /// The address of the embed script (the `src` of the script tag a website pastes), relative to this server.
    #[schema(example = "/api/v1/public/forms/service-request/embed.js")]
    pub embed_script: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<WebForm> for FormOut {
    fn from(f: WebForm) -> Self {
        let d = f.definition;
        FormOut {
            embed_script: format!("/api/v1/public/forms/{}/embed.js", d.slug),
            id: f.id,
            slug: d.slug,
            title: d.title,
            description: d.description,
            language: d.language,
            fields: d.fields.into_iter().map(FormFieldDto::from).collect(),
            allowed_origins: d.allowed_origins,
            success_text: d.success_text,
            thank_you_url: d.thank_you_url,
            auto_convert: d.auto_convert,
            routing: d.routing.into(),
            min_fill_seconds: d.min_fill_seconds,
            active: d.active,
            version: f.version,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

const INVALID: &str = "`validation_failed`: the definition's problems per field (`fields[2].options`, `allowed_origins[0]`, …)";

/// Defines a web form.
#[utoipa::path(
    operation_id = "create_form",
    tag = tags::FORMS,
    request_body = FormIn,
    responses(
        (status = 201, body = FormOut),
        (status = 409, description = "`slug_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/forms")]
pub async fn create(_auth: Authorized<can::FormsManage>, state: web::Data<AppState>, body: web::Json<FormIn>) -> ApiResult<HttpResponse> {
    body.validate()?;
    let form = usecase::create(&state, body.into_inner().into()).await?;
    Ok(created(format!("/api/v1/forms/{}", form.id), form.version, &FormOut::from(form)))
}

/// The web forms.
#[utoipa::path(
    operation_id = "list_forms",
    tag = tags::FORMS,
    params(PageParams),
    responses((status = 200, body = Paged<FormOut>)),
    security(("bearer" = []))
)]
#[get("/forms")]
pub async fn list(
    _auth: Authorized<can::FormsManage>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<FormOut>>> {
    Ok(web::Json(Paged::from_page(usecase::list(&state, page.to_request()?).await?, FormOut::from)))
}

/// One web form.
#[utoipa::path(
    operation_id = "get_form",
    tag = tags::FORMS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = FormOut), NotFound),
    security(("bearer" = []))
)]
#[get("/forms/{id}")]
pub async fn get(_auth: Authorized<can::FormsManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let form = usecase::get(&state, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), form.version, &FormOut::from(form)))
}

/// Replaces a form's definition (`If-Match` to guard against a colleague's change).
#[utoipa::path(
    operation_id = "replace_form",
    tag = tags::FORMS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = FormIn,
    responses(
        (status = 200, body = FormOut),
        NotFound,
        StaleVersion,
        (status = 409, description = "`slug_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/forms/{id}")]
pub async fn replace(
    _auth: Authorized<can::FormsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<FormIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let form = usecase::replace(&state, id.into_inner(), if_match.0, body.into_inner().into()).await?;
    Ok(versioned(HttpResponse::Ok(), form.version, &FormOut::from(form)))
}

/// Deletes a form (its calls keep what was submitted; its public URL answers 404).
#[utoipa::path(
    operation_id = "delete_form",
    tag = tags::FORMS,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), NotFound),
    security(("bearer" = []))
)]
#[delete("/forms/{id}")]
pub async fn remove(_auth: Authorized<can::FormsManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    usecase::delete(&state, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(get).service(replace).service(remove);
}
