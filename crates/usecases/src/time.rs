//! Time worked, as the stopwatch, time entries and field completion write it: what time is
//! logged against, and one entry with its cost and its timeline event.

use chrono::{DateTime, Utc};
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::errors::{code, field};
use servdesk_domain::tickets::Ticket;
use servdesk_domain::time::{self as rules, EntrySource, TimeEntry, Timer};
use servdesk_domain::timeline::{TicketEvent, TimeLogged};
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::time::{self as store, NewEntry};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, tickets, users};
use uuid::Uuid;

use crate::access::{actor, visibility, visible_task};
use crate::tickets::class_of;
use crate::{Desk, Error, Result, now};

/// What time is logged against: a ticket, and possibly one of its tasks.
pub struct Target {
    pub ticket: Ticket,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
}

/// Resolves what the caller logs time on: a task they may work on, or a ticket they see.
/// Partners log time only on their partner's tasks (they see no tickets).
pub async fn target(conn: &impl ConnectionTrait, principal: &Principal, ticket_id: Option<Uuid>, task_id: Option<Uuid>) -> Result<Target> {
    match (ticket_id, task_id) {
        (_, Some(task)) => {
            let (task, ticket) = visible_task(conn, principal, task).await.map_err(|e| e.referenced_as("task_id"))?;
            if ticket_id.is_some_and(|t| t != ticket.id) {
                return Err(Error::invalid_field("task_id", field::WRONG_TICKET, "the task belongs to another ticket"));
            }
            let customer_id = task.customer_id.or(ticket.customer_id);
            Ok(Target { ticket, task_id: Some(task.id), customer_id })
        }
        (Some(ticket), None) => {
            let visibility = visibility(conn, principal).await?;
            let ticket = tickets::get_visible(conn, ticket, &visibility).await.map_err(|e| Error::from(e).referenced_as("ticket_id"))?;
            Ok(Target { customer_id: ticket.customer_id, ticket, task_id: None })
        }
        (None, None) => Err(Error::invalid_field("ticket_id", field::REQUIRED, "name the ticket or the task worked on")),
    }
}

/// No time on a closed (or cancelled) ticket, except by coordinators.
pub async fn check_open(conn: &impl ConnectionTrait, principal: &Principal, ticket: &Ticket) -> Result<()> {
    let closed = matches!(class_of(conn, ticket.status_id).await?, StatusClass::Closed | StatusClass::Cancelled);
    if closed && !principal.can(Permission::TimeManage) {
        return Err(Error::new(code::TICKET_CLOSED, format!("ticket {} is closed; only coordinators log time on it", ticket.number)));
    }
    Ok(())
}

/// Writes an entry for `span` on `target` by `user_id`, with its cost and billability, and its
/// timeline event.
#[allow(clippy::too_many_arguments)]
pub async fn write_entry(
    conn: &impl ConnectionTrait,
    principal: &Principal,
    target: &Target,
    user_id: Uuid,
    span: rules::Span,
    note: Option<String>,
    marked_billable: bool,
    needs_review: bool,
    source: EntrySource,
    now: DateTime<Utc>,
) -> Result<TimeEntry> {
    let rate = users::get(conn, user_id).await?.cost_rate_minor;
    let new = NewEntry {
        user_id,
        ticket_id: target.ticket.id,
        task_id: target.task_id,
        customer_id: target.customer_id,
        started_at: span.started_at,
        ended_at: span.ended_at,
        work_date: span.work_date,
        minutes: span.minutes,
        note,
        billable: rules::is_billable(marked_billable, target.ticket.warranty.flag),
        rate_minor: rate,
        cost_minor: rules::cost_minor(i64::from(span.minutes), rate),
        needs_review,
        source,
        created_by: principal.user_id(),
    };
    let entry = store::create(conn, new, now).await?;
    let event = TicketEvent::TimeLogged(TimeLogged {
        entry_id: entry.id,
        user_id,
        task_id: entry.task_id,
        minutes: entry.minutes,
        billable: entry.billable,
        source: entry.source,
        needs_review: entry.needs_review,
    });
    tickets::append_event(conn, target.ticket.id, actor(principal), &event, now).await?;
    Ok(entry)
}

/// A stopwatch to start: on a ticket or one of its tasks, now or at a time already past.
pub struct StartTimer {
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    /// Stop the stopwatch already running (writing its entry) instead of refusing.
    pub switch: bool,
}

/// The staff member a principal is: only people track time.
pub fn own_user(principal: &Principal) -> Result<Uuid> {
    principal.user_id().ok_or_else(|| Error::new(code::USER_ONLY, "only staff members track time"))
}

/// Starts the caller's stopwatch; with `switch` the running one is stopped first and its
/// entry returned.
pub async fn start_timer(desk: &Desk, principal: &Principal, start: StartTimer) -> Result<(Timer, Option<TimeEntry>)> {
    let user = own_user(principal)?;
    let now = now();
    let started_at = start.started_at.map(servdesk_domain::clock::truncate).unwrap_or(now);
    Timer::check_start(started_at, now).map_err(|e| Error::domain(&e))?;
    let txn = desk.db.begin().await?;
    let target = target(&txn, principal, start.ticket_id, start.task_id).await?;
    check_open(&txn, principal, &target.ticket).await?;
    let stopped = if start.switch { stop_running(&txn, desk, principal, user, None, None, now).await? } else { None };
    let timer =
        Timer { user_id: user, ticket_id: target.ticket.id, task_id: target.task_id, started_at, note: crate::tickets::clean(start.note) };
    store::start(&txn, &timer, now).await?;
    txn.commit().await?;
    Ok((timer, stopped))
}

/// Stops the caller's stopwatch and writes its entry (`no_timer` when none runs).
pub async fn stop_timer(desk: &Desk, principal: &Principal, ended_at: Option<DateTime<Utc>>, note: Option<String>) -> Result<TimeEntry> {
    let user = own_user(principal)?;
    let txn = desk.db.begin().await?;
    let entry = stop_running(&txn, desk, principal, user, ended_at, note, now())
        .await?
        .ok_or_else(|| Error::new(code::NO_TIMER, "no stopwatch is running"))?;
    txn.commit().await?;
    Ok(entry)
}

/// Stops `user_id`'s stopwatch (if one runs) and writes its entry. The work happened: a
/// ticket closed meanwhile still gets it.
async fn stop_running(
    conn: &impl ConnectionTrait,
    desk: &Desk,
    principal: &Principal,
    user_id: Uuid,
    ended_at: Option<DateTime<Utc>>,
    note: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<TimeEntry>> {
    let Some(timer) = store::take(conn, user_id).await? else { return Ok(None) };
    let stopped = timer.stop(ended_at, now, desk.policy.timer_max).map_err(|e| Error::domain(&e))?;
    let (ticket, task) = match timer.task_id {
        Some(task) => {
            let task = servdesk_persistence::tasks::get(conn, task).await?;
            (tickets::get(conn, task.ticket_id).await?, Some(task))
        }
        None => (tickets::get(conn, timer.ticket_id).await?, None),
    };
    let customer_id = task.as_ref().and_then(|t| t.customer_id).or(ticket.customer_id);
    let target = Target { ticket, task_id: task.map(|t| t.id), customer_id };
    let note = crate::tickets::clean(note).or(timer.note);
    Ok(Some(write_entry(conn, principal, &target, user_id, stopped.span, note, true, stopped.needs_review, EntrySource::Timer, now).await?))
}
