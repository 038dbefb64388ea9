//! Queuing notifications from the changes that cause them, and who a notification goes to
//! when that is decided by the change (a call's sender, a reply's contact).
//!
//! Two jobs per message. `notify.<event>` is enqueued by the change that causes it, in the
//! same transaction; the channels compose it into a message with its `deliver.<channel>` job.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use servdesk_domain::dictionaries::{Entry, StatusClass};
use servdesk_domain::directory::{Contact, NotificationChannel};
use servdesk_domain::errors::code;
use servdesk_domain::messages::Message;
use servdesk_domain::notifications::{NotificationEvent, choose_channel, status_notice};
use servdesk_domain::tickets::Ticket;
use servdesk_persistence::jobs::{self, NewJob};
use servdesk_persistence::{ConnectionTrait, StoreError, TransactionTrait, messages, users};
use uuid::Uuid;

use crate::{Desk, Error, Result, now};

/// The job kind that sends an outbound email.
pub const DELIVER_EMAIL: &str = "deliver.email";
/// The job kind that sends an SMS.
pub const DELIVER_SMS: &str = "deliver.sms";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipient {
    pub channel: NotificationChannel,
    /// An email address or an E.164 phone number.
    pub address: String,
    pub name: Option<String>,
    pub language: Option<String>,
    pub contact_id: Option<Uuid>,
}

impl Recipient {
    /// A contact, by their preferred channel (the other one when that address is missing).
    pub fn of_contact(contact: &Contact) -> Option<Self> {
        Self::of_sender(Some(contact), None, None, None)
    }

    /// The sender of a call: their contact card when known, else the addresses the call
    /// came from.
    pub fn of_sender(
        contact: Option<&Contact>,
        from_email: Option<&str>,
        from_phone: Option<&str>,
        from_name: Option<&str>,
    ) -> Option<Self> {
        let email = contact.and_then(|c| c.email.as_ref().map(|e| e.to_string())).or(from_email.map(str::to_owned));
        let phone = contact.and_then(|c| c.phones.first().map(|p| p.to_string())).or(from_phone.map(str::to_owned));
        let preferred = contact.map_or(NotificationChannel::Email, |c| c.preferred_channel);
        let (channel, address) = choose_channel(preferred, email.as_deref(), phone.as_deref())?;
        Some(Self {
            channel,
            address,
            name: contact.map(|c| c.name.clone()).or(from_name.map(str::to_owned)),
            language: contact.and_then(|c| c.language.clone()),
            contact_id: contact.map(|c| c.id),
        })
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Queues the notification of `event` in the caller's transaction: it exists exactly when
/// the change that caused it does.
pub async fn queue(
    conn: &impl ConnectionTrait,
    event: NotificationEvent,
    payload: serde_json::Value,
    at: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    jobs::enqueue(conn, NewJob::now(event.job_kind(), payload, at), at).await
}

/// Tells the ticket's contact that it exists (when it has a contact to tell).
pub async fn ticket_created(conn: &impl ConnectionTrait, ticket: &Ticket, at: DateTime<Utc>) -> Result<(), StoreError> {
    if ticket.contact_id.is_some() {
        queue(conn, NotificationEvent::TicketCreated, json!({"ticket_id": ticket.id, "ticket_number": ticket.number}), at).await?;
    }
    Ok(())
}

/// The notices a change of a ticket calls for: its new assignee (unless they assigned it
/// to themselves) and its contact, when the status class changed in a way worth telling.
pub async fn ticket_changed(
    conn: &impl ConnectionTrait,
    before: &Ticket,
    after: &Ticket,
    statuses: &[Entry],
    actor: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if let Some(assignee) = after.assignee_id
        && before.assignee_id != Some(assignee)
        && actor != Some(assignee)
    {
        let actor_name = match actor {
            Some(id) => Some(users::get(conn, id).await?.name),
            None => None,
        };
        let payload = json!({
            "ticket_id": after.id, "ticket_number": after.number, "user_id": assignee, "actor_name": actor_name,
        });
        queue(conn, NotificationEvent::TicketAssigned, payload, at).await?;
    }
    let class = |id: Uuid| statuses.iter().find(|s| s.id == id).and_then(|s| s.class);
    if let (Some(from), Some(to)) = (class(before.status_id), class(after.status_id)) {
        status_changed(conn, after, from, to, at).await?;
    }
    Ok(())
}

/// Tells the ticket's contact about a change of its status class worth telling.
pub async fn status_changed(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    from: StatusClass,
    to: StatusClass,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ticket.contact_id.is_some()
        && let Some(event) = status_notice(from, to)
    {
        queue(conn, event, json!({"ticket_id": ticket.id, "ticket_number": ticket.number}), at).await?;
    }
    Ok(())
}

/// Sends a failed outbound message again: it goes back to `queued` with a fresh delivery
/// job (the first job finished, and its unique key is spent). Only a failed message is
/// retried; the store's conditional update makes two retries at once queue it once.
pub async fn retry(desk: &Desk, id: Uuid) -> Result<Message> {
    let now = now();
    let txn = desk.db.begin().await?;
    let message = messages::get(&txn, id).await?;
    if !messages::requeue(&txn, id, now).await? {
        return Err(Error::new(code::MESSAGE_NOT_FAILED, format!("the message is {}, not a failed outbound one", message.status)));
    }
    let kind = if message.channel == NotificationChannel::Email { DELIVER_EMAIL } else { DELIVER_SMS };
    let mut job = NewJob::now(kind, json!({"message_id": id}), now);
    job.unique_key = Some(format!("deliver:{id}:{}", now.timestamp_micros()));
    jobs::enqueue(&txn, job, now).await?;
    let message = messages::get(&txn, id).await?;
    crate::commit(txn).await?;
    Ok(message)
}
