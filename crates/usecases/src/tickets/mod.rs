//! Tickets: opening one (from a request or a call), the dictionary snapshots every ticket is
//! shown with, and moving a ticket between status classes.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use servdesk_domain::Actor;
use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::tickets::Assignment;
use servdesk_domain::tickets::{self as rules, Channel, Ticket};
use servdesk_domain::timeline::TicketEvent;
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::directory::equipment;
use servdesk_persistence::tickets::{self, NewTicket, TicketChanges};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, dictionaries, teams};
use uuid::Uuid;

use crate::{Desk, Error, Result, clean, notify, now, references};

pub mod actions;

pub use servdesk_persistence::rollups::Rollup;

/// What a new ticket is made of, as a person or a system asked for it (already checked for
/// shape by the caller; references and rules are checked here).
#[derive(Debug, Clone, Default)]
pub struct OpenTicket {
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub channel: Option<Channel>,
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
    pub expected_close_on: Option<NaiveDate>,
    pub reported_at: Option<DateTime<Utc>>,
    pub warranty: Option<bool>,
    pub warranty_reason: Option<String>,
    pub paid: bool,
    pub tags: Vec<String>,
    /// The ERP's id for it (unique among tickets).
    pub external_ref: Option<String>,
    /// Custom field values (`None`: not asked, as for a ticket made from a call or an email).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

pub fn clean_tags(tags: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = tags.into_iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    out.sort();
    out.dedup();
    out
}

/// The ticket statuses for showing tickets, from the process's snapshot unless it lacks one of
/// `needed` (a status created since) — then read again through `conn`, which inside a
/// transaction must be that transaction (SQLite has one connection).
pub async fn statuses(desk: &Desk, conn: &impl ConnectionTrait, needed: &[Uuid]) -> Result<Arc<Vec<Entry>>> {
    let covers = |all: &Vec<Entry>| needed.iter().all(|id| all.iter().any(|s| s.id == *id));
    Ok(desk.statuses.or_read(covers, dictionaries::list(conn, DictionaryKind::TicketStatus, None, None)).await?)
}

/// The defaults a new ticket takes, from the snapshots (read when stale): the default
/// priority and the default status of class `new`.
async fn ticket_defaults(desk: &Desk, conn: &impl ConnectionTrait) -> Result<(Uuid, Uuid)> {
    let has_default = |all: &Vec<Entry>| all.iter().any(|e| e.is_default);
    let priorities = desk.priorities.or_read(has_default, dictionaries::list(conn, DictionaryKind::Priority, None, None)).await?;
    let new_default = |all: &Vec<Entry>| all.iter().any(|e| e.is_default && e.class == Some(StatusClass::New));
    let statuses = desk.statuses.or_read(new_default, dictionaries::list(conn, DictionaryKind::TicketStatus, None, None)).await?;
    let priority = priorities.iter().find(|e| e.is_default).map(|e| e.id);
    let status = statuses.iter().find(|e| e.is_default && e.class == Some(StatusClass::New)).map(|e| e.id);
    match (priority, status) {
        (Some(p), Some(s)) => Ok((p, s)),
        _ => Err(Error::internal("the dictionaries lack a default priority or a default status of class new")),
    }
}

/// Opening a ticket, shared by `POST /tickets` and converting a call: checks references,
/// resolves the unit and the warranty, writes the ticket and its `created` event, queues
/// the contact's and the assignee's notices.
pub async fn open(
    txn: &impl ConnectionTrait,
    desk: &Desk,
    principal: &Principal,
    body: OpenTicket,
    call_id: Option<Uuid>,
    alarm_key: Option<String>,
) -> Result<Ticket> {
    let now = now();
    references::dictionary(txn, "category_id", DictionaryKind::TicketCategory, body.category_id).await?;
    references::dictionary(txn, "type_id", DictionaryKind::TicketType, body.type_id).await?;
    references::dictionary(txn, "priority_id", DictionaryKind::Priority, body.priority_id).await?;
    references::team(txn, body.team_id).await?;
    references::ticket_assignee(txn, body.assignee_id).await?;
    let coordinates = principal.can(Permission::TicketsCoordinate);
    if !coordinates && (body.team_id.is_some() || body.assignee_id.is_some()) {
        let user_teams = match principal.user_id() {
            Some(user) => teams::of_user(txn, user).await?,
            None => Vec::new(),
        };
        let wanted = Assignment { team_id: body.team_id, assignee_id: body.assignee_id };
        rules::check_initial_assignment(principal.user_id(), coordinates, &user_teams, wanted).map_err(|e| Error::domain(&e))?;
    }
    let serial = clean(body.serial_number);
    let (unit, serial) = references::unit(txn, body.equipment_id, serial.as_deref(), body.product_id).await?;
    let customer =
        references::party(txn, body.customer_id.or(unit.as_ref().and_then(|u| u.customer_id)), body.location_id, body.contact_id).await?;
    let reported_at = body.reported_at.map_or(now, servdesk_domain::clock::truncate);
    let warranty = rules::warranty(unit.as_ref(), reported_at.date_naive(), body.warranty, body.warranty_reason.as_deref(), coordinates)
        .map_err(|e| Error::domain(&e))?;
    let equipment_id = unit.as_ref().map(|u| u.id);
    let contract_id = crate::billing::contracts::covering_ticket(
        txn,
        customer,
        body.location_id,
        equipment_id,
        body.category_id,
        reported_at.date_naive(),
    )
    .await?;
    let (default_priority, status_id) = ticket_defaults(desk, txn).await?;
    let priority_id = body.priority_id.unwrap_or(default_priority);
    let channel = body.channel.unwrap_or(match principal {
        Principal::ApiKey { .. } => Channel::Api,
        Principal::User { .. } | Principal::System => Channel::Phone,
    });
    let custom_fields = crate::custom_fields::values(
        desk,
        txn,
        servdesk_domain::custom_fields::FieldEntity::Ticket,
        body.category_id,
        &serde_json::Map::new(),
        body.custom_fields.as_ref(),
    )
    .await?;
    let new = NewTicket {
        custom_fields,
        external_ref: clean(body.external_ref),
        title: body.title.trim().to_owned(),
        description: clean(body.description),
        details: clean(body.details),
        channel,
        call_id,
        customer_id: customer,
        location_id: body.location_id,
        contact_id: body.contact_id,
        equipment_id,
        serial_number: serial,
        category_id: body.category_id,
        type_id: body.type_id,
        priority_id,
        status_id,
        // `ticket_defaults` gives the default status of class new.
        status_class: StatusClass::New,
        team_id: body.team_id,
        assignee_id: body.assignee_id,
        expected_close_on: body.expected_close_on,
        reported_at,
        warranty,
        paid: body.paid,
        tags: clean_tags(body.tags),
        created_by: principal.user_id(),
        alarm_key,
        contract_id,
    };
    let monitoring = new.alarm_key.is_some();
    let ticket = tickets::create(txn, new, &desk.config.ticket_prefix, desk.config.numbering, Actor::of(principal), now).await?;
    // An alarm's contact hears about it from their monitoring, not from us.
    if !monitoring {
        notify::ticket_created(txn, &ticket, now).await?;
    }
    if ticket.assignee_id.is_some() {
        let unassigned = Ticket { assignee_id: None, ..ticket.clone() };
        notify::ticket_changed(txn, &unassigned, &ticket, &[], principal.user_id(), now).await?;
    }
    Ok(ticket)
}

/// What a PATCH of a ticket changes: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EditTicket {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub details: Option<Option<String>>,
    pub customer_id: Option<Option<Uuid>>,
    pub location_id: Option<Option<Uuid>>,
    pub contact_id: Option<Option<Uuid>>,
    pub category_id: Option<Option<Uuid>>,
    pub type_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    pub expected_close_on: Option<Option<NaiveDate>>,
    /// Sets the warranty flag; a value other than the default needs `warranty_reason`.
    pub warranty: Option<bool>,
    pub warranty_reason: Option<String>,
    pub paid: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub external_ref: Option<Option<String>>,
    /// Custom field values to set (`null` removes one).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A ticket as an edit left it, with what showing it takes.
pub struct Edited {
    pub ticket: Ticket,
    pub statuses: Arc<Vec<Entry>>,
    pub progress: HashMap<Uuid, Rollup>,
}

/// Changes a ticket the caller can see (the PATCH and the upsert by external reference):
/// checks the references, the warranty override and the custom fields, re-resolves the
/// covering contract, and writes the change with its `fields_changed` event (none when
/// nothing changed) in one transaction.
pub async fn edit(desk: &Desk, principal: &Principal, id: Uuid, expected: Option<i64>, body: EditTicket) -> Result<Edited> {
    let now = now();
    let txn = desk.db.begin().await?;
    let visibility = crate::access::visibility(&txn, principal).await?;
    let current = tickets::get_visible(&txn, id, &visibility).await?;
    if let Some(category) = body.category_id {
        references::dictionary(&txn, "category_id", DictionaryKind::TicketCategory, category).await?;
    }
    if let Some(kind) = body.type_id {
        references::dictionary(&txn, "type_id", DictionaryKind::TicketType, kind).await?;
    }
    references::dictionary(&txn, "priority_id", DictionaryKind::Priority, body.priority_id).await?;
    let (customer_id, location_id, contact_id) = (
        body.customer_id.unwrap_or(current.customer_id),
        body.location_id.unwrap_or(current.location_id),
        body.contact_id.unwrap_or(current.contact_id),
    );
    let touches_party = body.customer_id.is_some() || body.location_id.is_some() || body.contact_id.is_some();
    let customer = if touches_party { Some(references::party(&txn, customer_id, location_id, contact_id).await?) } else { None };
    let warranty = match body.warranty {
        Some(flag) => {
            let unit = match current.equipment_id {
                Some(id) => Some(equipment::get(&txn, id).await?),
                None => None,
            };
            Some(
                rules::warranty(
                    unit.as_ref(),
                    current.reported_at.date_naive(),
                    Some(flag),
                    body.warranty_reason.as_deref(),
                    principal.can(Permission::TicketsCoordinate),
                )
                .map_err(|e| Error::domain(&e))?,
            )
        }
        None => None,
    };
    let contract_id = crate::billing::contracts::covering_ticket(
        &txn,
        customer.unwrap_or(current.customer_id),
        location_id,
        current.equipment_id,
        body.category_id.unwrap_or(current.category_id),
        current.reported_at.date_naive(),
    )
    .await?;
    let custom_fields = crate::custom_fields::edited(
        desk,
        &txn,
        servdesk_domain::custom_fields::FieldEntity::Ticket,
        body.category_id.unwrap_or(current.category_id),
        body.category_id.is_some(),
        &current.custom_fields,
        body.custom_fields.as_ref(),
    )
    .await?;
    let changes = TicketChanges {
        custom_fields: Some(custom_fields),
        external_ref: body.external_ref.map(clean),
        contract_id: Some(contract_id),
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description.map(clean),
        details: body.details.map(clean),
        customer_id: customer,
        location_id: body.location_id,
        contact_id: body.contact_id,
        category_id: body.category_id,
        type_id: body.type_id,
        priority_id: body.priority_id,
        expected_close_on: body.expected_close_on,
        warranty,
        paid: body.paid,
        tags: body.tags.map(clean_tags),
    };
    let statuses = statuses(desk, &txn, &[current.status_id]).await?;
    let progress = progress(&txn, [&current]).await?;
    let mut ticket = tickets::update(&txn, current.id, expected, changes, now).await?;
    let changed = current.changes_to(&ticket);
    if !changed.is_empty()
        && let Some(standing) =
            tickets::append_event(&txn, ticket.id, Actor::of(principal), &TicketEvent::FieldsChanged(changed), now).await?
    {
        ticket.sla = standing;
    }
    crate::commit(txn).await?;
    Ok(Edited { ticket, statuses, progress })
}

/// The rollups of each of `tickets`: progress from their tasks' statuses and all their
/// checklist lines (the ticket's own and its tasks'), and the time logged on them.
/// Only tickets that ever had work are read; the rest have nothing to sum.
pub async fn progress<'a>(conn: &impl ConnectionTrait, tickets: impl IntoIterator<Item = &'a Ticket>) -> Result<HashMap<Uuid, Rollup>> {
    let worked: Vec<Uuid> = tickets.into_iter().filter(|t| t.has_work).map(|t| t.id).collect();
    Ok(servdesk_persistence::rollups::of_tickets(conn, &worked).await?)
}

/// The class of a ticket status.
pub async fn class_of(conn: &impl ConnectionTrait, status_id: Uuid) -> Result<StatusClass> {
    dictionaries::get(conn, DictionaryKind::TicketStatus, status_id)
        .await?
        .class
        .ok_or_else(|| Error::internal(format!("status {status_id} has no class")))
}

/// Moves a ticket to the default status of class `to` (reopening it, closing it when its
/// work is done), with the stamps that change of class calls for. Returns the changed ticket
/// and the status it took; the caller records the event.
pub async fn move_to_class(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    from: StatusClass,
    to: StatusClass,
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(Ticket, Entry)> {
    let target = dictionaries::default_of(conn, DictionaryKind::TicketStatus, Some(to)).await?;
    let moved = move_to_status(conn, ticket, from, (target.id, to), expected_version, now).await?;
    Ok((moved, target))
}

/// A ticket the contact answers (by email, in the portal): an open one as it is, a closed
/// one reopened inside the reopen window (the event names `reason`); `None` once the window
/// has passed — the answer is then a new request.
pub async fn reopen_for_reply(
    conn: &impl ConnectionTrait,
    desk: &crate::Desk,
    ticket: Ticket,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Option<Ticket>> {
    let class = class_of(conn, ticket.status_id).await?;
    if !rules::is_closed(class) {
        return Ok(Some(ticket));
    }
    if rules::check_reopen(class, ticket.closed_at, desk.policy.reopen_window, now).is_err() {
        return Ok(None);
    }
    let (reopened, open) = move_to_class(conn, &ticket, class, StatusClass::Open, None, now).await?;
    let event = servdesk_domain::timeline::TicketEvent::Reopened(servdesk_domain::timeline::StatusMove {
        from: servdesk_domain::timeline::StatusRef { id: ticket.status_id, name: None },
        to: servdesk_domain::timeline::StatusRef { id: open.id, name: Some(open.name) },
        note: None,
        reason: Some(reason.to_owned()),
    });
    tickets::append_event(conn, ticket.id, servdesk_domain::Actor::default(), &event, now).await?;
    Ok(Some(reopened))
}

/// Moves a ticket to the status `target` (its id and class), with the stamps the move calls for.
pub async fn move_to_status(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    from: StatusClass,
    (target, to): (Uuid, StatusClass),
    expected_version: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Ticket> {
    let stamps = rules::stamps_after(ticket.stamps(), from, to, now);
    Ok(tickets::set_status(conn, ticket, expected_version, target, stamps, now).await?)
}
