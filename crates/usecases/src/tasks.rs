//! Tasks as other use cases touch them: cancelling a ticket's open tasks with it, and the
//! ticket that moves on when its last open task is done.

use chrono::{DateTime, Utc};
use serde_json::json;
use servdesk_domain::Actor;
use servdesk_domain::Principal;
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::tickets::{Ticket, after_tasks_done};
use servdesk_domain::timeline::{Closing, StatusMove, StatusRef, TaskStatusChanged, TicketEvent, reasons};
use servdesk_persistence::{ConnectionTrait, tasks, tickets, users};

use crate::access::actor;
use crate::tickets::{class_of, move_to_class};
use crate::{Desk, Result, notify};

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
        tickets::append_event(conn, task.ticket_id, actor(principal), &event, now).await?;
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
