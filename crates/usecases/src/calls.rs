//! Calls: taking one in (match the sender, de-duplicate monitoring alarms, store it as it
//! came, queue the acknowledgement, convert at once when asked) and triage (convert into a
//! ticket, merge into one, dismiss) — each once, in one transaction.

use chrono::{DateTime, Utc};
use serde_json::json;
use servdesk_domain::Actor;
use servdesk_domain::calls::Call;
use servdesk_domain::calls::{
    AlarmAction, AlarmEffect, CallState, DismissReason, alarm_effect, alarm_identity, alarm_lock_name, check_triage, looks_automated,
    suggested_title,
};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::directory::Contact;
use servdesk_domain::errors::{code, field};
use servdesk_domain::forms::Routing;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::phone::PhoneNumber;
use servdesk_domain::tickets::{self as rules, Channel, CommentVisibility, Ticket};
use servdesk_domain::timeline::{AlarmCall, AlarmRepeated, AlarmResolved, CallMerged, TicketEvent};
use servdesk_domain::{Email, Principal};
use servdesk_persistence::calls::{self, NewCall};
use servdesk_persistence::directory::{contacts, customers};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, attachments, comments, dictionaries, locks, messages, tickets};
use uuid::Uuid;

use crate::access::visibility;
use crate::error::referenced;
use crate::notify::Recipient;
use crate::tickets::OpenTicket;
use crate::{Desk, Error, Result, notify, now};

/// A call as a channel delivers it (shape already checked by the caller).
#[derive(Debug, Clone)]
pub struct Intake {
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<Email>,
    pub from_phone: Option<PhoneNumber>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    /// A monitoring alarm's identity: while its ticket is open, repeats land there.
    pub dedup_key: Option<String>,
    pub action: AlarmAction,
    /// Become a ticket at once, without triage.
    pub auto_convert: bool,
    /// Channel data kept with the call (a JSON object).
    pub metadata: Option<serde_json::Value>,
}

/// What became of a call taken in.
#[derive(Debug, Clone)]
pub struct IntakeOutcome {
    /// `created`, `converted`, `deduplicated` or `resolved`.
    pub outcome: &'static str,
    pub call: Option<Call>,
    pub ticket_id: Option<Uuid>,
    pub ticket_number: Option<String>,
    pub alarm_count: Option<i64>,
}

/// What a coordinator sets when converting a call; the rest comes from the call.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    pub title: Option<String>,
    pub description: Option<String>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub product_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    /// The ticket's tags (else those a triage rule gave the call).
    pub tags: Option<Vec<String>>,
}

/// The contact a call comes from: the one named, else the first active contact with the
/// sender's email or phone (of the named customer, when one is named).
async fn sender(
    conn: &impl ConnectionTrait,
    contact_id: Option<Uuid>,
    customer_id: Option<Uuid>,
    email: Option<&Email>,
    phone: Option<&PhoneNumber>,
) -> Result<(Option<Uuid>, Option<Contact>)> {
    if let Some(id) = contact_id {
        let contact = referenced("contact_id", contacts::get(conn, id).await)?;
        if customer_id.is_some_and(|c| c != contact.customer_id) {
            return Err(Error::invalid_field("contact_id", field::CONTACT_OF_ANOTHER_CUSTOMER, "the contact belongs to another customer"));
        }
        return Ok((Some(contact.customer_id), Some(contact)));
    }
    if let Some(id) = customer_id {
        referenced("customer_id", customers::get(conn, id).await)?;
    }
    let matched =
        contacts::find_by_email_or_phone(conn, email, phone).await?.into_iter().find(|c| customer_id.is_none_or(|id| id == c.customer_id));
    Ok((customer_id.or(matched.as_ref().map(|c| c.customer_id)), matched))
}

async fn alarm_on_ticket(txn: &impl ConnectionTrait, ticket: &Ticket, body: &Intake, principal: &Principal) -> Result<IntakeOutcome> {
    let now = now();
    let call = AlarmCall {
        subject: body.subject.clone(),
        body: body.body.clone(),
        channel: body.channel.as_str().to_owned(),
        metadata: body.metadata.clone(),
    };
    let auto_resolve = match (body.action, ticket.customer_id) {
        (AlarmAction::Resolve, Some(id)) => customers::get(txn, id).await?.auto_resolve_alarms,
        _ => false,
    };
    let statuses = dictionaries::list(txn, DictionaryKind::TicketStatus, None, None).await?;
    let from = statuses.iter().find(|s| s.id == ticket.status_id).and_then(|s| s.class).unwrap_or(StatusClass::Open);
    let (outcome, count) = match alarm_effect(body.action, auto_resolve, from) {
        AlarmEffect::Repeated => {
            let count = tickets::repeat_alarm(txn, ticket.id, now).await?;
            let event = TicketEvent::AlarmRepeated(AlarmRepeated { count, call });
            tickets::append_event(txn, ticket.id, Actor::of(principal), &event, now).await?;
            ("deduplicated", count)
        }
        AlarmEffect::Cleared { resolve_ticket } => {
            tickets::resolve_alarm(txn, ticket.id, now).await?;
            if resolve_ticket {
                let current = tickets::get(txn, ticket.id).await?;
                let resolved = dictionaries::default_of(txn, DictionaryKind::TicketStatus, Some(StatusClass::Resolved)).await?;
                let stamps = rules::stamps_after(current.stamps(), from, StatusClass::Resolved, now);
                tickets::set_status(txn, &current, None, resolved.id, stamps, now).await?;
            }
            let event = TicketEvent::AlarmResolved(AlarmResolved { ticket_resolved: resolve_ticket, call });
            tickets::append_event(txn, ticket.id, Actor::of(principal), &event, now).await?;
            let (_, count, _, _) = tickets::alarm(txn, ticket.id).await?;
            ("resolved", count)
        }
    };
    Ok(IntakeOutcome {
        outcome,
        call: None,
        ticket_id: Some(ticket.id),
        ticket_number: Some(ticket.number.clone()),
        alarm_count: Some(count),
    })
}

/// Stores a new call and queues its acknowledgement (unless the channel or the customer
/// says not to, or the sender looks automated): shared by `POST /calls` and inbound email.
pub async fn register(txn: &impl ConnectionTrait, desk: &Desk, body: &Intake, created_by: Actor, now: DateTime<Utc>) -> Result<Call> {
    let from = sender(txn, body.contact_id, body.customer_id, body.from_email.as_ref(), body.from_phone.as_ref()).await?;
    register_from(txn, desk, body, from, None, created_by, now).await
}

/// [`register`] with the sender already resolved, and the alarm's identity for a monitoring
/// call.
async fn register_from(
    txn: &impl ConnectionTrait,
    desk: &Desk,
    body: &Intake,
    (customer_id, contact): (Option<Uuid>, Option<Contact>),
    alarm_key: Option<String>,
    created_by: Actor,
    now: DateTime<Utc>,
) -> Result<Call> {
    let (email, phone) = (body.from_email.as_ref(), body.from_phone.as_ref());
    let customer_acknowledges = match customer_id {
        Some(id) => customers::get(txn, id).await?.acknowledge_calls,
        None => true,
    };
    let metadata = body.metadata.clone().unwrap_or_else(|| json!({}));
    let auto_submitted = metadata.get("auto_submitted").and_then(|v| v.as_str());
    let from_email = email.map(|e| e.to_string());
    let from_phone = phone.map(|p| p.to_string());
    let recipient = Recipient::of_sender(contact.as_ref(), from_email.as_deref(), from_phone.as_deref(), body.from_name.as_deref());
    let acknowledge = desk.policy.acknowledges(body.channel)
        && customer_acknowledges
        && !looks_automated(body.channel, from_email.as_deref(), auto_submitted)
        && recipient.is_some();
    let new = NewCall {
        channel: body.channel,
        subject: body.subject.clone(),
        body: body.body.clone(),
        from_name: body.from_name.clone(),
        from_email,
        from_phone,
        metadata,
        customer_id,
        contact_id: contact.as_ref().map(|c| c.id),
        dedup_key: body.dedup_key.clone(),
        alarm_key,
        action: body.action,
        acknowledged: acknowledge,
        created_by,
    };
    let mut call: Call = calls::create(txn, new, &desk.config.call_prefix, desk.config.numbering, now).await?;
    // A call its channel converts at once is not the rules' to triage.
    if !body.auto_convert {
        crate::triage::apply(txn, desk, &call).await?;
        call = calls::get(txn, call.id).await?;
    }
    // Spam a rule dismissed is not answered.
    if acknowledge && call.state == CallState::Dismissed {
        calls::set_acknowledged(txn, call.id, false).await?;
        call.acknowledged = false;
    }
    if call.acknowledged
        && let Some(to) = recipient
    {
        let payload = json!({"call_id": call.id, "call_number": call.number, "to": to.to_json()});
        notify::queue(txn, NotificationEvent::CallAcknowledged, payload, now).await?;
    }
    Ok(call)
}

/// Takes in a call from any channel: a repeat of an open alarm is counted on its ticket, a
/// resolution recorded there; anything else is stored (and converted at once when asked).
pub async fn take_in(desk: &Desk, principal: &Principal, body: Intake) -> Result<IntakeOutcome> {
    let now = now();
    let txn = desk.db.begin().await?;
    let from = sender(&txn, body.contact_id, body.customer_id, body.from_email.as_ref(), body.from_phone.as_ref()).await?;
    let identity = body.dedup_key.as_ref().map(|key| {
        let api_key_id = match principal {
            Principal::ApiKey { id, .. } => Some(*id),
            Principal::User { .. } | Principal::System => None,
        };
        alarm_identity(from.0, api_key_id, key)
    });
    if let Some(identity) = &identity {
        // Concurrent first triggers of one alarm must not open two tickets (or two calls).
        locks::hold(&txn, &alarm_lock_name(identity)).await?;
        if let Some(ticket) = tickets::open_by_alarm_key(&txn, identity).await? {
            let out = alarm_on_ticket(&txn, &ticket, &body, principal).await?;
            crate::commit(txn).await?;
            return Ok(out);
        }
        if !body.auto_convert
            && let Some(waiting) = calls::untriaged_by_alarm_key(&txn, identity).await?
        {
            let (outcome, call) = match body.action {
                AlarmAction::Trigger => ("deduplicated", calls::repeat_alarm(&txn, waiting.id, now).await?),
                AlarmAction::Resolve => ("resolved", calls::resolve_alarm(&txn, waiting.id, now).await?),
            };
            crate::commit(txn).await?;
            return Ok(IntakeOutcome {
                outcome,
                alarm_count: Some(call.alarm_count),
                call: Some(call),
                ticket_id: None,
                ticket_number: None,
            });
        }
    }
    let call = register_from(&txn, desk, &body, from, identity, Actor::of(principal), now).await?;
    let (outcome, ticket) = if body.auto_convert {
        ("converted", Some(convert(&txn, desk, principal, &call, Conversion::default()).await?))
    } else {
        // A triage rule may have acted on it.
        match (call.state, call.ticket_id) {
            (CallState::Converted, Some(id)) => ("converted", Some(tickets::get(&txn, id).await?)),
            (CallState::Dismissed, _) => ("dismissed", None),
            _ => ("created", None),
        }
    };
    let call = calls::get(&txn, call.id).await?;
    crate::commit(txn).await?;
    Ok(IntakeOutcome {
        outcome,
        ticket_id: ticket.as_ref().map(|t| t.id),
        ticket_number: ticket.as_ref().map(|t| t.number.clone()),
        alarm_count: ticket.as_ref().and(call.dedup_key.as_ref()).map(|_| 1),
        call: Some(call),
    })
}

fn already_triaged(call: &Call) -> Error {
    Error::new(code::ALREADY_TRIAGED, format!("call {} was already {}", call.number, call.state.as_str()))
}

/// Opens the ticket a call becomes, prefilled from the call; `overrides` win.
pub async fn convert(txn: &impl ConnectionTrait, desk: &Desk, principal: &Principal, call: &Call, overrides: Conversion) -> Result<Ticket> {
    check_triage(call.state).map_err(|_| already_triaged(call))?;
    // Where the call asked to go (a web form's chosen department), unless the coordinator
    // says otherwise.
    let asked: Routing = call.metadata.get("routing").and_then(|r| serde_json::from_value(r.clone()).ok()).unwrap_or_default();
    let body = OpenTicket {
        title: overrides.title.unwrap_or_else(|| suggested_title(call.subject.as_deref(), call.body.as_deref(), &call.number)),
        description: overrides.description,
        details: call.body.clone(),
        channel: Some(call.channel),
        customer_id: overrides.customer_id.or(call.customer_id),
        location_id: overrides.location_id,
        contact_id: overrides.contact_id.or(call.contact_id),
        equipment_id: overrides.equipment_id,
        serial_number: overrides.serial_number,
        product_id: overrides.product_id,
        category_id: overrides.category_id.or(asked.category_id),
        type_id: overrides.type_id.or(asked.type_id),
        priority_id: overrides.priority_id.or(asked.priority_id),
        team_id: overrides.team_id.or(asked.team_id),
        assignee_id: overrides.assignee_id,
        reported_at: Some(call.created_at),
        tags: overrides.tags.unwrap_or_else(|| {
            call.metadata.get("tags").and_then(|t| serde_json::from_value::<Vec<String>>(t.clone()).ok()).unwrap_or_default()
        }),
        ..OpenTicket::default()
    };
    let alarm_key = call.alarm_key.clone();
    let ticket = crate::tickets::open(txn, desk, principal, body, Some(call.id), alarm_key).await?;
    if !calls::triage(txn, call.id, CallState::Converted, Some(ticket.id), None, Actor::of(principal), now()).await? {
        return Err(already_triaged(call));
    }
    attachments::follow_call(txn, call.id, ticket.id, None).await?;
    // The call's emails (its acknowledgement, the original) become the ticket's thread,
    // and the tracking link its sender got now shows the ticket.
    messages::move_call_to_ticket(txn, call.id, ticket.id).await?;
    servdesk_persistence::tracking::follow_call(txn, call.id, ticket.id).await?;
    Ok(ticket)
}

/// Converts a call into a new ticket (coordinators). Returns the call, now `converted`.
pub async fn convert_call(desk: &Desk, principal: &Principal, call_id: Uuid, overrides: Conversion) -> Result<Call> {
    let txn = desk.db.begin().await?;
    let call = calls::get(&txn, call_id).await?;
    convert(&txn, desk, principal, &call, overrides).await?;
    let call = calls::get(&txn, call.id).await?;
    crate::commit(txn).await?;
    Ok(call)
}

/// Merges a call into an existing ticket the caller sees: its content becomes an internal
/// note there, its files and emails follow.
pub async fn merge(desk: &Desk, principal: &Principal, call_id: Uuid, ticket_id: Uuid) -> Result<Call> {
    let txn = desk.db.begin().await?;
    let call = calls::get(&txn, call_id).await?;
    check_triage(call.state).map_err(|_| already_triaged(&call))?;
    let visibility = visibility(&txn, principal).await?;
    let ticket = referenced("ticket_id", tickets::get_visible(&txn, ticket_id, &visibility).await)?;
    let from =
        call.from_email.clone().or(call.from_phone.clone()).or(call.from_name.clone()).unwrap_or_else(|| "unknown sender".to_owned());
    let text = format!(
        "Call {} ({}, from {from}): {}\n\n{}",
        call.number,
        call.channel.as_str(),
        call.subject.as_deref().unwrap_or(""),
        call.body.as_deref().unwrap_or("")
    );
    let comment =
        comments::create(&txn, ticket.id, Actor::of(principal), CommentVisibility::Internal, text.trim().to_owned(), &[], now()).await?;
    let event = TicketEvent::CallMerged(CallMerged { call_id: call.id, call_number: call.number.clone(), comment_id: comment.id });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now()).await?;
    if !calls::triage(&txn, call.id, CallState::Merged, Some(ticket.id), None, Actor::of(principal), now()).await? {
        return Err(already_triaged(&call));
    }
    attachments::follow_call(&txn, call.id, ticket.id, Some(comment.id)).await?;
    messages::move_call_to_ticket(&txn, call.id, ticket.id).await?;
    servdesk_persistence::tracking::follow_call(&txn, call.id, ticket.id).await?;
    let call = calls::get(&txn, call.id).await?;
    crate::commit(txn).await?;
    Ok(call)
}

/// Dismisses a call with a reason.
pub async fn dismiss(desk: &Desk, principal: &Principal, call_id: Uuid, reason: DismissReason) -> Result<Call> {
    let txn = desk.db.begin().await?;
    let call = calls::get(&txn, call_id).await?;
    check_triage(call.state).map_err(|_| already_triaged(&call))?;
    if !calls::triage(&txn, call.id, CallState::Dismissed, None, Some(reason), Actor::of(principal), now()).await? {
        return Err(already_triaged(&call));
    }
    let call = calls::get(&txn, call.id).await?;
    crate::commit(txn).await?;
    Ok(call)
}
