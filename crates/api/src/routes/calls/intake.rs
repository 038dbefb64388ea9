//! Taking a call in: match the sender, de-duplicate monitoring alarms, store the call as it
//! came, queue the acknowledgement, convert at once when asked — one transaction.

use actix_web::http::header;
use actix_web::{HttpResponse, post, web};
use serde_json::json;
use servdesk_domain::calls::{AlarmAction, looks_automated};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::directory::Contact;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::tickets::{self as rules, EventKind, Ticket};
use servdesk_persistence::calls::{self, Call, NewCall};
use servdesk_persistence::directory::{contacts, customers};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, dictionaries, locks, tickets};
use uuid::Uuid;

use super::dto::{CallIntakeOut, CallOut, ConvertCall, CreateCall};
use super::triage::convert;
use crate::auth::{Authorized, can};
use crate::channels::{self, Recipient};
use crate::conventions::validation::Fields;
use crate::error::{ApiError, ApiResult};
use crate::routes::directory::referenced;
use crate::routes::tags;
use crate::routes::tickets::actor;
use crate::state::{AppState, now};

/// The contact a call comes from: the one named, else the first active contact with the
/// sender's email or phone (of the named customer, when one is named).
async fn sender(
    conn: &impl ConnectionTrait,
    contact_id: Option<Uuid>,
    customer_id: Option<Uuid>,
    email: Option<&servdesk_domain::Email>,
    phone: Option<&servdesk_domain::phone::PhoneNumber>,
) -> ApiResult<(Option<Uuid>, Option<Contact>)> {
    if let Some(id) = contact_id {
        let contact = referenced("contact_id", contacts::get(conn, id).await)?;
        if customer_id.is_some_and(|c| c != contact.customer_id) {
            return Err(ApiError::invalid_field("contact_id", "contact_of_another_customer", "the contact belongs to another customer"));
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

async fn alarm_on_ticket(
    txn: &impl ConnectionTrait,
    ticket: &Ticket,
    body: &CreateCall,
    principal: &servdesk_domain::Principal,
) -> ApiResult<CallIntakeOut> {
    let now = now();
    let detail = json!({"subject": body.subject, "body": body.body, "channel": body.channel.as_str(), "metadata": body.metadata});
    match body.action {
        AlarmAction::Trigger => {
            let count = tickets::repeat_alarm(txn, ticket.id, now).await?;
            tickets::append_event(txn, ticket.id, EventKind::AlarmRepeated, actor(principal), json!({"count": count, "call": detail}), now)
                .await?;
            Ok(CallIntakeOut {
                outcome: "deduplicated",
                call: None,
                ticket_id: Some(ticket.id),
                ticket_number: Some(ticket.number.clone()),
                alarm_count: Some(count),
            })
        }
        AlarmAction::Resolve => {
            tickets::resolve_alarm(txn, ticket.id, now).await?;
            let auto_resolve = match ticket.customer_id {
                Some(id) => customers::get(txn, id).await?.auto_resolve_alarms,
                None => false,
            };
            let statuses = dictionaries::list(txn, DictionaryKind::TicketStatus, None, None).await?;
            let from = statuses.iter().find(|s| s.id == ticket.status_id).and_then(|s| s.class).unwrap_or(StatusClass::Open);
            let resolves = auto_resolve && !matches!(from, StatusClass::Resolved | StatusClass::Closed | StatusClass::Cancelled);
            if resolves {
                let current = tickets::get(txn, ticket.id).await?;
                let resolved = dictionaries::default_of(txn, DictionaryKind::TicketStatus, Some(StatusClass::Resolved)).await?;
                let stamps = rules::stamps_after(current.stamps(), from, StatusClass::Resolved, now);
                tickets::set_status(txn, &current, None, resolved.id, stamps, now).await?;
            }
            tickets::append_event(
                txn,
                ticket.id,
                EventKind::AlarmResolved,
                actor(principal),
                json!({"ticket_resolved": resolves, "call": detail}),
                now,
            )
            .await?;
            let (_, count, _, _) = tickets::alarm(txn, ticket.id).await?;
            Ok(CallIntakeOut {
                outcome: "resolved",
                call: None,
                ticket_id: Some(ticket.id),
                ticket_number: Some(ticket.number.clone()),
                alarm_count: Some(count),
            })
        }
    }
}

/// Stores a new call and queues its acknowledgement (unless the channel or the customer
/// says not to, or the sender looks automated): shared by `POST /calls` and inbound email.
pub(crate) async fn register(
    txn: &impl ConnectionTrait,
    state: &AppState,
    body: &CreateCall,
    email: Option<&servdesk_domain::Email>,
    phone: Option<&servdesk_domain::phone::PhoneNumber>,
    created_by: servdesk_persistence::tickets::Actor,
    now: chrono::DateTime<chrono::Utc>,
) -> ApiResult<Call> {
    let (customer_id, contact) = sender(txn, body.contact_id, body.customer_id, email, phone).await?;
    let customer_acknowledges = match customer_id {
        Some(id) => customers::get(txn, id).await?.acknowledge_calls,
        None => true,
    };
    let metadata = body.metadata.clone().unwrap_or_else(|| json!({}));
    let auto_submitted = metadata.get("auto_submitted").and_then(|v| v.as_str());
    let from_email = email.map(|e| e.to_string());
    let from_phone = phone.map(|p| p.to_string());
    let recipient = Recipient::of_sender(contact.as_ref(), from_email.as_deref(), from_phone.as_deref(), body.from_name.as_deref());
    let acknowledge = state.config.acknowledge_channels.contains(&body.channel)
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
        action: body.action,
        acknowledged: acknowledge,
        created_by,
    };
    let call: Call = calls::create(txn, new, &state.config.call_prefix, now).await?;
    if acknowledge && let Some(to) = recipient {
        let payload = json!({"call_id": call.id, "call_number": call.number, "to": to.to_json()});
        channels::queue(txn, NotificationEvent::CallAcknowledged, payload, now).await?;
    }
    Ok(call)
}

/// Takes in a call from any channel (staff, or keys with `calls:write`). The raw content is
/// kept untouched; the sender is matched to a contact by email or phone; an acknowledgement
/// is queued unless the channel or customer says not to or the sender looks automated.
/// With a `dedup_key`, a repeat of an alarm whose ticket is still open is counted on that
/// ticket (200, no new call); `action: resolve` records that the alarm cleared. With
/// `auto_convert` the call becomes a ticket at once.
#[utoipa::path(
    tag = tags::CALLS,
    request_body = CreateCall,
    responses(
        (status = 201, body = CallIntakeOut, description = "a call was stored (`created` or `converted`)", headers(("Location" = String))),
        (status = 200, body = CallIntakeOut, description = "an alarm repeat or resolution landed on its open ticket")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/calls")]
pub async fn create(
    auth: Authorized<can::CallsCreate>,
    state: web::Data<AppState>,
    body: web::Json<CreateCall>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    let principal = auth.principal();
    let mut fields = Fields::check(&body);
    let email = fields.email("from_email", body.from_email.as_deref());
    let phone = fields.phone("from_phone", body.from_phone.as_deref(), state.config.default_phone_region);
    if body.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        fields.add("metadata", "object", "must be a JSON object");
    }
    fields.finish()?;
    let now = now();
    let txn = state.db.begin().await?;
    if let Some(key) = &body.dedup_key {
        // Concurrent first triggers of one alarm must not open two tickets.
        locks::hold(&txn, &format!("alarm:{}", key.chars().take(240).collect::<String>())).await?;
    }
    if let Some(key) = &body.dedup_key
        && let Some(ticket) = tickets::open_by_alarm_key(&txn, key).await?
    {
        let out = alarm_on_ticket(&txn, &ticket, &body, principal).await?;
        txn.commit().await?;
        return Ok(HttpResponse::Ok().json(out));
    }
    let call = register(&txn, &state, &body, email.as_ref(), phone.as_ref(), actor(principal), now).await?;
    let (outcome, ticket) = if body.auto_convert {
        ("converted", Some(convert(&txn, &state, principal, &call, ConvertCall::default()).await?))
    } else {
        ("created", None)
    };
    let call = calls::get(&txn, call.id).await?;
    txn.commit().await?;
    let out = CallIntakeOut {
        outcome,
        ticket_id: ticket.as_ref().map(|t| t.id),
        ticket_number: ticket.as_ref().map(|t| t.number.clone()),
        alarm_count: ticket.as_ref().and(call.dedup_key.as_ref()).map(|_| 1),
        call: Some(CallOut::from(call.clone())),
    };
    Ok(HttpResponse::Created().insert_header((header::LOCATION, format!("/api/v1/calls/{}", call.id))).json(out))
}
