//! Linked documents from the ERP (and people): added to a ticket as JSON or with their file,
//! changed, upserted by the ERP's own reference, listed across customers.

use actix_multipart::Multipart;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use servdesk_domain::documents::DocumentKind;
use servdesk_domain::errors::{code, field};
use servdesk_persistence::documents::{self as store, DocumentFilter};
use servdesk_usecases::billing::documents::{self as usecase, Changes, Terms};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::body::read_limited;
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::problems::json_body;
use crate::conventions::upload::{self, FILE_PART, FormSpec};
use crate::conventions::validation::{self, clean, clean_patch};
use crate::dto::DocumentOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

/// The JSON part of a multipart request.
const DATA_PART: &str = "data";

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(add).service(list).service(get_one).service(update).service(upsert);
}

#[derive(Serialize, Deserialize, ToSchema, Validate)]
#[schema(example = json!({"kind": "delivery_note_in", "number": "PZ/2027/01/0017", "issued_on": "2027-01-12", "status": "received", "external_ref": "erp:pz:55120"}))]
pub struct DocumentIn {
    /// Any kind but `intervention_report` and `statement` (Servdesk's own).
    #[schema(schema_with = wire::document_kind)]
    pub kind: DocumentKind,
    /// A task of the ticket the document belongs to.
    pub task_id: Option<Uuid>,
    #[validate(custom(function = "validation::not_blank"), length(max = 64))]
    #[schema(max_length = 64, min_length = 1, pattern = r"\S")]
    pub number: String,
    pub issued_on: NaiveDate,
    /// In minor units of `currency` (which it then needs).
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    #[schema(minimum = -1_000_000_000_000i64, maximum = 1_000_000_000_000i64)]
    pub amount_minor: Option<i64>,
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
    /// The ERP's status of it (`issued`, `paid`, `cancelled`, …); `issued` when absent.
    #[validate(length(max = 24))]
    #[schema(max_length = 24)]
    pub status: Option<String>,
    /// The ERP's own reference, unique across documents.
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<String>,
}

impl DocumentIn {
    fn terms(self) -> Terms {
        Terms {
            kind: self.kind,
            task_id: self.task_id,
            number: self.number.trim().to_owned(),
            issued_on: self.issued_on,
            amount_minor: self.amount_minor,
            currency: self.currency,
            status: clean(self.status).unwrap_or_else(|| "issued".to_owned()),
            external_ref: clean(self.external_ref),
        }
    }
}

/// A document with its file, as `multipart/form-data`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct DocumentForm {
    /// The document's fields as JSON (`DocumentIn`).
    pub data: String,
    /// The scanned or exported file (PDF, image, spreadsheet).
    #[schema(value_type = String, format = Binary)]
    pub file: Option<Vec<u8>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"status": "paid", "amount_minor": 48900, "currency": "EUR"}))]
pub struct UpdateDocument {
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(schema_with = wire::document_kind)]
    pub kind: Option<DocumentKind>,
    #[serde(default, deserialize_with = "double_option")]
    pub task_id: Option<Option<Uuid>>,
    #[validate(custom(function = "validation::not_blank"), length(max = 64))]
    #[schema(max_length = 64, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub number: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub issued_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(range(min = -1_000_000_000_000i64, max = 1_000_000_000_000i64))]
    #[schema(minimum = -1_000_000_000_000i64, maximum = 1_000_000_000_000i64)]
    pub amount_minor: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 3, max = 3))]
    #[schema(min_length = 3, max_length = 3, pattern = "^[A-Z]{3}$")]
    pub currency: Option<Option<String>>,
    #[validate(custom(function = "validation::not_blank"), length(max = 24))]
    #[schema(max_length = 24, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 128))]
    #[schema(min_length = 1, max_length = 128)]
    pub external_ref: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"ticket_id": "01933b5e-0000-7000-8000-000000000002", "kind": "invoice", "number": "FV/2027/0042", "issued_on": "2027-02-03", "amount_minor": 48900, "currency": "EUR", "status": "issued"}))]
pub struct UpsertDocument {
    /// Required when the reference is new; an existing document stays with its ticket.
    pub ticket_id: Option<Uuid>,
    #[serde(flatten)]
    #[validate(nested)]
    pub document: DocumentIn,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DocumentFilterParams {
    pub customer_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    #[param(schema_with = wire::document_kind)]
    pub kind: Option<DocumentKind>,
    /// Issued on or after.
    pub from: Option<NaiveDate>,
    /// Issued on or before.
    pub to: Option<NaiveDate>,
}

/// The document of a JSON body, or of a multipart form with its file.
async fn received(state: &AppState, req: &HttpRequest, payload: web::Payload) -> ApiResult<(DocumentIn, Option<upload::Received>)> {
    let essence = crate::conventions::body::media_type(req);
    match essence.as_str() {
        "application/json" => {
            let bytes = read_limited(&mut payload.into_inner(), state.config.json_limit_bytes).await?;
            let document: DocumentIn = json_body(&bytes)?;
            document.validate()?;
            Ok((document, None))
        }
        "multipart/form-data" => {
            let spec = FormSpec { files: &[FILE_PART], fields: &[DATA_PART], require_files: false };
            let multipart = Multipart::new(req.headers(), payload);
            let mut form = upload::receive_form(&state.storage, state.config.attachment_max_bytes, multipart, &spec).await?;
            let parsed = form
                .field(DATA_PART)
                .ok_or_else(|| ApiError::invalid_field(DATA_PART, field::REQUIRED, "send the document as a JSON part named \"data\""))
                .and_then(|raw| {
                    serde_json::from_str::<DocumentIn>(raw).map_err(|e| {
                        ApiError::invalid_field(DATA_PART, field::INVALID_JSON, format!("the data part is not a document: {e}"))
                    })
                })
                .and_then(|d| d.validate().map(|()| d).map_err(ApiError::from));
            match parsed {
                Ok(document) => Ok((document, form.files.pop())),
                Err(e) => {
                    upload::discard(&state.storage, &form.files).await;
                    Err(e)
                }
            }
        }
        _ => Err(ApiError::new(
            code::UNSUPPORTED_MEDIA_TYPE,
            "send the document as application/json, or as multipart/form-data with its file",
        )),
    }
}

/// Links a document to a ticket the caller can see: JSON, or `multipart/form-data` with the
/// fields as a JSON part `data` and the file as `file`. An event on the ticket's timeline.
#[utoipa::path(
    operation_id = "add_ticket_document",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    request_body(content(
        (DocumentIn = "application/json"),
        (DocumentForm = "multipart/form-data")
    )),
    responses(
        (status = 201, body = DocumentOut, headers(("ETag" = String), ("Location" = String))),
        NotFound,
        (status = 409, description = "`document_number_taken`, `external_ref_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/documents")]
pub async fn add(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    let (document, file) = received(&state, &req, payload).await?;
    let stored = file.as_ref().map(upload::Received::stored);
    let document = usecase::add(&state.desk, auth.principal(), id.into_inner(), document.terms(), stored).await?;
    Ok(created(format!("/api/v1/documents/{}", document.id), document.version, &DocumentOut::from(document)))
}

/// Lists linked documents across tickets and customers (statements included).
#[utoipa::path(
    operation_id = "list_documents",
    tag = tags::BILLING,
    params(PageParams, DocumentFilterParams),
    responses((status = 200, body = Paged<DocumentOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/documents")]
pub async fn list(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<DocumentFilterParams>,
) -> ApiResult<web::Json<Paged<DocumentOut>>> {
    let filter = DocumentFilter {
        customer_id: filter.customer_id,
        ticket_id: filter.ticket_id,
        kind: filter.kind,
        from: filter.from,
        to: filter.to,
    };
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, DocumentOut::from)))
}

/// One document.
#[utoipa::path(
    operation_id = "get_document",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DocumentOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/documents/{id}")]
pub async fn get_one(_auth: Authorized<can::BillingRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let document = store::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), document.version, &DocumentOut::from(document)))
}

/// Changes a document from outside. Intervention reports and statements are Servdesk's own:
/// 409 `generated_document`.
#[utoipa::path(
    operation_id = "update_document",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateDocument,
    responses(
        (status = 200, body = DocumentOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`generated_document`, `document_number_taken`, `external_ref_taken`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/documents/{id}")]
pub async fn update(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateDocument>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let changes = Changes {
        kind: body.kind,
        task_id: body.task_id,
        number: body.number.map(|n| n.trim().to_owned()),
        issued_on: body.issued_on,
        amount_minor: body.amount_minor,
        currency: body.currency,
        status: body.status.map(|s| s.trim().to_owned()),
        external_ref: clean_patch(body.external_ref),
    };
    let document = usecase::change(&state.desk, id.into_inner(), if_match.0, changes).await?;
    Ok(versioned(HttpResponse::Ok(), document.version, &DocumentOut::from(document)))
}

/// Creates or replaces the document the ERP knows by `ref`, so a sync can replay safely:
/// 201 when it was new (it then needs `ticket_id`), 200 when it existed (sending the same
/// again changes nothing, its version stays).
#[utoipa::path(
    operation_id = "upsert_document_by_external_ref",
    tag = tags::BILLING,
    params(("ref" = String, Path, description = "The ERP's reference")),
    request_body = UpsertDocument,
    responses(
        (status = 200, body = DocumentOut, headers(("ETag" = String))),
        (status = 201, body = DocumentOut, headers(("ETag" = String), ("Location" = String))),
        NotFound,
        (status = 409, description = "`generated_document`, `document_number_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[put("/documents/by-external-ref/{ref}")]
pub async fn upsert(
    auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    external_ref: web::Path<String>,
    body: web::Json<UpsertDocument>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let external_ref = external_ref.into_inner();
    if external_ref.trim().is_empty() || external_ref.len() > 128 {
        return Err(ApiError::new(code::INVALID_PATH_PARAMETER, "the reference is 1 to 128 characters"));
    }
    let ticket_id = body.ticket_id;
    let (document, was_created) = usecase::upsert(&state.desk, auth.principal(), &external_ref, ticket_id, body.document.terms()).await?;
    let out = DocumentOut::from(document);
    if was_created {
        Ok(created(format!("/api/v1/documents/{}", out.id), out.version, &out))
    } else {
        Ok(versioned(HttpResponse::Ok(), out.version, &out))
    }
}
