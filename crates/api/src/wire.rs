//! OpenAPI schemas of the domain's enums. The domain crate stays free of utoipa, so their
//! schemas are built here from the domain's own lists of values — one source for both.

use servdesk_domain::calls::{AlarmAction, CallState, DismissReason};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::directory::{CustomerKind, NotificationChannel};
use servdesk_domain::jobs::JobStatus;
use servdesk_domain::tickets::{Channel, CommentVisibility};
use servdesk_domain::{Role, Scope};
use utoipa::openapi::schema::{Array, ArrayBuilder, Object, ObjectBuilder, Type};

fn string_enum<'a>(description: &str, values: impl Iterator<Item = &'a str>) -> Object {
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(values.collect::<Vec<_>>())).description(Some(description)).build()
}

/// The same enum where the value may be absent on the wire (`null`).
fn or_null(schema: Object) -> Object {
    use utoipa::openapi::schema::SchemaType;
    let mut values = schema.enum_values.clone().unwrap_or_default();
    values.push(serde_json::Value::Null);
    ObjectBuilder::from(schema).schema_type(SchemaType::from_iter([Type::String, Type::Null])).enum_values(Some(values)).build()
}

pub fn status_class_or_null() -> Object {
    or_null(status_class())
}

pub fn dismiss_reason_or_null() -> Object {
    or_null(dismiss_reason())
}

pub fn notification_event_or_null() -> Object {
    or_null(notification_event())
}

pub fn role() -> Object {
    string_enum("A staff member's role.", Role::ALL.iter().map(|r| r.as_str()))
}

pub fn scope() -> Object {
    string_enum("What an API key may do.", Scope::ALL.iter().map(|s| s.as_str()))
}

pub fn scopes() -> Array {
    ArrayBuilder::new().items(scope()).build()
}

pub fn job_status() -> Object {
    string_enum(
        "queued → running → done; failed attempts go back to queued until the last, then dead.",
        JobStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn customer_kind() -> Object {
    string_enum("A company or a private person.", CustomerKind::ALL.iter().map(|k| k.as_str()))
}

pub fn notification_channel() -> Object {
    string_enum("How the contact wants to be notified.", NotificationChannel::ALL.iter().map(|c| c.as_str()))
}

pub fn dictionary_kind() -> Object {
    string_enum("Which dictionary.", DictionaryKind::ALL.iter().map(|k| k.as_str()))
}

pub fn status_class() -> Object {
    string_enum(
        "What a ticket status means to the system; behaviour keys off it, never the name.",
        StatusClass::ALL.iter().map(|c| c.as_str()),
    )
}

pub fn channel() -> Object {
    string_enum("Where a call or ticket came from.", Channel::ALL.iter().map(|c| c.as_str()))
}

pub fn field_entity() -> Object {
    string_enum(
        "The kind of record a custom field belongs to.",
        servdesk_domain::custom_fields::FieldEntity::ALL.iter().map(|e| e.as_str()),
    )
}

pub fn field_kind() -> Object {
    string_enum(
        "A custom field's type: `text` (a string), `number`, `integer`, `boolean`, `date` (YYYY-MM-DD), `single_choice` (one of \
         `options`), `multiple_choice` (a list of them).",
        servdesk_domain::custom_fields::FieldKind::ALL.iter().map(|k| k.as_str()),
    )
}

pub fn comment_visibility() -> Object {
    string_enum("`public`: a reply sent to the contact; `internal`: a note for staff.", CommentVisibility::ALL.iter().map(|v| v.as_str()))
}

pub fn task_status() -> Object {
    string_enum(
        "`new -> scheduled -> in_progress <-> on_hold -> done`; `cancelled` from any open state.",
        servdesk_domain::tasks::TaskStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn call_state() -> Object {
    string_enum("untriaged until a coordinator converts, merges or dismisses it.", CallState::ALL.iter().map(|s| s.as_str()))
}

pub fn dismiss_reason() -> Object {
    string_enum("Why a call was dismissed.", DismissReason::ALL.iter().map(|r| r.as_str()))
}

pub fn alarm_action() -> Object {
    string_enum("For monitoring calls with a dedup_key: trigger (default) or resolve.", AlarmAction::ALL.iter().map(|a| a.as_str()))
}

pub fn notification_event() -> Object {
    string_enum(
        "What a notification is about; each has a template per language.",
        servdesk_domain::notifications::NotificationEvent::ALL.iter().map(|e| e.as_str()),
    )
}

pub fn message_direction() -> Object {
    string_enum("`out`: sent by Servdesk; `in`: received.", servdesk_domain::messages::MessageDirection::ALL.iter().map(|d| d.as_str()))
}

pub fn message_status() -> Object {
    string_enum(
        "Outbound: queued → sent, or failed (refused for good, or out of attempts). Inbound: received, or ignored (auto-replies, bounces).",
        servdesk_domain::messages::MessageStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn entry_source() -> Object {
    string_enum("How a time entry was made.", servdesk_domain::time::EntrySource::ALL.iter().map(|s| s.as_str()))
}

pub fn document_kind() -> Object {
    string_enum("The kind of a document.", servdesk_domain::documents::DocumentKind::ALL.iter().map(|s| s.as_str()))
}

pub fn contract_status() -> Object {
    string_enum(
        "draft → active ⇄ suspended → ended (a draft may also be ended). Only active and ended contracts bill and cover work.",
        servdesk_domain::billing::contracts::ContractStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn service_kind() -> Object {
    string_enum("What a flat-fee service is.", servdesk_domain::billing::contracts::ServiceKind::ALL.iter().map(|s| s.as_str()))
}

pub fn cycle() -> Object {
    string_enum(
        "The billing period of flat fees, calendar-aligned: months, quarters (Jan–Mar …), half years, years.",
        servdesk_domain::billing::periods::Cycle::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn timing() -> Object {
    string_enum(
        "`in_advance` (prepaid): a month-end run bills the coming period; `in_arrears`: the elapsed one.",
        servdesk_domain::billing::fees::Timing::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn rate_scope() -> Object {
    string_enum(
        "What a billing rate is set for; the most specific in force applies: customer > category > user > role > installation.",
        servdesk_domain::billing::rates::RateScope::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn rate_scope_or_null() -> Object {
    or_null(rate_scope())
}

pub fn contract_status_or_null() -> Object {
    or_null(contract_status())
}

pub fn role_or_null() -> Object {
    or_null(role())
}

pub fn run_status() -> Object {
    string_enum(
        "queued → running → draft (recompute: back to queued) → finalized; `failed` when computing failed (recompute it).",
        servdesk_domain::billing::runs::RunStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn line_kind() -> Object {
    string_enum("What a statement line bills.", servdesk_domain::billing::statements::LineKind::ALL.iter().map(|s| s.as_str()))
}

pub fn work_basis_or_null() -> Object {
    or_null(string_enum(
        "Why work or a material is priced as it is: `warranty` (at zero), `contract` (included minutes at zero, the rest at the rate), `paid` (in full), `billable` (at the rate).",
        servdesk_domain::billing::labour::WorkBasis::ALL.iter().map(|s| s.as_str()),
    ))
}

pub fn rate_source_or_null() -> Object {
    or_null(string_enum(
        "Where the rate on the line came from.",
        servdesk_domain::billing::rates::RateSource::ALL.iter().map(|s| s.as_str()),
    ))
}

pub fn portal_role() -> Object {
    string_enum(
        "`requester`: sees the requests they made; `manager`: every request of their company, its equipment and bills.",
        servdesk_domain::portal::PortalRole::ALL.iter().map(|r| r.as_str()),
    )
}

pub fn form_field_kind() -> Object {
    string_enum(
        "What a form field takes: text, textarea, email, phone, select (one of its options), checkbox, file (multipart parts of its name).",
        servdesk_domain::forms::FieldKind::ALL.iter().map(|k| k.as_str()),
    )
}

pub fn form_field_role_or_null() -> Object {
    or_null(string_enum(
        "What the answer becomes on the call: the sender's name, email or phone, the subject, the message.",
        servdesk_domain::forms::FieldRole::ALL.iter().map(|r| r.as_str()),
    ))
}

/// The events a webhook subscription can name (`ping` goes to every subscription alike).
pub fn webhook_event_types() -> Array {
    use servdesk_domain::webhooks::EventType;
    ArrayBuilder::new()
        .items(string_enum("An event a webhook delivers.", EventType::ALL.iter().filter(|t| **t != EventType::Ping).map(|t| t.as_str())))
        .build()
}

pub fn channels() -> Array {
    ArrayBuilder::new().items(channel()).build()
}

pub fn call_direction() -> Object {
    string_enum(
        "Who dialled: `inbound` (a customer) or `outbound` (the desk).",
        servdesk_domain::telephony::Direction::ALL.iter().map(|d| d.as_str()),
    )
}

pub fn import_kind() -> Object {
    string_enum("What an import creates or changes.", servdesk_domain::imports::ImportKind::ALL.iter().map(|k| k.as_str()))
}

pub fn import_status() -> Object {
    string_enum(
        "queued → running → completed (whatever its rows' outcome); `failed` when it could not run to its end (the rows before are in).",
        servdesk_domain::imports::ImportStatus::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn import_format() -> Object {
    string_enum("The file's format (from its Content-Type).", servdesk_domain::imports::ImportFormat::ALL.iter().map(|s| s.as_str()))
}

pub fn sla_state() -> Object {
    string_enum(
        "`breached`: a target was missed; `at_risk`: a running target is past its warning; `ok`.",
        servdesk_domain::sla::SlaState::ALL.iter().map(|s| s.as_str()),
    )
}

pub fn sla_target() -> Object {
    string_enum("An SLA target.", servdesk_domain::sla::Target::ALL.iter().map(|t| t.as_str()))
}

pub fn sla_state_or_null() -> Object {
    or_null(sla_state())
}
