//! Field completion of a task — the electronic work order — in one multipart request, and the
//! completion as recorded. All or nothing: files are checked and stored first, then every
//! other part is checked, then one transaction writes it all; any failure leaves nothing.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::attachments::Attachment;
use servdesk_domain::completion::{self as rules, Completion, Material};
use servdesk_domain::errors::{Code, field};
use servdesk_domain::time::{self as time_rules};
use servdesk_persistence::completion;
use servdesk_usecases::access::visible_task;
use servdesk_usecases::completion::{self as completion_cases, Completed, CompletionFile};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::upload::{self, Form, FormSpec};
use crate::dto::AttachmentOut;
use crate::dto::TaskOut;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::{AppState, now};

const DATA_PART: &str = "data";
const PHOTO_PART: &str = "photo";
const SIGNATURE_PART: &str = "signature";

/// The `data` part of a completion (JSON).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({
    "work_done": "Replaced the pressure sensor P-7 and recalibrated; tested at 4 bar for 30 min.",
    "completed_at": "2026-11-24T10:40:00Z",
    "checklist": [{"item_id": "01933b5e-0000-7000-8000-000000000051", "checked": true}],
    "materials": [{"description": "Pressure sensor PS-10", "quantity": 1, "unit": "pcs", "unit_price_minor": 8900}],
    "signer_name": "Ana Kos",
    "signed_at": "2026-11-24T10:42:00Z",
    "time_entries": [{"started_at": "2026-11-24T08:55:00Z", "ended_at": "2026-11-24T10:40:00Z", "note": "On site"}]
}))]
#[serde(deny_unknown_fields)]
pub struct CompletionData {
    /// What was done (required).
    pub work_done: String,
    /// Default: now. Not in the future.
    pub completed_at: Option<DateTime<Utc>>,
    /// Results for the task's checklist lines (lines not named stay as they are).
    #[serde(default)]
    pub checklist: Vec<ChecklistResult>,
    #[serde(default)]
    pub materials: Vec<MaterialIn>,
    /// Who signed (with the `signature` part).
    pub signer_name: Option<String>,
    /// Default: the completion time.
    pub signed_at: Option<DateTime<Utc>>,
    /// Time worked, logged for the caller as `completion` entries.
    #[serde(default)]
    pub time_entries: Vec<TimeIn>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistResult {
    pub item_id: Uuid,
    pub checked: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MaterialIn {
    pub description: String,
    /// Up to three decimals (`1.5`).
    #[schema(value_type = f64)]
    pub quantity: serde_json::Number,
    /// `pcs`, `m`, `kg`, `l`, `h`, …
    pub unit: String,
    /// Price of one unit in minor units (cents).
    pub unit_price_minor: i64,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeIn {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub note: Option<String>,
    pub billable: Option<bool>,
}

/// The multipart form of a completion.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CompletionForm {
    /// [`CompletionData`] as JSON.
    #[schema(value_type = CompletionData)]
    data: String,
    /// Photos, JPEG or PNG (judged from the bytes); repeat the part, up to 19.
    #[schema(value_type = Vec<String>, format = Binary)]
    photo: Vec<Vec<u8>>,
    /// The customer's signature as a PNG, with `signer_name` in `data`.
    #[schema(value_type = String, format = Binary)]
    signature: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialOut {
    pub description: String,
    /// As sent (`"1.5"`).
    pub quantity: String,
    pub unit: String,
    pub unit_price_minor: i64,
    /// Quantity × unit price, rounded half up.
    pub total_minor: i64,
}

impl From<Material> for MaterialOut {
    fn from(m: Material) -> Self {
        Self {
            quantity: rules::format_quantity(m.quantity_milli),
            description: m.description,
            unit: m.unit,
            unit_price_minor: m.unit_price_minor,
            total_minor: m.total_minor,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SignatureOut {
    pub signer_name: String,
    pub signed_at: DateTime<Utc>,
    pub attachment: AttachmentOut,
}

#[derive(Serialize, ToSchema)]
pub struct CompletionOut {
    pub task: TaskOut,
    pub work_done: String,
    pub completed_at: DateTime<Utc>,
    pub completed_by: Option<Uuid>,
    pub materials: Vec<MaterialOut>,
    pub materials_total_minor: i64,
    pub photos: Vec<AttachmentOut>,
    pub signature: Option<SignatureOut>,
    /// The intervention report.
    #[schema(example = "/api/v1/tasks/01933b5e-0000-7000-8000-000000000041/report.pdf")]
    pub report_url: String,
}

/// Everything checked before the database is touched.
struct Checked {
    data: CompletionData,
    materials: Vec<Material>,
    spans: Vec<(time_rules::Span, Option<String>, bool)>,
    completed_at: DateTime<Utc>,
    signed_at: Option<DateTime<Utc>>,
}

fn check(form: &Form, now: DateTime<Utc>) -> ApiResult<Checked> {
    let raw = form
        .field(DATA_PART)
        .ok_or_else(|| ApiError::invalid_field(DATA_PART, field::REQUIRED, "send the completion as a JSON part named \"data\""))?;
    let data: CompletionData = serde_json::from_str(raw)
        .map_err(|e| ApiError::invalid_field(DATA_PART, field::INVALID_JSON, format!("the data part is not a valid completion: {e}")))?;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fail = |field: String, code: Code, message: String| errors.push(FieldError::new(field, code, message));
    if data.work_done.trim().is_empty() {
        fail("work_done".into(), field::REQUIRED, "say what was done".into());
    } else if data.work_done.len() > 20_000 {
        fail("work_done".into(), field::TOO_LONG, "at most 20000 characters".into());
    }
    let completed_at = data.completed_at.map(servdesk_domain::clock::truncate).unwrap_or(now);
    if completed_at > now + Duration::minutes(1) {
        fail("completed_at".into(), field::IN_THE_FUTURE, "a task cannot be completed in the future".into());
    }
    let mut materials = Vec::with_capacity(data.materials.len());
    for (i, m) in data.materials.iter().enumerate() {
        let at = |f: &str| format!("materials[{i}].{f}");
        if m.description.trim().is_empty() || m.description.len() > 500 {
            fail(at("description"), field::REQUIRED, "a description of up to 500 characters".into());
        }
        if m.unit.trim().is_empty() || m.unit.len() > 16 {
            fail(at("unit"), field::REQUIRED, "a unit of up to 16 characters".into());
        }
        if !(0..=1_000_000_000).contains(&m.unit_price_minor) {
            fail(at("unit_price_minor"), field::OUT_OF_RANGE, "between 0 and 1000000000".into());
        }
        match rules::parse_quantity(&m.quantity.to_string()) {
            Ok(quantity_milli) => materials.push(Material {
                description: m.description.trim().to_owned(),
                quantity_milli,
                unit: m.unit.trim().to_owned(),
                unit_price_minor: m.unit_price_minor,
                total_minor: rules::line_total_minor(quantity_milli, m.unit_price_minor),
            }),
            Err(e) => fail(at("quantity"), field::INVALID_QUANTITY, e.to_string()),
        }
    }
    let has_signature = form.files.iter().any(|f| f.part == SIGNATURE_PART);
    if let Err(e) = rules::check_signature(has_signature, data.signer_name.as_deref()) {
        let field = if has_signature { "signer_name" } else { SIGNATURE_PART };
        fail(field.into(), field::SIGNATURE_INCOMPLETE, e.to_string());
    }
    if data.signer_name.as_ref().is_some_and(|n| n.len() > 200) {
        fail("signer_name".into(), field::TOO_LONG, "at most 200 characters".into());
    }
    let signed_at = has_signature.then(|| data.signed_at.map(servdesk_domain::clock::truncate).unwrap_or(completed_at));
    if signed_at.is_some_and(|s| s > now + Duration::minutes(1)) {
        fail("signed_at".into(), field::IN_THE_FUTURE, "a signature cannot be in the future".into());
    }
    let signatures = form.files.iter().filter(|f| f.part == SIGNATURE_PART).count();
    if signatures > 1 {
        fail(SIGNATURE_PART.into(), field::REPEATED_PART, "one signature per completion".into());
    }
    for file in &form.files {
        match file.part.as_str() {
            SIGNATURE_PART if file.content_type != "image/png" => {
                fail(SIGNATURE_PART.into(), field::NOT_PNG, format!("{}: the signature must be a PNG image", file.filename));
            }
            PHOTO_PART if !matches!(file.content_type.as_str(), "image/jpeg" | "image/png") => {
                fail(
                    PHOTO_PART.into(),
                    field::NOT_A_PHOTO,
                    format!("{}: photos are JPEG or PNG images ({} is not)", file.filename, file.content_type),
                );
            }
            _ => {}
        }
    }
    let mut spans = Vec::with_capacity(data.time_entries.len());
    for (i, t) in data.time_entries.iter().enumerate() {
        match time_rules::span(t.started_at, t.ended_at, t.work_date, t.minutes, now) {
            Ok(span) => {
                spans.push((span, t.note.as_ref().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()), t.billable.unwrap_or(true)))
            }
            Err(e) => {
                let refused = servdesk_usecases::Error::domain(&e);
                for mut fe in refused.errors {
                    fe.field = format!("time_entries[{i}].{}", fe.field);
                    errors.push(fe);
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Checked { data, materials, spans, completed_at, signed_at })
}

/// Completes a task in the field, in one multipart request: a JSON part `data` (work done,
/// checklist results, materials, signer, time), `photo` parts (JPEG/PNG) and an optional
/// `signature` part (PNG). Any invalid part answers 422 and nothing is stored. The task becomes
/// `done` from whatever open status it had (completing the ticket's last open task closes
/// the ticket); the intervention report is then at `report_url`.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    request_body(content = CompletionForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = CompletionOut, headers(("Location" = String))),
        NotFound,
        (status = 409, description = "`task_closed`: done or cancelled; `already_completed`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`attachment_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`: the file store did not answer; nothing was kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not multipart/form-data", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid parts: `not_a_photo`, `not_png`, `signature_incomplete`, `invalid_quantity`, unknown checklist lines, time spans", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tasks/{id}/completion")]
pub async fn complete(
    auth: Authorized<can::TasksWork>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let principal = auth.principal();
    let id = id.into_inner();
    // Refuse early what cannot succeed, before receiving the files.
    let (task, _) = visible_task(&state.db, principal, id).await?;
    task.check_changeable().map_err(|e| servdesk_usecases::Error::domain(&e))?;
    let spec = FormSpec { files: &[PHOTO_PART, SIGNATURE_PART], fields: &[DATA_PART], require_files: false };
    let form = upload::receive_form(&state.storage, state.config.attachment_max_bytes, payload, &spec).await?;
    let result = record(&state, principal, id, &form).await;
    if result.is_err() {
        upload::discard(&state.storage, &form.files).await;
    }
    let out = result?;
    Ok(HttpResponse::Created().insert_header(("Location", format!("/api/v1/tasks/{id}/completion"))).json(out))
}

async fn record(state: &AppState, principal: &servdesk_domain::Principal, task_id: Uuid, form: &Form) -> ApiResult<CompletionOut> {
    let checked = check(form, now())?;
    let files = form.files.iter().map(|f| CompletionFile { file: f.stored(), signature: f.part == SIGNATURE_PART }).collect();
    let completed = Completed {
        work_done: checked.data.work_done,
        signer_name: checked.data.signer_name,
        checklist: checked.data.checklist.iter().map(|c| (c.item_id, c.checked)).collect(),
        materials: checked.materials,
        spans: checked.spans,
        completed_at: checked.completed_at,
        signed_at: checked.signed_at,
        files,
    };
    let recorded = completion_cases::record(state, principal, task_id, completed).await?;
    completion_out(&state.db, recorded.task, recorded.completion, recorded.photos, recorded.signature).await
}

async fn completion_out(
    conn: &impl servdesk_persistence::ConnectionTrait,
    task: servdesk_domain::tasks::Task,
    completion: Completion,
    photos: Vec<Attachment>,
    signature: Option<Attachment>,
) -> ApiResult<CompletionOut> {
    let materials = completion::materials(conn, task.id).await?;
    let report_url = format!("/api/v1/tasks/{}/report.pdf", task.id);
    Ok(CompletionOut {
        materials_total_minor: materials.iter().map(|m| m.total_minor).sum(),
        materials: materials.into_iter().map(MaterialOut::from).collect(),
        photos: photos.into_iter().map(AttachmentOut::from).collect(),
        signature: match (signature, completion.signer_name, completion.signed_at) {
            (Some(a), Some(signer_name), Some(signed_at)) => Some(SignatureOut { signer_name, signed_at, attachment: a.into() }),
            _ => None,
        },
        work_done: completion.work_done,
        completed_at: completion.completed_at,
        completed_by: completion.completed_by,
        task: TaskOut::read(conn, task).await?,
        report_url,
    })
}

/// The completion of a task as recorded.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = CompletionOut),
        (status = 404, description = "`not_found`: no such task, or not completed in the field", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}/completion")]
pub async fn get_completion(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<CompletionOut>> {
    let (task, _) = visible_task(&state.db, auth.principal(), id.into_inner()).await?;
    let completion = completion::get(&state.db, task.id).await?.ok_or_else(ApiError::not_found)?;
    let (photos, signature) = servdesk_usecases::documents::completion_files(&state.db, task.id).await?;
    Ok(web::Json(completion_out(&state.db, task, completion, photos, signature).await?))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(complete).service(get_completion);
}
