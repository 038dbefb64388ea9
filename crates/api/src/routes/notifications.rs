//! Notifications for admins: templates per event and language, the switches that turn an
//! event off for everyone or one customer, and the outbox — plus a ticket's message
//! history for whoever sees the ticket.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::errors::{code, field};
use servdesk_domain::messages::{Message, MessageDirection, MessageStatus};
use servdesk_domain::notifications::{self, NotificationEvent, TemplateText};
use servdesk_persistence::directory::customers;
use servdesk_persistence::jobs::{self, NewJob};
use servdesk_persistence::messages::{self, MessageFilter};
use servdesk_persistence::notification_settings::{self, Switch};
use servdesk_persistence::templates::{self, StoredTemplate};
use servdesk_persistence::{TransactionTrait, tickets};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use super::tags;
use crate::auth::{Authorized, can};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::referenced;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::NotFound;
use crate::state::{AppState, now};
use crate::wire;
use servdesk_usecases::access::visibility;
use servdesk_usecases::notify::{DELIVER_EMAIL, DELIVER_SMS};

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

#[derive(Serialize, ToSchema)]
pub struct TemplateOut {
    #[schema(schema_with = wire::notification_event)]
    pub event: NotificationEvent,
    pub language: String,
    /// `built_in` (shipped with Servdesk) or `custom` (written by an admin; deleting it
    /// brings the built-in one back).
    pub source: &'static str,
    pub subject: String,
    pub body_text: String,
    /// `null`: the HTML part is the text, escaped, with its paragraphs.
    pub body_html: Option<String>,
    /// `null`: an SMS carries the rendered subject.
    pub sms_text: Option<String>,
    /// The variables its templates may use, `{{ ticket.number }}` and so on.
    pub variables: Vec<&'static str>,
    pub version: Option<i64>,
    pub updated_at: Option<DateTime<Utc>>,
}

impl TemplateOut {
    fn built_in(event: NotificationEvent, language: &str) -> Option<Self> {
        let t = notifications::built_in(event, language)?;
        Some(Self {
            event,
            language: language.to_owned(),
            source: "built_in",
            subject: t.subject,
            body_text: t.text,
            body_html: t.html,
            sms_text: t.sms,
            variables: event.variables(),
            version: None,
            updated_at: None,
        })
    }

    fn custom(t: StoredTemplate) -> Self {
        Self {
            variables: t.event.variables(),
            event: t.event,
            language: t.language,
            source: "custom",
            subject: t.text.subject,
            body_text: t.text.text,
            body_html: t.text.html,
            sms_text: t.text.sms,
            version: Some(t.version),
            updated_at: Some(t.updated_at),
        }
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

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "subject": "Zgłoszenie {{ ticket.number }} zamknięte",
    "body_text": "Dzień dobry {{ recipient.name }},\n\nzgłoszenie {{ ticket.number }} „{{ ticket.title }}” zostało zamknięte.\n\n{{ company.name }}",
    "body_html": null,
    "sms_text": "{{ company.name }}: zgłoszenie {{ ticket.number }} zamknięte."
}))]
pub struct PutTemplate {
    #[validate(length(min = 1, max = 500))]
    pub subject: String,
    #[validate(length(min = 1, max = 50000))]
    pub body_text: String,
    #[validate(length(max = 100000))]
    pub body_html: Option<String>,
    #[validate(length(max = 2000))]
    pub sms_text: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TemplateSaved {
    pub template: TemplateOut,
    /// The template rendered with placeholder values, as a check of what will be sent.
    pub preview: PreviewOut,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewOut {
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub sms_text: String,
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

#[derive(Serialize, ToSchema)]
pub struct NotificationSettingOut {
    #[schema(schema_with = wire::notification_event)]
    pub event: NotificationEvent,
    /// Whether this event is sent (for the customer asked about, if any).
    pub enabled: bool,
    /// The installation's switch (`null`: never set, so on).
    pub installation: Option<bool>,
    /// The customer's switch, which wins over the installation's (`null`: not set).
    pub customer: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SettingsQuery {
    /// Show the switches as they apply to this customer.
    pub customer_id: Option<Uuid>,
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

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer_id": null, "enabled": false}))]
pub struct PutSetting {
    /// The customer the switch is for; absent or `null`: the whole installation.
    pub customer_id: Option<Uuid>,
    /// `true`/`false` sets the switch; `null` removes it (back to the default).
    pub enabled: Option<bool>,
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
    txn.commit().await?;
    Ok(web::Json(NotificationSettingOut { event, enabled: notifications::is_enabled(installation, customer), installation, customer }))
}

#[derive(Serialize, ToSchema)]
pub struct MessageOut {
    pub id: Uuid,
    /// `out`: sent by Servdesk; `in`: received.
    #[schema(schema_with = wire::message_direction)]
    pub direction: MessageDirection,
    #[schema(schema_with = wire::notification_channel)]
    pub channel: NotificationChannel,
    /// The notification it is (outbound).
    #[schema(schema_with = wire::notification_event)]
    pub event: Option<NotificationEvent>,
    #[schema(schema_with = wire::message_status)]
    pub status: MessageStatus,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub language: Option<String>,
    /// The `Message-ID` (email), without angle brackets.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    pub auto_submitted: Option<String>,
    pub attachment_ids: Vec<Uuid>,
    pub attempts: u32,
    /// The last failure: the server's or gateway's answer.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

impl From<Message> for MessageOut {
    fn from(m: Message) -> Self {
        Self {
            id: m.id,
            direction: m.direction,
            channel: m.channel,
            event: m.event,
            status: m.status,
            ticket_id: m.ticket_id,
            call_id: m.call_id,
            comment_id: m.comment_id,
            task_id: m.task_id,
            contact_id: m.contact_id,
            user_id: m.user_id,
            to_address: m.to_address,
            to_name: m.to_name,
            from_address: m.from_address,
            from_name: m.from_name,
            subject: m.subject,
            body_text: m.body_text,
            body_html: m.body_html,
            language: m.language,
            message_id: m.message_id,
            in_reply_to: m.in_reply_to,
            references: m.references,
            auto_submitted: m.auto_submitted,
            attachment_ids: m.attachment_ids,
            attempts: m.attempts,
            last_error: m.last_error,
            created_at: m.created_at,
            updated_at: m.updated_at,
            sent_at: m.sent_at,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    #[param(schema_with = wire::message_status)]
    pub status: Option<MessageStatus>,
    #[param(schema_with = wire::notification_channel)]
    pub channel: Option<NotificationChannel>,
    #[param(schema_with = wire::notification_event)]
    pub event: Option<NotificationEvent>,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
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
    let id = id.into_inner();
    let now = now();
    let txn = state.db.begin().await?;
    let message = messages::get(&txn, id).await?;
    if !messages::requeue(&txn, id, now).await? {
        return Err(ApiError::new(code::MESSAGE_NOT_FAILED, format!("the message is {}, not a failed outbound one", message.status)));
    }
    let kind = if message.channel == NotificationChannel::Email { DELIVER_EMAIL } else { DELIVER_SMS };
    // A fresh job: the first one finished (failed) and its unique key is spent.
    let mut job = NewJob::now(kind, json!({"message_id": id}), now);
    job.unique_key = Some(format!("deliver:{id}:{}", now.timestamp_micros()));
    jobs::enqueue(&txn, job, now).await?;
    let message = messages::get(&txn, id).await?;
    txn.commit().await?;
    Ok(web::Json(message.into()))
}

/// A ticket's messages, both ways, oldest first: the emails and SMS sent to its contact and
/// colleagues, and the emails received on it.
#[utoipa::path(
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

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_templates)
        .service(get_template)
        .service(put_template)
        .service(delete_template)
        .service(list_settings)
        .service(put_setting)
        .service(outbox)
        .service(get_message)
        .service(retry_message)
        .service(of_ticket);
}
