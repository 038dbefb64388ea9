//! Notifications on the wire: the requests and responses of this area.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::messages::{Message, MessageDirection, MessageStatus};
use servdesk_domain::notifications::{self, NotificationEvent};
use servdesk_persistence::templates::StoredTemplate;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::wire;

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
    pub(super) fn built_in(event: NotificationEvent, language: &str) -> Option<Self> {
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

    pub(super) fn custom(t: StoredTemplate) -> Self {
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

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "subject": "Zgłoszenie {{ ticket.number }} zamknięte",
    "body_text": "Dzień dobry {{ recipient.name }},\n\nzgłoszenie {{ ticket.number }} „{{ ticket.title }}” zostało zamknięte.\n\n{{ company.name }}",
    "body_html": null,
    "sms_text": "{{ company.name }}: zgłoszenie {{ ticket.number }} zamknięte."
}))]
pub struct PutTemplate {
    #[validate(length(min = 1, max = 500))]
    #[schema(min_length = 1, max_length = 500)]
    pub subject: String,
    #[validate(length(min = 1, max = 50000))]
    #[schema(min_length = 1, max_length = 50000)]
    pub body_text: String,
    #[validate(length(max = 100000))]
    #[schema(max_length = 100000)]
    pub body_html: Option<String>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
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

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"customer_id": null, "enabled": false}))]
pub struct PutSetting {
    /// The customer the switch is for; absent or `null`: the whole installation.
    pub customer_id: Option<Uuid>,
    /// `true`/`false` sets the switch; `null` removes it (back to the default).
    pub enabled: Option<bool>,
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
    #[schema(schema_with = wire::notification_event_or_null)]
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
