//! Attachments of calls, tickets and comments: upload (multipart), list, metadata, streamed
//! download and removal. Who may see a file is who may see its ticket (or, for a call not
//! yet triaged, who may see calls); hidden files are 404 like hidden tickets.

use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::Principal;
use servdesk_domain::attachments::Attachment;
use servdesk_persistence::attachments::{self, Owner};
use servdesk_persistence::{ConnectionTrait, Cursor, calls, tickets};
use servdesk_usecases::access::visibility;
use servdesk_usecases::attachments as attachment_cases;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::download;
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::conventions::upload::{self};
use crate::dto::AttachmentOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct UploadedOut {
    pub items: Vec<AttachmentOut>,
}

/// The multipart body of an upload: one or more parts named `file`.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// One or more files (repeat the part); the part's file name is kept, its declared
    /// content type is checked against the bytes (up to 20 files).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

const UPLOAD_ERRORS: &str = "`attachment_too_large` (413) beyond the configured size; 422 `content_type_mismatch` when a file declared as an image, audio, video or PDF is not one, `forbidden_type` for executables and scripts";

fn created(stored: Vec<Attachment>) -> HttpResponse {
    HttpResponse::Created().json(UploadedOut { items: stored.into_iter().map(AttachmentOut::from).collect() })
}

/// Uploads files to a ticket (multipart, parts named `file`). To put them on a reply or
/// note, pass their ids as `attachment_ids` when adding the comment.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = UploadedOut),
        NotFound,
        (status = 413, description = UPLOAD_ERRORS, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`: the file store did not answer; nothing was kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not multipart/form-data", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/attachments")]
pub async fn upload_to_ticket(
    auth: Authorized<can::TicketsComment>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    // Who may attach is checked before a byte is stored.
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let received = upload::receive(&state.storage, state.config.attachment_max_bytes, payload).await?;
    let files: Vec<_> = received.iter().map(upload::Received::stored).collect();
    let stored = attachment_cases::record(&state, auth.principal(), None, Some(ticket.id), &files).await?;
    Ok(created(stored))
}

/// Uploads files to a call (multipart, parts named `file`): staff to any call, an
/// integration's key to the calls it created. A triaged call's files also show on its ticket.
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = UploadedOut),
        NotFound,
        (status = 413, description = UPLOAD_ERRORS, body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`: the file store did not answer; nothing was kept", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: not multipart/form-data", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/calls/{id}/attachments")]
pub async fn upload_to_call(
    auth: Authorized<can::CallsCreate>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    payload: Multipart,
) -> ApiResult<HttpResponse> {
    let call = calls::get(&state.db, id.into_inner()).await?;
    if let Principal::ApiKey { id: key_id, .. } = auth.principal()
        && call.created_by.api_key_id != Some(*key_id)
    {
        return Err(ApiError::not_found());
    }
    let received = upload::receive(&state.storage, state.config.attachment_max_bytes, payload).await?;
    let files: Vec<_> = received.iter().map(upload::Received::stored).collect();
    let stored = attachment_cases::record(&state, auth.principal(), Some(call.id), call.ticket_id, &files).await?;
    Ok(created(stored))
}

/// A ticket's files: its own, its comments' and those of the calls it came from, oldest first.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<AttachmentOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/attachments")]
pub async fn list_for_ticket(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<AttachmentOut>>> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    list(&state.db, Owner::Ticket(ticket.id), &page).await
}

/// A call's files, oldest first.
#[utoipa::path(
    tag = tags::CALLS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<AttachmentOut>), NotFound),
    security(("bearer" = []))
)]
#[get("/calls/{id}/attachments")]
pub async fn list_for_call(
    _auth: Authorized<can::CallsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<AttachmentOut>>> {
    let call = calls::get(&state.db, id.into_inner()).await?;
    list(&state.db, Owner::Call(call.id), &page).await
}

async fn list(conn: &impl ConnectionTrait, owner: Owner, page: &PageParams) -> ApiResult<web::Json<Paged<AttachmentOut>>> {
    let (after, limit) = page.append_only("attachments")?;
    let (items, next) = attachments::list(conn, owner, after, limit).await?;
    Ok(web::Json(Paged { items: items.into_iter().map(AttachmentOut::from).collect(), next_cursor: next.map(|id| encode(Cursor::Id(id))) }))
}

/// An attachment's metadata.
#[utoipa::path(
    operation_id = "get_attachment",
    tag = tags::ATTACHMENTS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = AttachmentOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/attachments/{id}")]
pub async fn get(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<AttachmentOut>> {
    Ok(web::Json(attachment_cases::visible(&state.db, auth.principal(), id.into_inner()).await?.into()))
}

#[derive(Deserialize, IntoParams)]
pub struct DownloadParams {
    /// `inline` asks browsers to show the file (honoured for images and PDF only; anything
    /// else, which could carry scripts, is always offered as a download).
    pub disposition: Option<String>,
}

/// The content, streamed, with its content type, length and a SHA-256 `ETag`.
#[utoipa::path(
    tag = tags::ATTACHMENTS,
    params(("id" = Uuid, Path), DownloadParams),
    responses(
        (status = 200, description = "The file's bytes", content_type = "*/*", body = Vec<u8>),
        (status = 304, description = "Not modified (`If-None-Match` matched)"),
        NotFound,
        (status = 503, description = "`storage_unavailable`: the file store did not answer", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/attachments/{id}/content")]
pub async fn content(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<DownloadParams>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    let attachment = attachment_cases::visible(&state.db, auth.principal(), id.into_inner()).await?;
    let inline = params.disposition.as_deref() == Some("inline");
    download::serve(&state, &req, &attachment, inline).await
}

/// Removes a file uploaded by mistake: its uploader or a coordinator, while it is not part of
/// a comment (a sent reply's files stay as they were sent). Recorded on the ticket's timeline.
#[utoipa::path(
    operation_id = "delete_attachment",
    tag = tags::ATTACHMENTS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        NotFound,
        (status = 409, description = "`attachment_in_comment`: part of a comment; `attachment_signed_off`: a photo, the signature or the report of a field completion", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/attachments/{id}")]
pub async fn remove(auth: Authorized<can::TicketsComment>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    attachment_cases::remove(&state, auth.principal(), id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_to_ticket)
        .service(list_for_ticket)
        .service(upload_to_call)
        .service(list_for_call)
        .service(get)
        .service(content)
        .service(remove);
}
