//! Checklists of tickets and tasks: lines added, checked, edited, moved and removed, each
//! change an event on the ticket's timeline. A checked line is a record of work done and
//! stays.

use chrono::{DateTime, Utc};
use servdesk_domain::Actor;
use servdesk_domain::checklists::{self as rules, ChecklistItem};
use servdesk_domain::timeline::{ChecklistChanged, TicketEvent};
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::checklists::{self, Owner};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, tickets};
use uuid::Uuid;

use crate::access::{visibility, visible_task};
use crate::{Desk, Error, Result, now};

/// Whose list a request names.
#[derive(Clone, Copy)]
pub enum ChecklistOf {
    Ticket(Uuid),
    Task(Uuid),
}

impl ChecklistOf {
    pub fn of(item: &ChecklistItem) -> Self {
        item.task_id.map_or(ChecklistOf::Ticket(item.ticket_id), ChecklistOf::Task)
    }
}

/// The list a caller may change: a task's for who may work on the task (technicians their
/// own), a ticket's own for who may change the ticket.
async fn writable_owner(conn: &impl ConnectionTrait, principal: &Principal, target: ChecklistOf) -> Result<Owner> {
    match target {
        ChecklistOf::Task(task) => {
            let (task, _) = visible_task(conn, principal, task).await?;
            Ok(Owner::Task { ticket_id: task.ticket_id, task_id: task.id })
        }
        ChecklistOf::Ticket(ticket_id) => {
            let ticket = tickets::get_visible(conn, ticket_id, &visibility(conn, principal).await?).await?;
            if !principal.can(Permission::TicketsWrite) {
                return Err(Error::forbidden());
            }
            Ok(Owner::Ticket(ticket.id))
        }
    }
}

async fn record(conn: &impl ConnectionTrait, principal: &Principal, item: &ChecklistItem, action: &str, at: DateTime<Utc>) -> Result<()> {
    let event = TicketEvent::ChecklistChanged(ChecklistChanged {
        item_id: item.id,
        task_id: item.task_id,
        action: action.to_owned(),
        text: item.text.clone(),
        checked: item.checked,
    });
    tickets::append_event(conn, item.ticket_id, Actor::of(principal), &event, at).await?;
    Ok(())
}

/// Adds a line at the end of a list the caller may change.
pub async fn add(desk: &Desk, principal: &Principal, target: ChecklistOf, text: &str) -> Result<ChecklistItem> {
    let now = now();
    let txn = desk.db.begin().await?;
    let owner = writable_owner(&txn, principal, target).await?;
    let mut added = checklists::append(&txn, owner, &[text.trim().to_owned()], now).await?;
    let item = added.pop().ok_or_else(|| Error::internal("no line added"))?;
    record(&txn, principal, &item, "added", now).await?;
    crate::commit(txn).await?;
    Ok(item)
}

/// Changes a line: its text, whether it is checked (by whom), its position.
pub async fn change(
    desk: &Desk,
    principal: &Principal,
    id: Uuid,
    text: Option<String>,
    checked: Option<bool>,
    position: Option<i32>,
) -> Result<ChecklistItem> {
    let now = now();
    let txn = desk.db.begin().await?;
    let item = checklists::get(&txn, id).await?;
    let owner = writable_owner(&txn, principal, ChecklistOf::of(&item)).await?;
    let mut item = item;
    if text.is_some() || checked.is_some_and(|c| c != item.checked) {
        let checked = checked.filter(|c| *c != item.checked).map(|c| (c, principal.user_id()));
        let action = match checked {
            Some((true, _)) => "checked",
            Some((false, _)) => "unchecked",
            None => "edited",
        };
        item = checklists::update(&txn, item.id, text.map(|t| t.trim().to_owned()), checked, now).await?;
        record(&txn, principal, &item, action, now).await?;
    }
    if let Some(position) = position {
        let order: Vec<Uuid> = checklists::list(&txn, owner).await?.iter().map(|i| i.id).collect();
        let moved = rules::moved(&order, item.id, position).ok_or_else(Error::not_found)?;
        if moved != order {
            checklists::reorder(&txn, &moved, now).await?;
            item = checklists::get(&txn, item.id).await?;
            record(&txn, principal, &item, "moved", now).await?;
        }
    }
    crate::commit(txn).await?;
    Ok(item)
}

/// Deletes an unchecked line; the rest close up.
pub async fn remove(desk: &Desk, principal: &Principal, id: Uuid) -> Result<()> {
    let now = now();
    let txn = desk.db.begin().await?;
    let item = checklists::get(&txn, id).await?;
    let owner = writable_owner(&txn, principal, ChecklistOf::of(&item)).await?;
    rules::check_delete(&item).map_err(|e| Error::domain(&e))?;
    checklists::delete(&txn, item.id).await?;
    let rest: Vec<Uuid> = checklists::list(&txn, owner).await?.iter().map(|i| i.id).collect();
    checklists::reorder(&txn, &rest, now).await?;
    record(&txn, principal, &item, "deleted", now).await?;
    crate::commit(txn).await?;
    Ok(())
}
