//! Bulk imports of the directory (onboarding from a previous system, or an ERP's export):
//! the file is the body, checked whole as it arrives, then imported by a job; the import
//! shows its progress and counts, and its report lists the rows not taken.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use servdesk_domain::errors::code;
use servdesk_domain::imports::{Import, ImportFormat, ImportKind, ImportStatus};
use servdesk_persistence::imports::{self as store, ImportFilter, RowError};
use servdesk_usecases::imports::{self as usecase, Upload};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::etag::versioned;
use crate::conventions::export::{ExportParams, Representation, attachment, representation};
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartParams {
    /// What the file holds.
    #[param(schema_with = wire::import_kind)]
    pub kind: ImportKind,
    /// Check every row as if importing it (references, uniqueness included) and keep
    /// nothing: the counts and the report say what an import would do.
    pub dry_run: Option<bool>,
    /// The file's name, shown with the import.
    #[param(max_length = 255)]
    pub file_name: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportFilterParams {
    #[param(schema_with = wire::import_kind)]
    pub kind: Option<ImportKind>,
    #[param(schema_with = wire::import_status)]
    pub status: Option<ImportStatus>,
}

/// An import with its progress.
#[derive(Serialize, ToSchema)]
pub struct ImportOut {
    pub id: Uuid,
    #[schema(schema_with = wire::import_kind)]
    pub kind: ImportKind,
    #[schema(schema_with = wire::import_format)]
    pub format: ImportFormat,
    pub dry_run: bool,
    #[schema(schema_with = wire::import_status)]
    pub status: ImportStatus,
    pub file_name: Option<String>,
    /// Rows in the file (its header not counted).
    pub total_rows: i64,
    /// Rows taken so far, whatever their outcome: the progress.
    pub processed_rows: i64,
    /// Rows that created a record (in a dry run: would have).
    pub created_rows: i64,
    /// Rows that changed the record with their `external_ref`.
    pub updated_rows: i64,
    /// Rows not taken; each is in the report (`/imports/{id}/errors`).
    pub failed_rows: i64,
    /// Why it failed (status `failed`).
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Import> for ImportOut {
    fn from(i: Import) -> Self {
        Self {
            id: i.id,
            kind: i.kind,
            format: i.format,
            dry_run: i.dry_run,
            status: i.status,
            file_name: i.file_name,
            total_rows: i.total_rows,
            processed_rows: i.processed_rows,
            created_rows: i.created_rows,
            updated_rows: i.updated_rows,
            failed_rows: i.failed_rows,
            error: i.error,
            requested_by: i.requested_by,
            started_at: i.started_at,
            finished_at: i.finished_at,
            version: i.version,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}

/// A problem of one row of the file.
#[derive(Serialize, ToSchema)]
pub struct ImportErrorOut {
    /// The row: the CSV line it starts on (the header is line 1), or its position in the
    /// JSON list counted from 1.
    pub row: i64,
    /// The row's `external_ref`, when it has one.
    pub external_ref: Option<String>,
    /// The column (or create body field) at fault; `null` when the row as a whole is.
    pub field: Option<String>,
    /// A field code (`errors[].code` of `validation_failed`) or a problem code.
    pub code: String,
    pub message: String,
}

impl From<RowError> for ImportErrorOut {
    fn from(e: RowError) -> Self {
        Self { row: e.row_number, external_ref: e.external_ref, field: e.problem.field, code: e.problem.code, message: e.problem.message }
    }
}

/// The formats the body may have, by its media type.
fn format_of(req: &HttpRequest) -> ApiResult<ImportFormat> {
    let essence = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = essence.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match essence.as_str() {
        "text/csv" => Ok(ImportFormat::Csv),
        "application/json" => Ok(ImportFormat::Json),
        _ => Err(ApiError::new(code::UNSUPPORTED_MEDIA_TYPE, format!("send the file as text/csv or application/json, not {essence:?}"))),
    }
}

/// Starts an import of a CSV or JSON file of one kind of record: the file is the body,
/// checked whole at once (UTF-8, readable, every column known — else nothing is queued),
/// then imported in the background: the answer is `202` with the import `queued`; poll it for
/// `processed_rows` of `total_rows` until it is `completed`.
///
/// A row is the kind's create body (`POST /customers`, `/contacts`, `/customers/{id}/locations`
/// with `customer_id`, `/products`, `/equipment`): a CSV file's header names its columns
/// (any delimiter of comma, semicolon or tab; empty cells are left out; `phones` separated by
/// `|`; booleans `true`/`false`, `yes`/`no`, `1`/`0`), a JSON file is a list of objects. A row
/// with an `external_ref` of an existing record changes it by the fields it has, as
/// `PUT /{kind}/by-external-ref/{ref}` does, so a file can be imported again safely; other
/// rows create records. References may name the other record by its external reference:
/// `customer_external_ref` (contacts, locations, equipment), `product_external_ref` and
/// `location_external_ref` (equipment). Each row is taken whole or not at all; the rows not
/// taken, with why, are in `/imports/{id}/errors`.
#[utoipa::path(
    operation_id = "start_import",
    tag = tags::IMPORTS,
    params(StartParams),
    request_body(content(
        (String = "text/csv", example = json!("name;email;phones;customer_external_ref;external_ref\r\nMaja Horvat;maja.horvat@novak.si;040 123 456|01 234 5678;C-1001;P-77\r\n")),
        (Vec<serde_json::Map<String, serde_json::Value>> = "application/json", example = json!([{"name": "Maja Horvat", "email": "maja.horvat@novak.si", "phones": ["040 123 456"], "customer_external_ref": "C-1001", "external_ref": "P-77"}]))
    )),
    responses(
        (status = 202, body = ImportOut, headers(("ETag" = String), ("Location" = String))),
        (status = 413, description = "`payload_too_large`: the file is larger than `SERVDESK_IMPORT_MAX_BYTES`, or has more than a million rows", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: send text/csv or application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`invalid_body`: not UTF-8, not readable as CSV or as a JSON list of objects, or no rows; `validation_failed`: columns the kind does not have", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/imports")]
pub async fn start(
    auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<StartParams>,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let format = format_of(&req)?;
    let max = state.config.import_max_bytes;
    let mut raw = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(code::MALFORMED_BODY, e.to_string()))?;
        if raw.len() + chunk.len() > max {
            return Err(ApiError::new(
                code::PAYLOAD_TOO_LARGE,
                format!("files up to {max} bytes are imported (SERVDESK_IMPORT_MAX_BYTES)"),
            ));
        }
        raw.extend_from_slice(&chunk);
    }
    let content = String::from_utf8(raw).map_err(|_| ApiError::new(code::INVALID_BODY, "the file is not UTF-8 text"))?;
    let file_name = params.file_name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(|n| n.chars().take(255).collect());
    let upload = Upload { kind: params.kind, format, dry_run: params.dry_run.unwrap_or(false), file_name, content };
    let import = usecase::start(&state.desk, auth.principal(), upload).await?;
    let mut builder = HttpResponse::Accepted();
    builder.insert_header(("Location", format!("/api/v1/imports/{}", import.id)));
    Ok(versioned(builder, import.version, &ImportOut::from(import)))
}

/// Imports, most recently changed last (or as `sort` says).
#[utoipa::path(
    operation_id = "list_imports",
    tag = tags::IMPORTS,
    params(PageParams, ImportFilterParams),
    responses((status = 200, body = Paged<ImportOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/imports")]
pub async fn list(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<ImportFilterParams>,
) -> ApiResult<web::Json<Paged<ImportOut>>> {
    let filter = ImportFilter { kind: filter.kind, status: filter.status };
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, ImportOut::from)))
}

/// One import, with its progress and counts.
#[utoipa::path(
    operation_id = "get_import",
    tag = tags::IMPORTS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ImportOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/imports/{id}")]
pub async fn get(_auth: Authorized<can::DirectoryWrite>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let import = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), import.version, &ImportOut::from(import)))
}

/// The report of the rows not taken, in file order (a row may have several problems): a
/// page as JSON, or the whole report as CSV (`Accept: text/csv` or `format=csv`) to fix the
/// file by. Filled in as the import runs.
#[utoipa::path(
    operation_id = "list_import_errors",
    tag = tags::IMPORTS,
    params(("id" = Uuid, Path), PageParams, ExportParams),
    responses(
        (status = 200, content(
            (Paged<ImportErrorOut> = "application/json"),
            (String = "text/csv", example = json!("row,external_ref,field,code,message\r\n3,P-78,email,email,not an email address\r\n"))
        )),
        NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/imports/{id}/errors")]
pub async fn errors(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
    export: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let import = store::get(&state.db, id.into_inner()).await?;
    match representation(&req, &state.config, &export, &["json", "csv"])? {
        Representation::Csv(format) => {
            let all = store::errors(&state.db, import.id, None, u64::MAX >> 1).await?;
            let name = format!("import-{}-errors.csv", import.id);
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header(("Content-Disposition", attachment(&name, false)))
                .body(usecase::errors_csv(&all, format)))
        }
        _ => {
            let (after, limit) = page.append_only("import errors")?;
            let mut found = store::errors(&state.db, import.id, after, limit + 1).await?;
            let next = if found.len() as u64 > limit {
                found.truncate(limit as usize);
                found.last().map(|e| encode(servdesk_persistence::Cursor::Id(e.id)))
            } else {
                None
            };
            Ok(HttpResponse::Ok().json(Paged { items: found.into_iter().map(ImportErrorOut::from).collect(), next_cursor: next }))
        }
    }
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(start).service(list).service(get).service(errors);
}
