//! The intervention report of a task (PDF, see `servdesk_usecases::documents`) and the
//! documents linked to tickets.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use servdesk_persistence::documents::{self};
use servdesk_persistence::tickets;
use servdesk_usecases::access::visibility;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::dto::DocumentOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Regenerate a done task's kept report (after corrections).
    #[serde(default)]
    pub fresh: bool,
}

/// The intervention report of a task as a PDF: company header, ticket and task numbers,
/// customer, location, contact, equipment and serial, warranty, work done, checklist, time,
/// materials, photo thumbnails and the signature. For a done task it is kept as the ticket's
/// `intervention_report` document; for an open one it is a work order, not kept.
#[utoipa::path(
    tag = tags::TASKS,
    params(("id" = Uuid, Path), ReportParams),
    responses(
        (status = 200, content_type = "application/pdf", body = Vec<u8>),
        NotFound,
        (status = 503, description = "`storage_unavailable`: the file store did not answer", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}/report.pdf")]
pub async fn report(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    params: web::Query<ReportParams>,
) -> ApiResult<HttpResponse> {
    let report = servdesk_usecases::documents::intervention_report(&state, auth.principal(), id.into_inner(), params.fresh).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}\"", report.filename)))
        .insert_header(("Cache-Control", "private, no-cache"))
        .body(report.pdf))
}

/// The documents linked to a ticket (intervention reports; later delivery notes, invoices and
/// the rest), oldest first.
#[utoipa::path(
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<DocumentOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/documents")]
pub async fn ticket_documents(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<DocumentOut>>> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    Ok(web::Json(documents::of_ticket(&state.db, ticket.id).await?.into_iter().map(DocumentOut::from).collect()))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(report).service(ticket_documents);
}
