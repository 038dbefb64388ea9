//! A contact's requests in the portal: their tickets with public replies and visits, the
//! requests still waiting for triage, new requests and replies (with files), the company's
//! equipment and documents, and the files they may download.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::dictionaries::StatusClass;
use servdesk_usecases::portal::requests as portal;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::Customer;
use crate::conventions::download;
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::conventions::upload::{self, Received};
use crate::conventions::validation;
use crate::dto::portal::{PortalDocumentOut, PortalEquipmentOut, PortalRequestOut, PortalTicketOut, ReplyOut};
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortalTicketParams {
    /// Only tickets whose status is of this class (`closed` for the history, say).
    #[param(schema_with = wire::status_class)]
    pub status_class: Option<StatusClass>,
}

/// The contact's tickets (a manager's: the company's).
#[utoipa::path(
    operation_id = "portal_list_tickets",
    tag = tags::PORTAL,
    params(PageParams, PortalTicketParams),
    responses((status = 200, body = Paged<PortalTicketOut>), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/portal/tickets")]
pub async fn tickets(
    who: Customer,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    params: web::Query<PortalTicketParams>,
) -> ApiResult<web::Json<Paged<PortalTicketOut>>> {
    let page = portal::tickets(&state, &who.0, params.status_class, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, PortalTicketOut::from)))
}

/// One ticket with its planned visits.
#[utoipa::path(
    operation_id = "portal_get_ticket",
    tag = tags::PORTAL,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PortalTicketOut), NotFound),
    security(("bearer" = []))
)]
#[get("/portal/tickets/{id}")]
pub async fn ticket(who: Customer, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<PortalTicketOut>> {
    Ok(web::Json(portal::ticket(&state, &who.0, id.into_inner()).await?.into()))
}

/// A ticket's public replies, oldest first (internal notes never show).
#[utoipa::path(
    operation_id = "portal_list_replies",
    tag = tags::PORTAL,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<ReplyOut>), NotFound),
    security(("bearer" = []))
)]
#[get("/portal/tickets/{id}/replies")]
pub async fn replies(
    who: Customer,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<ReplyOut>>> {
    let (after, _) = page.append_only("replies")?;
    let (items, next) = portal::replies(&state, &who.0, id.into_inner(), after).await?;
    Ok(web::Json(Paged {
        items: items.into_iter().map(ReplyOut::from).collect(),
        next_cursor: next.map(|id| encode(servdesk_persistence::Cursor::Id(id))),
    }))
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"body": "The printer jams again since this morning."}))]
pub struct ReplyIn {
    #[validate(custom(function = "validation::not_blank"), length(max = 20000))]
    #[schema(max_length = 20000)]
    pub body: String,
}

/// A reply as a form: the text and its files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReplyForm {
    #[schema(max_length = 20000)]
    body: String,
    /// A file; repeat the part for more.
    #[schema(value_type = String, format = Binary, required = false)]
    file: Option<Vec<u8>>,
}

/// A new request as a form: its subject, text and files.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RequestForm {
    #[schema(max_length = 300)]
    subject: String,
    #[schema(max_length = 20000)]
    body: String,
    /// A file; repeat the part for more.
    #[schema(value_type = String, format = Binary, required = false)]
    file: Option<Vec<u8>>,
}

const UPLOAD_ERRORS: &str = "`attachment_too_large` beyond the attachment limit (nothing is kept)";

/// Replies on a ticket: JSON, or `multipart/form-data` with a `body` part and `file` parts
/// (the same checks as staff uploads). A closed ticket reopens inside the reopen window.
#[utoipa::path(
    operation_id = "portal_reply",
    tag = tags::PORTAL,
    params(("id" = Uuid, Path)),
    request_body(content((ReplyIn = "application/json"), (ReplyForm = "multipart/form-data"))),
    responses(
        (status = 201, body = ReplyOut),
        NotFound,
        (status = 409, description = "`reopen_window_passed`: closed too long ago; open a new request", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = UPLOAD_ERRORS, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`; for files `content_type_mismatch` or `forbidden_type`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/portal/tickets/{id}/replies")]
pub async fn reply(
    who: Customer,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    req: HttpRequest,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // Whether the ticket is theirs is known before a byte of a file is stored.
    portal::ticket(&state, &who.0, *id).await?;
    let (body, files): (ReplyIn, Vec<Received>) = upload::json_or_form(&state, &req, payload, &["body"]).await?;
    let files: Vec<_> = files.iter().map(Received::stored).collect();
    let reply = portal::reply(&state, &who.0, id.into_inner(), body.body.trim().to_owned(), &files).await?;
    Ok(HttpResponse::Created().json(ReplyOut::from(reply)))
}

/// The contact's requests still waiting to be triaged.
#[utoipa::path(
    operation_id = "portal_list_requests",
    tag = tags::PORTAL,
    params(PageParams),
    responses((status = 200, body = Paged<PortalRequestOut>), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/portal/requests")]
pub async fn waiting(
    who: Customer,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<PortalRequestOut>>> {
    let page = portal::waiting(&state, &who.0, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, PortalRequestOut::from)))
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"subject": "Printer in room 12 jams", "body": "Paper jams on every second page since Monday."}))]
pub struct RequestIn {
    #[validate(custom(function = "validation::not_blank"), length(max = 300))]
    #[schema(max_length = 300)]
    pub subject: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 20000))]
    #[schema(max_length = 20000)]
    pub body: String,
}

#[derive(Serialize, ToSchema)]
pub struct OpenedOut {
    pub id: Uuid,
    #[schema(example = "C-2027-000311")]
    pub number: String,
}

/// Opens a new request (a call of channel `portal`): JSON, or `multipart/form-data` with
/// `subject` and `body` parts and `file` parts.
#[utoipa::path(
    operation_id = "portal_open_request",
    tag = tags::PORTAL,
    request_body(content((RequestIn = "application/json"), (RequestForm = "multipart/form-data"))),
    responses(
        (status = 201, body = OpenedOut),
        (status = 413, description = UPLOAD_ERRORS, body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/portal/requests")]
pub async fn open_request(who: Customer, state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> ApiResult<HttpResponse> {
    let (body, files): (RequestIn, Vec<Received>) = upload::json_or_form(&state, &req, payload, &["subject", "body"]).await?;
    let files: Vec<_> = files.iter().map(Received::stored).collect();
    let call = portal::open_request(&state, &who.0, body.subject.trim().to_owned(), body.body.trim().to_owned(), &files).await?;
    Ok(HttpResponse::Created().json(OpenedOut { id: call.id, number: call.number }))
}

/// The company's equipment in service, with warranty ends and contracts.
#[utoipa::path(
    operation_id = "portal_list_equipment",
    tag = tags::PORTAL,
    params(PageParams),
    responses((status = 200, body = Paged<PortalEquipmentOut>), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/portal/equipment")]
pub async fn equipment(
    who: Customer,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<PortalEquipmentOut>>> {
    let page = portal::equipment(&state, &who.0, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, PortalEquipmentOut::from)))
}

/// Documents: intervention reports of the contact's tickets; for a manager also the
/// company's statements and invoices.
#[utoipa::path(
    operation_id = "portal_list_documents",
    tag = tags::PORTAL,
    params(PageParams),
    responses((status = 200, body = Paged<PortalDocumentOut>), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/portal/documents")]
pub async fn documents(
    who: Customer,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<PortalDocumentOut>>> {
    let page = portal::documents(&state, &who.0, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, PortalDocumentOut::from)))
}

/// One document the contact sees.
#[utoipa::path(
    operation_id = "portal_get_document",
    tag = tags::PORTAL,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = PortalDocumentOut), NotFound),
    security(("bearer" = []))
)]
#[get("/portal/documents/{id}")]
pub async fn document(who: Customer, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<web::Json<PortalDocumentOut>> {
    Ok(web::Json(portal::document(&state, &who.0, id.into_inner()).await?.into()))
}

/// Downloads a file: one of a public reply, or a document's.
#[utoipa::path(
    operation_id = "portal_download_file",
    tag = tags::PORTAL,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The file's bytes", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        NotFound
    ),
    security(("bearer" = []))
)]
#[get("/portal/files/{id}/content")]
pub async fn file(who: Customer, state: web::Data<AppState>, id: web::Path<Uuid>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let attachment = portal::file(&state, &who.0, id.into_inner()).await?;
    download::serve(&state, &req, &attachment, false).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(tickets)
        .service(ticket)
        .service(replies)
        .service(reply)
        .service(waiting)
        .service(open_request)
        .service(equipment)
        .service(documents)
        .service(document)
        .service(file);
}
