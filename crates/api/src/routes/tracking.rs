//! Tracking links: the request behind a link as JSON (`/api/v1/public/tracking/{token}`,
//! for a website that shows it its own way) and as a plain page (`/track/{token}`, what the
//! link in an email opens); staff revoke a ticket's links.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::dictionaries::StatusClass;
use servdesk_usecases::tracking::{self, Tracked};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::dto::portal::{ReplyOut, VisitOut};
use crate::error::ApiResult;
use crate::openapi::{NotFound, tags};
use crate::state::AppState;
use crate::wire;

/// One request as its tracking link shows it.
#[derive(Serialize, ToSchema)]
pub struct TrackingOut {
    /// The ticket's number, or the request's while it waits for triage.
    #[schema(example = "T-2027-000042")]
    pub number: String,
    pub title: String,
    /// The status's name; `received` while the request waits for triage.
    pub status: String,
    /// `null` while the request waits for triage.
    #[schema(schema_with = wire::status_class_or_null)]
    pub status_class: Option<StatusClass>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub visits: Vec<VisitOut>,
    /// Public replies, oldest first (files are listed, downloaded in the portal).
    pub replies: Vec<ReplyOut>,
}

fn tracking_out(tracked: Tracked) -> TrackingOut {
    match tracked {
        Tracked::Ticket { ticket, replies } => TrackingOut {
            number: ticket.ticket.number.clone(),
            title: ticket.ticket.title.clone(),
            status: ticket.status_name.clone(),
            status_class: Some(ticket.status_class),
            created_at: ticket.ticket.created_at,
            updated_at: ticket.ticket.updated_at,
            closed_at: ticket.ticket.closed_at,
            visits: ticket.visits.into_iter().map(VisitOut::from).collect(),
            replies: replies.into_iter().map(ReplyOut::from).collect(),
        },
        Tracked::Call(call) => TrackingOut {
            title: call.subject.clone().unwrap_or_else(|| call.number.clone()),
            number: call.number,
            status: "received".to_owned(),
            status_class: None,
            created_at: call.created_at,
            updated_at: call.updated_at,
            closed_at: None,
            visits: Vec::new(),
            replies: Vec::new(),
        },
    }
}

/// The request behind a tracking link. Unknown, revoked and expired links are 404 alike.
#[utoipa::path(
    operation_id = "show_tracking",
    tag = tags::PUBLIC,
    params(("token" = String, Path, description = "The token of the link")),
    responses((status = 200, body = TrackingOut), NotFound)
)]
#[get("/public/tracking/{token}")]
pub async fn show(state: web::Data<AppState>, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let tracked = tracking::show(&state, &token).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(tracking_out(tracked)))
}

/// The page a tracking link in an email opens: the request's status and public replies as
/// plain HTML (no script, nothing loaded from elsewhere).
#[utoipa::path(
    operation_id = "tracking_page",
    tag = tags::PUBLIC,
    params(("token" = String, Path, description = "The token of the link")),
    responses((status = 200, description = "The page", content_type = "text/html", body = String), NotFound)
)]
#[get("/track/{token}")]
pub async fn page(state: web::Data<AppState>, token: web::Path<String>) -> ApiResult<HttpResponse> {
    let out = tracking_out(tracking::show(&state, &token).await?);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .insert_header(("X-Robots-Tag", "noindex"))
        .body(html(&state.config.company_name, &out)))
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn html(company: &str, t: &TrackingOut) -> String {
    let when = |d: DateTime<Utc>| d.format("%Y-%m-%d %H:%M UTC").to_string();
    let mut visits = String::new();
    for v in &t.visits {
        let planned = match (v.planned_start, v.planned_end) {
            (Some(s), Some(e)) => format!("{} – {}", when(s), when(e)),
            (Some(s), None) => when(s),
            _ => "not planned yet".to_owned(),
        };
        let who = v.technician.as_deref().map(|n| format!(", {}", escape(n))).unwrap_or_default();
        visits.push_str(&format!("<li class=\"visit\">{} {}: {planned}{who}</li>\n", escape(&v.task_number), escape(&v.title)));
    }
    let mut replies = String::new();
    for r in &t.replies {
        replies.push_str(&format!(
            "<article class=\"reply\"><header>{} · {}</header><p>{}</p></article>\n",
            escape(&r.author_name),
            when(r.created_at),
            escape(&r.body).replace('\n', "<br>")
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{number} – {company}</title>\
<style>body{{font-family:sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}.reply{{border-top:1px solid #ddd;padding:.5rem 0}}.reply header{{color:#555;font-size:.9em}}</style></head>\n\
<body><p>{company}</p><h1>{number}: {title}</h1>\n<p class=\"status\">Status: <strong>{status}</strong> · opened {opened} · last change {changed}</p>\n\
{visits_block}{replies_block}</body></html>\n",
        number = escape(&t.number),
        company = escape(company),
        title = escape(&t.title),
        status = escape(&t.status),
        opened = when(t.created_at),
        changed = when(t.updated_at),
        visits_block = if visits.is_empty() { String::new() } else { format!("<h2>Visits</h2><ul>{visits}</ul>\n") },
        replies_block = if replies.is_empty() { String::new() } else { format!("<h2>Replies</h2>\n{replies}") },
    )
}

#[derive(Serialize, ToSchema)]
pub struct RevokedOut {
    /// How many links stopped working.
    pub revoked: u64,
}

/// Revokes a ticket's tracking links (a forwarded email, a link posted somewhere); the next
/// notice to the contact carries a new one.
#[utoipa::path(
    operation_id = "revoke_tracking_links",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = RevokedOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/tickets/{id}/tracking-links")]
pub async fn revoke(
    auth: Authorized<can::TicketsWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<RevokedOut>> {
    let revoked = tracking::revoke(&state, auth.principal(), id.into_inner()).await?;
    Ok(web::Json(RevokedOut { revoked }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(show).service(revoke);
}
