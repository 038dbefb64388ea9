//! The conversation on a ticket: public replies (queued for delivery to the contact) and
//! internal notes (whose `@login` mentions queue a notification to that colleague).

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::tickets::CommentVisibility;
use servdesk_persistence::attachments;
use servdesk_persistence::{Cursor, tickets};
use servdesk_usecases::access::visibility;
use servdesk_usecases::comments::{self, SkipReason};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::conventions::validation;
use crate::dto::comments::CommentOut;
use crate::error::ApiResult;
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::AppState;
use crate::wire;

/// A comment just added, with the mentions that notified no one.
#[derive(Serialize, ToSchema)]
pub struct CommentCreated {
    #[serde(flatten)]
    pub comment: CommentOut,
    /// `@mentions` that notified no one: `no_such_user` (no active colleague has the login)
    /// or `cannot_see_ticket` (they may not open this ticket, so its content is not sent to
    /// them).
    pub skipped_mentions: Vec<SkippedMentionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SkippedMentionOut {
    #[schema(example = "@ana.kos")]
    pub mention: String,
    pub reason: SkipReasonOut,
}

/// Why a mention notified no one.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SkipReasonOut {
    NoSuchUser,
    CannotSeeTicket,
}

impl From<SkipReason> for SkipReasonOut {
    fn from(r: SkipReason) -> Self {
        match r {
            SkipReason::NoSuchUser => Self::NoSuchUser,
            SkipReason::CannotSeeTicket => Self::CannotSeeTicket,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"visibility": "internal", "body": "@ana.kos can you take the call-back? The customer prefers mornings.", "attachment_ids": []}))]
pub struct CreateComment {
    #[schema(schema_with = wire::comment_visibility)]
    pub visibility: CommentVisibility,
    #[validate(custom(function = "validation::not_blank"), length(max = 100000))]
    #[schema(max_length = 100000, min_length = 1, pattern = r"\S")]
    pub body: String,
    /// Files uploaded to the ticket (`POST /tickets/{id}/attachments`) to send with this
    /// comment; each may go with one comment only.
    #[serde(default)]
    #[validate(length(max = 20))]
    #[schema(max_items = 20)]
    pub attachment_ids: Vec<Uuid>,
}

/// Where a public reply goes: the ticket's contact by their preferred channel, falling back
/// to the other one they have.
/// Adds a reply or a note. A public reply is queued for delivery to the contact in the same
/// transaction (and is the first response if there was none); `@login` in an internal note
/// queues a notification to each colleague named.
#[utoipa::path(
    operation_id = "create_ticket_comment",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path)),
    request_body = CreateComment,
    responses((status = 201, body = CommentCreated, headers(("Location" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/comments")]
pub async fn create(
    auth: Authorized<can::TicketsComment>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CreateComment>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let mut added = comments::add(&state, auth.principal(), id.into_inner(), body.visibility, &body.body, &body.attachment_ids).await?;
    let skipped_mentions =
        added.skipped_mentions.into_iter().map(|s| SkippedMentionOut { mention: s.mention, reason: s.reason.into() }).collect();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/api/v1/tickets/{}/comments", added.ticket_id)))
        .json(CommentCreated { comment: CommentOut::new(added.comment, &mut added.files), skipped_mentions }))
}

/// The conversation, oldest first.
#[utoipa::path(
    operation_id = "list_ticket_comments",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<CommentOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/comments")]
pub async fn list(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<CommentOut>>> {
    let (after, limit) = page.append_only("comments")?;
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let (items, next) = servdesk_persistence::comments::list(&state.db, ticket.id, after, limit).await?;
    let ids: Vec<Uuid> = items.iter().map(|c| c.id).collect();
    let mut files = attachments::of_comments(&state.db, &ids).await?;
    Ok(web::Json(Paged {
        items: items.into_iter().map(|c| CommentOut::new(c, &mut files)).collect(),
        next_cursor: next.map(|id| encode(Cursor::Id(id))),
    }))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list);
}
