//! Tasks: adding one to a ticket, moving it along its life, changing its fields; cancelling
//! a ticket's open tasks with it, and the ticket that moves on when its last open task is
//! done.

use chrono::{DateTime, Utc};
use serde_json::json;
use servdesk_domain::Actor;
use servdesk_domain::Principal;
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::errors::code;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::tasks::{self as rules, Task, TaskStatus};
use servdesk_domain::tickets::{Ticket, after_tasks_done, is_closed};
use servdesk_domain::timeline::{Closing, StatusMove, StatusRef, TaskCreated, TaskStatusChanged, TaskUpdated, TicketEvent, reasons};
use servdesk_persistence::directory::partners;
use servdesk_persistence::tasks::{NewTask, TaskChanges};
use servdesk_persistence::{ConnectionTrait, StoreError, TransactionTrait, checklists, tasks, tickets, users};
use uuid::Uuid;

use crate::access::{visibility, visible_task};
use crate::clean;
use crate::error::referenced;
use crate::tickets::{class_of, move_to_class};
use crate::{Desk, Error, Result, notify, now, references};

/// The ticket whose last open task was just completed moves to the default status of the
/// configured class (closed unless set to resolved), as the system.
pub async fn close_by_system(conn: &impl ConnectionTrait, desk: &Desk, ticket: &Ticket, now: DateTime<Utc>) -> Result<()> {
    let from = class_of(conn, ticket.status_id).await?;
    let Some(to_class) = after_tasks_done(from, &desk.policy) else { return Ok(()) };
    let (_, target) = move_to_class(conn, ticket, from, to_class, None, now).await?;
    let (from_ref, to_ref) = (StatusRef { id: ticket.status_id, name: None }, StatusRef { id: target.id, name: Some(target.name) });
    let reason = Some(reasons::ALL_TASKS_DONE.to_owned());
    let event = if to_class == StatusClass::Closed {
        TicketEvent::Closed(Closing { from: from_ref, to: to_ref, reason, ..Closing::default() })
    } else {
        TicketEvent::StatusChanged(StatusMove { from: from_ref, to: to_ref, note: None, reason })
    };
    tickets::append_event(conn, ticket.id, Actor::default(), &event, now).await?;
    notify::status_changed(conn, ticket, from, to_class, now).await?;
    Ok(())
}

/// Locks the ticket of a task (see `tickets::lock`) before the task and the ticket are read.
pub async fn lock_ticket_of(conn: &impl ConnectionTrait, task_id: Uuid) -> Result<()> {
    match tasks::get(conn, task_id).await {
        Ok(task) => Ok(tickets::lock(conn, task.ticket_id).await?),
        // The read that follows answers 404.
        Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Cancels a ticket's open tasks (a coordinator closing the ticket asked for it).
pub async fn cancel_open(conn: &impl ConnectionTrait, principal: &Principal, open: &[Task], now: DateTime<Utc>) -> Result<()> {
    for task in open {
        tasks::set_status(conn, task.id, None, TaskStatus::Cancelled, now).await?;
        let event = TicketEvent::TaskStatusChanged(TaskStatusChanged {
            task_id: task.id,
            number: task.number.clone(),
            from: task.status,
            to: TaskStatus::Cancelled,
            note: Some("cancelled with the ticket".to_owned()),
        });
        tickets::append_event(conn, task.ticket_id, Actor::of(principal), &event, now).await?;
    }
    Ok(())
}

/// Queues the assignee's notification of a task given to them (when the task asks for it).
pub async fn notify_assignee(conn: &impl ConnectionTrait, task: &Task, ticket: &Ticket, at: DateTime<Utc>) -> Result<()> {
    let Some(assignee) = task.assignee_id.filter(|_| task.notify_assignee) else { return Ok(()) };
    let user = users::get(conn, assignee).await?;
    let payload =
        json!({"task_id": task.id, "task_number": task.number, "ticket_id": ticket.id, "ticket_number": ticket.number, "user_id": user.id});
    notify::queue(conn, NotificationEvent::TaskAssigned, payload, at).await?;
    Ok(())
}

/// A task to add to a ticket, as a person asked for it (shape already checked).
#[derive(Debug, Clone, Default)]
pub struct AddTask {
    pub title: String,
    pub description: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub paid: bool,
    pub warranty: bool,
    pub notify_assignee: bool,
    /// The ERP's id for it (unique among tasks).
    pub external_ref: Option<String>,
    /// Custom field values (`None`: not asked, as for a task made by the system).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Adds a task to a ticket the caller sees (not a closed one). Customer, location, contact
/// and priority default from the ticket; a planned window makes it `scheduled`; the
/// category's default checklist is copied onto it.
pub async fn add(desk: &Desk, principal: &Principal, ticket_id: Uuid, body: AddTask) -> Result<Task> {
    rules::check_window(body.planned_start, body.planned_end).map_err(|e| Error::domain(&e))?;
    let now = now();
    let txn = desk.db.begin().await?;
    tickets::lock(&txn, ticket_id).await?;
    let visibility = visibility(&txn, principal).await?;
    let ticket = tickets::get_visible(&txn, ticket_id, &visibility).await?;
    if is_closed(class_of(&txn, ticket.status_id).await?) {
        return Err(Error::new(code::TICKET_CLOSED, format!("ticket {} is closed; reopen it to add tasks", ticket.number)));
    }
    let category = references::dictionary(&txn, "category_id", DictionaryKind::TaskCategory, body.category_id).await?;
    if let Some(kind) = references::dictionary(&txn, "type_id", DictionaryKind::TaskType, body.type_id).await? {
        rules::check_type(body.category_id, kind.parent_id).map_err(|e| Error::domain(&e))?;
    }
    references::dictionary(&txn, "priority_id", DictionaryKind::Priority, body.priority_id).await?;
    references::task_assignee(&txn, body.assignee_id).await?;
    if let Some(partner) = body.partner_id {
        referenced("partner_id", partners::get(&txn, partner).await)?;
    }
    let (customer_id, location_id, contact_id) = match (body.customer_id, body.location_id, body.contact_id) {
        (None, None, None) => (ticket.customer_id, ticket.location_id, ticket.contact_id),
        (c, l, p) => (references::party(&txn, c.or(ticket.customer_id), l, p).await?, l, p),
    };
    let status = if body.planned_start.is_some() { TaskStatus::Scheduled } else { TaskStatus::New };
    let custom_fields = crate::custom_fields::values(
        desk,
        &txn,
        servdesk_domain::custom_fields::FieldEntity::Task,
        body.category_id,
        &serde_json::Map::new(),
        body.custom_fields.as_ref(),
    )
    .await?;
    let new = NewTask {
        custom_fields,
        external_ref: clean(body.external_ref),
        ticket_id: ticket.id,
        title: body.title.trim().to_owned(),
        description: clean(body.description),
        category_id: body.category_id,
        type_id: body.type_id,
        planned_start: body.planned_start,
        planned_end: body.planned_end,
        customer_id,
        location_id,
        contact_id,
        priority_id: body.priority_id.unwrap_or(ticket.priority_id),
        assignee_id: body.assignee_id,
        partner_id: body.partner_id,
        paid: body.paid,
        warranty: body.warranty,
        notify_assignee: body.notify_assignee,
        status,
        created_by: principal.user_id(),
    };
    let task = tasks::create(&txn, new, now).await?;
    let template = category.map(|c| c.default_checklist).unwrap_or_default();
    let lines = servdesk_domain::checklists::lines_from_template(&template);
    checklists::append(&txn, checklists::Owner::Task { ticket_id: ticket.id, task_id: task.id }, &lines, now).await?;
    let event = TicketEvent::TaskCreated(TaskCreated {
        task_id: task.id,
        number: task.number.clone(),
        title: task.title.clone(),
        status: task.status,
        assignee_id: task.assignee_id,
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    notify_assignee(&txn, &task, &ticket, now).await?;
    crate::commit(txn).await?;
    Ok(task)
}

/// Moves a task along its life; the ticket moves on by itself when this was its last open
/// task.
pub async fn change_status(
    desk: &Desk,
    principal: &Principal,
    task_id: Uuid,
    expected_version: Option<i64>,
    to: TaskStatus,
    note: Option<String>,
) -> Result<Task> {
    let now = now();
    let txn = desk.db.begin().await?;
    lock_ticket_of(&txn, task_id).await?;
    let (task, ticket) = visible_task(&txn, principal, task_id).await?;
    rules::check_transition(task.status, to).map_err(|e| Error::domain(&e))?;
    let changed = tasks::set_status(&txn, task.id, expected_version, to, now).await?;
    let event = TicketEvent::TaskStatusChanged(TaskStatusChanged {
        task_id: task.id,
        number: task.number.clone(),
        from: task.status,
        to,
        note: clean(note),
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    let after: Vec<TaskStatus> = tasks::of_ticket(&txn, ticket.id).await?.into_iter().map(|t| t.status).collect();
    if rules::completion_closes_ticket(to, &after) {
        close_by_system(&txn, desk, &ticket, now).await?;
    }
    crate::commit(txn).await?;
    Ok(changed)
}

/// What a PATCH of a task changes: `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct EditTask {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub category_id: Option<Option<Uuid>>,
    pub type_id: Option<Option<Uuid>>,
    pub planned_start: Option<Option<DateTime<Utc>>>,
    pub planned_end: Option<Option<DateTime<Utc>>>,
    pub customer_id: Option<Option<Uuid>>,
    pub location_id: Option<Option<Uuid>>,
    pub contact_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    pub assignee_id: Option<Option<Uuid>>,
    pub partner_id: Option<Option<Uuid>>,
    pub paid: Option<bool>,
    pub warranty: Option<bool>,
    pub notify_assignee: Option<bool>,
    pub external_ref: Option<Option<String>>,
    /// Custom field values to set (`null` removes one).
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Changes an open task's fields (planning it makes it `scheduled`, unplanning `new`), with
/// the change audit on the timeline and the new assignee's notice.
pub async fn edit(desk: &Desk, principal: &Principal, task_id: Uuid, expected_version: Option<i64>, body: EditTask) -> Result<Task> {
    let now = now();
    let txn = desk.db.begin().await?;
    let (current, ticket) = visible_task(&txn, principal, task_id).await?;
    current.check_changeable().map_err(|e| Error::domain(&e))?;
    let planned_start = body.planned_start.unwrap_or(current.planned_start);
    let planned_end = body.planned_end.unwrap_or(current.planned_end);
    rules::check_window(planned_start, planned_end).map_err(|e| Error::domain(&e))?;
    let category_id = body.category_id.unwrap_or(current.category_id);
    let type_id = body.type_id.unwrap_or(current.type_id);
    if let Some(Some(category)) = body.category_id {
        references::dictionary(&txn, "category_id", DictionaryKind::TaskCategory, Some(category)).await?;
    }
    if (body.category_id.is_some() || body.type_id.is_some())
        && let Some(kind) = references::dictionary(&txn, "type_id", DictionaryKind::TaskType, type_id).await?
    {
        rules::check_type(category_id, kind.parent_id).map_err(|e| Error::domain(&e))?;
    }
    references::dictionary(&txn, "priority_id", DictionaryKind::Priority, body.priority_id).await?;
    if let Some(assignee) = body.assignee_id {
        references::task_assignee(&txn, assignee).await?;
    }
    if let Some(Some(partner)) = body.partner_id {
        referenced("partner_id", partners::get(&txn, partner).await)?;
    }
    let touches_party = body.customer_id.is_some() || body.location_id.is_some() || body.contact_id.is_some();
    let customer_id = if touches_party {
        let (c, l, p) = (
            body.customer_id.unwrap_or(current.customer_id),
            body.location_id.unwrap_or(current.location_id),
            body.contact_id.unwrap_or(current.contact_id),
        );
        Some(references::party(&txn, c, l, p).await?)
    } else {
        None
    };
    let status = rules::status_after_planning(current.status, planned_start);
    let custom_fields = crate::custom_fields::edited(
        desk,
        &txn,
        servdesk_domain::custom_fields::FieldEntity::Task,
        category_id,
        body.category_id.is_some(),
        &current.custom_fields,
        body.custom_fields.as_ref(),
    )
    .await?;
    let changes = TaskChanges {
        custom_fields: Some(custom_fields),
        external_ref: body.external_ref.map(clean),
        title: body.title.map(|t| t.trim().to_owned()),
        description: body.description.map(clean),
        category_id: body.category_id,
        type_id: body.type_id,
        planned_start: body.planned_start,
        planned_end: body.planned_end,
        customer_id,
        location_id: body.location_id,
        contact_id: body.contact_id,
        priority_id: body.priority_id,
        assignee_id: body.assignee_id,
        partner_id: body.partner_id,
        paid: body.paid,
        warranty: body.warranty,
        notify_assignee: body.notify_assignee,
        status: (status != current.status).then_some(status),
    };
    let task = tasks::update(&txn, current.id, expected_version, changes, now).await?;
    let changes = current.changes_to(&task);
    if !changes.is_empty() {
        let event = TicketEvent::TaskUpdated(TaskUpdated { task_id: task.id, number: task.number.clone(), changes });
        tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    }
    if task.assignee_id.is_some() && task.assignee_id != current.assignee_id {
        notify_assignee(&txn, &task, &ticket, now).await?;
    }
    crate::commit(txn).await?;
    Ok(task)
}
