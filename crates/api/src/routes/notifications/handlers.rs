//! The notifications handlers: parse, call the use case or store, answer.

use actix_web::{HttpResponse, delete, get, post, put, web};
use servdesk_domain::errors::field;
use servdesk_domain::messages::MessageDirection;
use servdesk_domain::notifications::{self, NotificationEvent, TemplateText};
use servdesk_persistence::directory::customers;
use servdesk_persistence::messages::{self, MessageFilter};
use servdesk_persistence::notification_settings::{self, Switch};
use servdesk_persistence::templates::{self};
use servdesk_persistence::{TransactionTrait, tickets};
use servdesk_usecases::access::visibility;
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::referenced;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::NotFound;
use crate::openapi::tags;
use crate::state::{AppState, now};

fn event_of(name: &str) -> ApiResult<NotificationEvent> {
    NotificationEvent::parse(name).ok_or_else(ApiError::not_found)
}

/// A language tag as templates are keyed: `en`, `pl`, `pt-br`.
fn language_of(raw: &str) -> ApiResult<String> {
    let tag = raw.trim().replace('_', "-").to_lowercase();
    let ok = (2..=16).contains(&tag.len())
        && tag.split('-').all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()))
        && tag.split('-').next().is_some_and(|p| (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_lowercase()));
    if ok {
        Ok(tag)
    } else {
        Err(ApiError::invalid_field("language", field::INVALID_LANGUAGE, "a BCP 47 language tag such as en, pl or pt-BR"))
    }
}

/// Every event's templates: the built-in ones (English and Polish) unless replaced, and every
/// custom one. A message in a language without a template of its own falls back: the
/// recipient's language, the customer's, `SERVDESK_DEFAULT_LANGUAGE`, English.
#[utoipa::path(tag = tags::NOTIFICATIONS, responses((status = 200, body = Vec<TemplateOut>)), security(("bearer" = [])))]
#[get("/templates")]
pub async fn list_templates(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
) -> ApiResult<web::Json<Vec<TemplateOut>>> {
    let stored = templates::all(&state.db).await?;
    let mut out = Vec::new();
    for event in NotificationEvent::ALL {
        let custom: Vec<_> = stored.iter().filter(|t| t.event == *event).cloned().collect();
        for language in notifications::BUILT_IN_LANGUAGES {
            if !custom.iter().any(|t| t.language == language) {
                out.extend(TemplateOut::built_in(*event, language));
            }
        }
        out.extend(custom.into_iter().map(TemplateOut::custom));
    }
    Ok(web::Json(out))
}

/// The template of an event in a language: the custom one, else the built-in one (English,
/// Polish).
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("event" = String, Path), ("language" = String, Path)),
    responses((status = 200, body = TemplateOut), NotFound),
    security(("bearer" = []))
)]
#[get("/templates/{event}/{language}")]
pub async fn get_template(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<web::Json<TemplateOut>> {
    let (event, language) = (event_of(&path.0)?, language_of(&path.1)?);
    match templates::get(&state.db, event, &language).await? {
        Some(t) => Ok(web::Json(TemplateOut::custom(t))),
        None => TemplateOut::built_in(event, &language).map(web::Json).ok_or_else(ApiError::not_found),
    }
}

/// Writes the template of an event in a language (admins). It is rendered with every
/// variable of its event first: a syntax error or a variable the event does not have is
/// refused here (422 `template_invalid`, naming the part), never discovered when sending.
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("event" = String, Path), ("language" = String, Path, description = "BCP 47: `en`, `pl`, `sl`, `hr`, `it`")),
    request_body = PutTemplate,
    responses(
        (status = 200, body = TemplateSaved),
        NotFound,
        (status = 422, description = "`template_invalid` (the part and the renderer's message), `invalid_language`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/templates/{event}/{language}")]
pub async fn put_template(
    auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: web::Json<PutTemplate>,
) -> ApiResult<web::Json<TemplateSaved>> {
    body.validate()?;
    let (event, language) = (event_of(&path.0)?, language_of(&path.1)?);
    let body = body.into_inner();
    let text = TemplateText { subject: body.subject, text: body.body_text, html: body.body_html, sms: body.sms_text };
    let rendered = notifications::check(event, &text).map_err(|e| ApiError::invalid_field(e.part, field::TEMPLATE_INVALID, e.message))?;
    let stored = templates::put(&state.db, event, &language, &text, auth.principal().user_id(), now()).await?;
    Ok(web::Json(TemplateSaved {
        template: TemplateOut::custom(stored),
        preview: PreviewOut { subject: rendered.subject, body_text: rendered.text, body_html: rendered.html, sms_text: rendered.sms },
    }))
}

/// Removes a custom template; the built-in one of that language (or the next language in
/// the fallback) applies again.
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("event" = String, Path), ("language" = String, Path)),
    responses((status = 204), NotFound),
    security(("bearer" = []))
)]
#[delete("/templates/{event}/{language}")]
pub async fn delete_template(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (event, language) = (event_of(&path.0)?, language_of(&path.1)?);
    if templates::delete(&state.db, event, &language).await? { Ok(HttpResponse::NoContent().finish()) } else { Err(ApiError::not_found()) }
}

/// Which notifications are sent: every event, installation-wide and for a customer.
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(SettingsQuery),
    responses((status = 200, body = Vec<NotificationSettingOut>), (status = 422, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/notification-settings")]
pub async fn list_settings(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    query: web::Query<SettingsQuery>,
) -> ApiResult<web::Json<Vec<NotificationSettingOut>>> {
    if let Some(id) = query.customer_id {
        referenced("customer_id", customers::get(&state.db, id).await)?;
    }
    let switches = notification_settings::list(&state.db, query.customer_id).await?;
    let find = |event: NotificationEvent, customer: Option<Uuid>| {
        switches.iter().find(|s| s.event == event && s.customer_id == customer).map(|s| s.enabled)
    };
    Ok(web::Json(
        NotificationEvent::ALL
            .iter()
            .map(|&event| {
                let installation = find(event, None);
                let customer = query.customer_id.and_then(|c| find(event, Some(c)));
                NotificationSettingOut { event, enabled: notifications::is_enabled(installation, customer), installation, customer }
            })
            .collect(),
    ))
}

/// Switches an event on or off, for the installation or for one customer (admins).
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("event" = String, Path)),
    request_body = PutSetting,
    responses(
        (status = 200, body = NotificationSettingOut),
        NotFound,
        (status = 422, description = "`not_found` for an unknown `customer_id`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[put("/notification-settings/{event}")]
pub async fn put_setting(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    event: web::Path<String>,
    body: web::Json<PutSetting>,
) -> ApiResult<web::Json<NotificationSettingOut>> {
    let event = event_of(&event)?;
    if let Some(id) = body.customer_id {
        referenced("customer_id", customers::get(&state.db, id).await)?;
    }
    let txn = state.db.begin().await?;
    match body.enabled {
        Some(enabled) => notification_settings::set(&txn, Switch { event, customer_id: body.customer_id, enabled }, now()).await?,
        None => notification_settings::clear(&txn, event, body.customer_id).await?,
    }
    let (installation, customer) = notification_settings::of_event(&txn, event, body.customer_id).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(web::Json(NotificationSettingOut { event, enabled: notifications::is_enabled(installation, customer), installation, customer }))
}

/// What Servdesk sent or is about to send (admins): `queued` waits for its channel,
/// `sent` was accepted by the relay or gateway, `failed` was refused for good (with the
/// answer in `last_error`).
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(PageParams, OutboxQuery),
    responses((status = 200, body = Paged<MessageOut>), (status = 400, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/outbox")]
pub async fn outbox(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    query: web::Query<OutboxQuery>,
) -> ApiResult<web::Json<Paged<MessageOut>>> {
    let filter = MessageFilter {
        direction: Some(MessageDirection::Outbound),
        status: query.status,
        channel: query.channel,
        event: query.event,
        ticket_id: query.ticket_id,
        call_id: query.call_id,
    };
    let page = messages::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, MessageOut::from)))
}

/// One message of the outbox or the inbox (admins).
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = MessageOut), NotFound),
    security(("bearer" = []))
)]
#[get("/messages/{id}")]
pub async fn get_message(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MessageOut>> {
    Ok(web::Json(messages::get(&state.db, id.into_inner()).await?.into()))
}

/// Sends a failed message again (admins): queued with a fresh count of attempts.
#[utoipa::path(
    tag = tags::NOTIFICATIONS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = MessageOut),
        NotFound,
        (status = 409, description = "`message_not_failed`: only failed outbound messages are retried", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/messages/{id}/retry")]
pub async fn retry_message(
    _auth: Authorized<can::NotificationsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<MessageOut>> {
    Ok(web::Json(servdesk_usecases::notify::retry(&state, id.into_inner()).await?.into()))
}

/// A ticket's messages, both ways, oldest first: the emails and SMS sent to its contact and
/// colleagues, and the emails received on it.
#[utoipa::path(
    operation_id = "list_ticket_messages",
    tag = tags::TICKETS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<MessageOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/messages")]
pub async fn of_ticket(
    auth: Authorized<can::TicketsRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<MessageOut>>> {
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let filter = MessageFilter { ticket_id: Some(ticket.id), ..Default::default() };
    let page = messages::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, MessageOut::from)))
}
