//! Time worked, as the stopwatch, time entries and field completion write it: what time is
//! logged against, and one entry with its cost and its timeline event.

use chrono::{DateTime, NaiveDate, Utc};
use servdesk_domain::Actor;
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::errors::{code, field};
use servdesk_domain::tickets::Ticket;
use servdesk_domain::time::{self as rules, EntrySource, TimeEntry, Timer};
use servdesk_domain::timeline::{Change, TicketEvent, TimeChanged, TimeLogged, TimeRemoved};
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::time::{self as store, EntryChanges, NewEntry};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, tickets, users};
use uuid::Uuid;

use crate::access::{visibility, visible_task};
use crate::clean;
use crate::error::referenced;
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
    tickets::append_event(conn, target.ticket.id, Actor::of(principal), &event, now).await?;
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
    let timer = Timer { user_id: user, ticket_id: target.ticket.id, task_id: target.task_id, started_at, note: clean(start.note) };
    store::start(&txn, &timer, now).await?;
    crate::commit(txn).await?;
    Ok((timer, stopped))
}

/// Stops the caller's stopwatch and writes its entry (`no_timer` when none runs).
pub async fn stop_timer(desk: &Desk, principal: &Principal, ended_at: Option<DateTime<Utc>>, note: Option<String>) -> Result<TimeEntry> {
    let user = own_user(principal)?;
    let txn = desk.db.begin().await?;
    let entry = stop_running(&txn, desk, principal, user, ended_at, note, now())
        .await?
        .ok_or_else(|| Error::new(code::NO_TIMER, "no stopwatch is running"))?;
    crate::commit(txn).await?;
    Ok(entry)
}

/// Stops `user_id`'s stopwatch (if one runs) and writes its entry. The work happened: a
/// ticket closed meanwhile still gets it — up to its closing, flagged for review.
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
    let closed = matches!(class_of(conn, ticket.status_id).await?, StatusClass::Closed | StatusClass::Cancelled);
    let stopped = match ticket.closed_at {
        Some(closed_at) if closed => stopped.until_closed(closed_at),
        _ => stopped,
    };
    let customer_id = task.as_ref().and_then(|t| t.customer_id).or(ticket.customer_id);
    let target = Target { ticket, task_id: task.map(|t| t.id), customer_id };
    let note = clean(note).or(timer.note);
    Ok(Some(write_entry(conn, principal, &target, user_id, stopped.span, note, true, stopped.needs_review, EntrySource::Timer, now).await?))
}

/// Time a person logged by hand (shape already checked): on a ticket or task, for
/// themselves or (coordinators) a colleague, as two ends or a date and minutes.
pub struct LogTime {
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub note: Option<String>,
    pub billable: Option<bool>,
}

/// Logs time by hand, with its cost and its timeline event.
pub async fn log(desk: &Desk, principal: &Principal, body: LogTime) -> Result<TimeEntry> {
    let me = own_user(principal)?;
    let user = body.user_id.unwrap_or(me);
    if user != me && !principal.can(Permission::TimeManage) {
        return Err(Error::forbidden());
    }
    let now = now();
    let span = rules::span(body.started_at, body.ended_at, body.work_date, body.minutes, now).map_err(|e| Error::domain(&e))?;
    let txn = desk.db.begin().await?;
    if user != me {
        referenced("user_id", users::get(&txn, user).await)?;
    }
    let target = target(&txn, principal, body.ticket_id, body.task_id).await?;
    check_open(&txn, principal, &target.ticket).await?;
    let entry =
        write_entry(&txn, principal, &target, user, span, clean(body.note), body.billable.unwrap_or(true), false, EntrySource::Manual, now)
            .await?;
    crate::commit(txn).await?;
    Ok(entry)
}

/// A time entry the caller may see: their own, or anyone's with `time:read_all`.
pub async fn visible_entry(conn: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<TimeEntry> {
    let entry = store::get(conn, id).await?;
    if principal.can(Permission::TimeReadAll) || principal.user_id() == Some(entry.user_id) { Ok(entry) } else { Err(Error::not_found()) }
}

/// An entry the caller may change (their own, or anyone's as a coordinator) on a ticket
/// still open to time, with that ticket.
async fn changeable_entry(conn: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<(TimeEntry, Ticket)> {
    let entry = visible_entry(conn, principal, id).await?;
    if principal.user_id() != Some(entry.user_id) && !principal.can(Permission::TimeManage) {
        return Err(Error::forbidden());
    }
    let ticket = tickets::get(conn, entry.ticket_id).await?;
    check_open(conn, principal, &ticket).await?;
    Ok((entry, ticket))
}

/// A correction of a time entry: a new span (replacing the old one), note or billability.
pub struct ChangeTime {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: Option<NaiveDate>,
    pub minutes: Option<i32>,
    pub note: Option<String>,
    pub billable: Option<bool>,
}

/// Corrects an entry: its cost follows the span at the rate it was logged with; a new span
/// clears the review flag.
pub async fn change(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>, body: ChangeTime) -> Result<TimeEntry> {
    let now = now();
    let txn = desk.db.begin().await?;
    let (entry, ticket) = changeable_entry(&txn, principal, id).await?;
    entry.check_changeable().map_err(|e| Error::domain(&e))?;
    let respan = body.started_at.is_some() || body.ended_at.is_some() || body.work_date.is_some() || body.minutes.is_some();
    let current =
        rules::Span { started_at: entry.started_at, ended_at: entry.ended_at, work_date: entry.work_date, minutes: entry.minutes };
    let span = current.corrected(body.started_at, body.ended_at, body.work_date, body.minutes, now).map_err(|e| Error::domain(&e))?;
    let billable = match body.billable {
        Some(marked) => rules::is_billable(marked, ticket.warranty.flag),
        None => entry.billable,
    };
    let changes = EntryChanges {
        started_at: span.started_at,
        ended_at: span.ended_at,
        work_date: span.work_date,
        minutes: span.minutes,
        note: if body.note.is_some() { clean(body.note) } else { entry.note.clone() },
        billable,
        cost_minor: rules::cost_minor(i64::from(span.minutes), entry.rate_minor),
        needs_review: entry.needs_review && !respan,
    };
    let changed = store::update(&txn, entry.id, expected_version, changes, now).await?;
    let event = TicketEvent::TimeChanged(TimeChanged {
        entry_id: entry.id,
        user_id: entry.user_id,
        minutes: Change { before: entry.minutes, after: changed.minutes },
        billable: Change { before: entry.billable, after: changed.billable },
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    crate::commit(txn).await?;
    Ok(changed)
}

/// Removes an entry, with its timeline event.
pub async fn remove(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>) -> Result<()> {
    let now = now();
    let txn = desk.db.begin().await?;
    let (entry, ticket) = changeable_entry(&txn, principal, id).await?;
    entry.check_changeable().map_err(|e| Error::domain(&e))?;
    store::delete(&txn, entry.id, expected_version).await?;
    let event = TicketEvent::TimeRemoved(TimeRemoved {
        entry_id: entry.id,
        user_id: entry.user_id,
        task_id: entry.task_id,
        minutes: entry.minutes,
        work_date: entry.work_date,
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    crate::commit(txn).await?;
    Ok(())
}
