//! Inbound email handed in over HTTP: an MTA's pipe (`curl --data-binary @-`) or a mail
//! provider's raw-message webhook. The same use case as the IMAP poller.

use actix_web::{HttpMessage, HttpRequest, HttpResponse, post, web};
use bytes::BytesMut;
use futures_util::StreamExt;
use serde::Serialize;
use servdesk_domain::Actor;
use servdesk_domain::errors::code;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::state::AppState;

/// What became of an incoming email.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InboundOutcome {
    /// `comment` (a reply on its ticket), `call` (a new call), `duplicate` (this Message-ID
    /// was stored before), `ignored` (automated, or our own message) or `bounce` (a delivery
    /// failure of one of our messages, which is now marked failed).
    pub outcome: &'static str,
    /// The stored message (`GET /messages/{id}`).
    pub message_id: Uuid,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    /// Why it was ignored, or why a reply became a new call.
    pub reason: Option<String>,
}

impl From<servdesk_usecases::inbound::InboundOutcome> for InboundOutcome {
    fn from(o: servdesk_usecases::inbound::InboundOutcome) -> Self {
        Self {
            outcome: o.outcome,
            message_id: o.message_id,
            ticket_id: o.ticket_id,
            call_id: o.call_id,
            comment_id: o.comment_id,
            reason: o.reason,
        }
    }
}

/// What a raw message may be sent as: its own media type, or the generic ones mail relays
/// and webhooks use for bytes.
const ACCEPTED_TYPES: [&str; 3] = ["message/rfc822", "application/octet-stream", "text/plain"];

/// Takes one raw RFC 5322 message (`Content-Type: message/rfc822`) from an API key with
/// `inbound:write`. A reply (our ticket number in the subject, or answering a message we
/// sent) becomes the contact's public comment on its ticket; anything else a call of
/// channel `email`. Automated mail (Auto-Submitted, Precedence bulk/junk/list, bounces, our
/// own messages) is stored but creates no call and no acknowledgement; a bounce marks our
/// message failed. The same Message-ID handed in twice is stored once (200 `duplicate`).
/// A malformed message becomes a call with what could be read.
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    request_body(
        content = String,
        content_type = "message/rfc822",
        description = "The raw message, headers and body",
        example = json!("From: Ana Horvat <ana@vodovod.example>\r\nTo: desk@servdesk.example\r\nSubject: Re: [T-2026-000042] Leak\r\nMessage-ID: <a1b2@vodovod.example>\r\nIn-Reply-To: <0190a1b2c3d47e5f8a9b0c1d2e3f4a5b@servdesk.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThanks, Friday works.\r\n")
    ),
    responses(
        (status = 201, body = InboundOutcome, description = "stored as a comment or a call"),
        (status = 200, body = InboundOutcome, description = "`duplicate`, `ignored` or `bounce`"),
        (status = 400, description = "`empty_message`", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "`message_too_large`", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "`unsupported_media_type`: send `message/rfc822` (or `application/octet-stream`, `text/plain`)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "`storage_unavailable`: the file store did not answer; nothing was kept", body = Problem, content_type = "application/problem+json")
    ),
    security(("api_key" = []), ("bearer" = []))
)]
#[post("/inbound/email")]
pub async fn receive_email(
    auth: Authorized<can::InboundEmail>,
    state: web::Data<AppState>,
    req: HttpRequest,
    mut payload: web::Payload,
) -> ApiResult<HttpResponse> {
    // A JSON or form body sent here by mistake would be filed as an email full of braces.
    let essence = req.content_type().trim().to_ascii_lowercase();
    if !ACCEPTED_TYPES.contains(&essence.as_str()) {
        return Err(ApiError::new(
            code::UNSUPPORTED_MEDIA_TYPE,
            format!("send the raw message as message/rfc822 (or application/octet-stream), not {essence:?}"),
        ));
    }
    let max = state.config.inbound_max_bytes;
    let mut raw = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| ApiError::new(code::MALFORMED_BODY, e.to_string()))?;
        if raw.len() + chunk.len() > max {
            return Err(ApiError::new(
                code::MESSAGE_TOO_LARGE,
                format!("messages up to {max} bytes are accepted (SERVDESK_INBOUND_MAX_BYTES)"),
            ));
        }
        raw.extend_from_slice(&chunk);
    }
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(code::EMPTY_MESSAGE, "the body must be a raw RFC 5322 message"));
    }
    let outcome = InboundOutcome::from(servdesk_channels::inbound::receive(&state, raw.freeze(), Actor::of(auth.principal())).await?);
    let created = matches!(outcome.outcome, "comment" | "call");
    Ok(if created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(outcome))
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(receive_email);
}
