//! The public side of web forms: the definition (for sites that render their own form),
//! submissions as JSON, `multipart/form-data` (with files) or a plain HTML form
//! (`application/x-www-form-urlencoded`, answered with a redirect to the thank-you page), and
//! the embed script. Only the form's allowed origins may post from a browser.

use std::collections::BTreeMap;

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::Serialize;
use servdesk_domain::errors::code;
use servdesk_domain::forms::{self, FieldKind, WebForm};
use servdesk_usecases::forms::{self as usecase, Submission, Taken};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::conventions::body::read_limited;
use crate::conventions::upload::{self, FormSpec, Received};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, tags};
use crate::state::{AppState, now};
use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct PublicChoice {
    pub value: String,
    pub label: String,
}

#[derive(Serialize, ToSchema)]
pub struct PublicField {
    pub name: String,
    pub label: String,
    #[schema(schema_with = wire::form_field_kind)]
    pub kind: FieldKind,
    pub required: bool,
    pub options: Vec<PublicChoice>,
    pub placeholder: Option<String>,
}

/// The form's messages in its language.
#[derive(Serialize, ToSchema)]
pub struct FormMessages {
    pub required: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub option: &'static str,
    pub too_long: &'static str,
    pub send: &'static str,
    pub sending: &'static str,
    pub failed: &'static str,
}

/// A form as a website renders it. Post back `issued` under `issued_field`, and an empty
/// `honeypot` field hidden from people: submissions without them are dropped as bots'.
#[derive(Serialize, ToSchema)]
pub struct PublicForm {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    pub language: String,
    pub fields: Vec<PublicField>,
    pub success_text: String,
    #[schema(example = "/api/v1/public/forms/service-request/submissions")]
    pub submit_url: String,
    /// The signed moment the form was handed out.
    pub issued: String,
    #[schema(example = "_ts")]
    pub issued_field: &'static str,
    #[schema(example = "_hp")]
    pub honeypot: &'static str,
    pub messages: FormMessages,
}

fn public_form(state: &AppState, form: &WebForm) -> PublicForm {
    let d = &form.definition;
    let m = |key| forms::message(&d.language, key);
    PublicForm {
        slug: d.slug.clone(),
        title: d.title.clone(),
        description: d.description.clone(),
        language: d.language.clone(),
        fields: d
            .fields
            .iter()
            .map(|f| PublicField {
                name: f.name.clone(),
                label: f.label.clone(),
                kind: f.kind,
                required: f.required,
                options: f.options.iter().map(|o| PublicChoice { value: o.value.clone(), label: o.label.clone() }).collect(),
                placeholder: f.placeholder.clone(),
            })
            .collect(),
        success_text: d.success_text.clone(),
        submit_url: format!("/api/v1/public/forms/{}/submissions", d.slug),
        issued: usecase::issue_token(state, form, now()),
        issued_field: forms::ISSUED,
        honeypot: forms::HONEYPOT,
        messages: FormMessages {
            required: m("required"),
            email: m("email"),
            phone: m("phone"),
            option: m("option"),
            too_long: m("too_long"),
            send: m("send"),
            sending: m("sending"),
            failed: m("failed"),
        },
    }
}

/// The form of a request whose browser origin (if any) it allows.
async fn allowed_form(state: &AppState, req: &HttpRequest, slug: &str) -> ApiResult<WebForm> {
    let form = usecase::public(state, slug).await?;
    if let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok())
        && !form.allows_origin(origin)
        && !same_origin(req, origin)
    {
        return Err(usecase::origin_refused(&form, origin).into());
    }
    Ok(form)
}

/// A page served by Servdesk itself (the thank-you page's back link, a test page).
fn same_origin(req: &HttpRequest, origin: &str) -> bool {
    let info = req.connection_info();
    origin.split_once("://").is_some_and(|(scheme, host)| scheme == info.scheme() && host == info.host())
}

/// A web form as a website renders it.
#[utoipa::path(
    operation_id = "get_public_form",
    tag = tags::PUBLIC,
    params(("slug" = String, Path)),
    responses(
        (status = 200, body = PublicForm),
        NotFound,
        (status = 403, description = "`origin_not_allowed`: a browser on a site the form does not list", body = Problem, content_type = "application/problem+json")
    )
)]
#[get("/public/forms/{slug}")]
pub async fn definition(state: web::Data<AppState>, req: HttpRequest, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    let form = allowed_form(&state, &req, &slug).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(public_form(&state, &form)))
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedOut {
    #[schema(example = "received")]
    pub status: &'static str,
    /// The form's success text.
    pub message: String,
}

/// An answer: text, or a checkbox's tick.
#[derive(serde::Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Text(String),
    Tick(bool),
}

/// A submission as JSON: the answers by field name.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ivo Horvat", "email": "ivo@example.com", "department": "heating", "message": "No hot water since this morning.", "_ts": "1796000000.3f1c…", "_hp": ""}))]
pub struct SubmissionJson(std::collections::BTreeMap<String, Answer>);

/// A submission as a form: the answers as text parts, the files as parts of their file field.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct SubmissionForm {
    /// A file; repeat the part for more.
    #[schema(value_type = String, format = Binary, required = false)]
    file: Option<Vec<u8>>,
}

/// Submits a form: JSON, `multipart/form-data` (with files) or a plain HTML form
/// (`application/x-www-form-urlencoded`: answered with 303 to the form's thank-you page).
/// Bots (a filled honeypot, too fast, no issue time) get the same answer and nothing is kept.
#[utoipa::path(
    operation_id = "submit_form",
    tag = tags::PUBLIC,
    params(("slug" = String, Path)),
    request_body(content(
        (SubmissionJson = "application/json"),
        (SubmissionForm = "multipart/form-data"),
        (SubmissionJson = "application/x-www-form-urlencoded")
    )),
    responses(
        (status = 201, body = ReceivedOut),
        (status = 200, description = "A plain HTML form of a form without a thank-you page: a short page with the success text", content_type = "text/html", body = String),
        (status = 303, description = "A plain HTML form: on to the thank-you page"),
        NotFound,
        (status = 403, description = "`origin_not_allowed`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`attachment_too_large` or `payload_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: each field's problem in the form's language; files: `content_type_mismatch`, `forbidden_type`", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`rate_limited`: per address and form, or per form", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/public/forms/{slug}/submissions")]
pub async fn submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    slug: web::Path<String>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let form = allowed_form(&state, &req, &slug).await?;
    let essence = crate::conventions::body::media_type(&req);
    let plain_html = essence == "application/x-www-form-urlencoded";
    let submission = match essence.as_str() {
        "application/json" => {
            let bytes = read_limited(&mut payload.into_inner(), state.config.json_limit_bytes).await?;
            let SubmissionJson(answers) = crate::conventions::problems::json_body(&bytes)?;
            let values = answers
                .into_iter()
                .map(|(k, v)| match v {
                    Answer::Text(s) => (k, s),
                    Answer::Tick(b) => (k, b.to_string()),
                })
                .collect();
            Submission { values, files: Vec::new() }
        }
        "application/x-www-form-urlencoded" => {
            let bytes = read_limited(&mut payload.into_inner(), state.config.json_limit_bytes).await?;
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(&bytes).map_err(|_| ApiError::new(code::MALFORMED_BODY, "the form body could not be read"))?;
            Submission { values: pairs.into_iter().collect(), files: Vec::new() }
        }
        "multipart/form-data" => {
            let d = &form.definition;
            let files: Vec<&str> = d.fields.iter().filter(|f| f.kind == FieldKind::File).map(|f| f.name.as_str()).collect();
            let mut texts: Vec<&str> = d.fields.iter().filter(|f| f.kind != FieldKind::File).map(|f| f.name.as_str()).collect();
            texts.extend([forms::HONEYPOT, forms::ISSUED]);
            let spec = FormSpec { files: &files, fields: &texts, require_files: false };
            let received =
                upload::receive_form(&state.storage, state.config.attachment_max_bytes, Multipart::new(req.headers(), payload), &spec)
                    .await?;
            let values: BTreeMap<String, String> = received.fields.into_iter().collect();
            Submission { values, files: received.files.iter().map(|f: &Received| (f.part.clone(), f.stored())).collect() }
        }
        _ => {
            return Err(ApiError::new(
                code::UNSUPPORTED_MEDIA_TYPE,
                "send application/json, multipart/form-data or application/x-www-form-urlencoded",
            ));
        }
    };
    let taken = usecase::submit(&state, &form, submission).await?;
    if let Taken::Call { call, .. } = &taken {
        tracing::info!(form = %form.definition.slug, call = %call.number, "web form submission taken");
    }
    let d = &form.definition;
    if plain_html {
        return Ok(match &d.thank_you_url {
            Some(url) => HttpResponse::SeeOther().insert_header((header::LOCATION, url.as_str())).finish(),
            None => HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'"))
                .body(thank_you_page(&d.language, &d.title, &d.success_text)),
        });
    }
    Ok(HttpResponse::Created().json(ReceivedOut { status: "received", message: d.success_text.clone() }))
}

fn thank_you_page(language: &str, title: &str, text: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>\n",
        escape(language),
        escape(title),
        escape(title),
        escape(text)
    )
}

const EMBED: &str = include_str!("embed.js");

/// The embed script: a script tag with this address as its `src` and `data-target="#servdesk-form"`
/// renders the form into that element (plain HTML with `servdesk-*` classes the site's CSS styles),
/// checks required fields, posts it and shows the answer in the form's language.
#[utoipa::path(
    operation_id = "form_embed_script",
    tag = tags::PUBLIC,
    params(("slug" = String, Path)),
    responses((status = 200, description = "The script", content_type = "text/javascript", body = String), NotFound)
)]
#[get("/public/forms/{slug}/embed.js")]
pub async fn embed(state: web::Data<AppState>, slug: web::Path<String>) -> ApiResult<HttpResponse> {
    let form = usecase::public(&state, &slug).await?;
    let slug = serde_json::to_string(&form.definition.slug).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .insert_header(("Cross-Origin-Resource-Policy", "cross-origin"))
        .body(EMBED.replace("__SLUG__", &slug)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(definition).service(submit).service(embed);
}
