//! Business calendars and SLA policies: admins keep them; each is checked whole (a
//! calendar's ranges, a policy's targets and what its conditions name) before it is kept.

use servdesk_domain::business_time::{WeekProblem, check_week};
use servdesk_domain::dictionaries::DictionaryKind;
use servdesk_domain::errors::{code, field};
use servdesk_domain::sla::{BusinessCalendar, Policy, check_policy};
use servdesk_persistence::ConnectionTrait;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::sla as store;
use servdesk_persistence::tickets::sla as tickets_sla;
use uuid::Uuid;

use crate::{Desk, Error, FieldError, Result, now, references};

/// The names of the weekdays, Monday first, as the API spells them.
pub const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

fn check_calendar(c: &BusinessCalendar) -> Result<()> {
    let mut errors = Vec::new();
    if c.name.trim().is_empty() {
        errors.push(FieldError::new("name", field::BLANK, "must not be blank"));
    }
    if let Err(problems) = check_week(&c.calendar.week) {
        for p in problems {
            let (day, why) = match p {
                WeekProblem::Backwards(day) => (day, "a range ends before it starts (or is empty)"),
                WeekProblem::Overlap(day) => (day, "ranges overlap or touch (write touching ones as one)"),
            };
            errors.push(FieldError::new(format!("week.{}", WEEKDAYS[day]), field::RANGES, why));
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(Error::validation(errors)) }
}

pub async fn create_calendar(desk: &Desk, c: BusinessCalendar) -> Result<BusinessCalendar> {
    check_calendar(&c)?;
    Ok(store::create_calendar(&desk.db, &c, now()).await?)
}

/// Replaces a calendar; the open tickets' due times move with it (see [`Reapply`]).
pub async fn replace_calendar(desk: &Desk, id: Uuid, expected: Option<i64>, c: BusinessCalendar) -> Result<BusinessCalendar> {
    check_calendar(&c)?;
    let txn = desk.db.begin().await?;
    let replaced = store::replace_calendar(&txn, id, expected, &c, now()).await?;
    applied(txn, replaced).await
}

/// Commits a change of the policies or of a calendar with the job that applies it to the open
/// tickets, and answers what changed.
async fn applied<T>(txn: servdesk_persistence::DatabaseTransaction, changed: T) -> Result<T> {
    tickets_sla::queue_reapply(&txn, now()).await?;
    crate::commit(txn).await?;
    Ok(changed)
}

pub async fn delete_calendar(desk: &Desk, id: Uuid) -> Result<()> {
    store::calendar(&desk.db, id).await?;
    if store::calendar_in_use(&desk.db, id).await? {
        return Err(Error::new(code::CALENDAR_IN_USE, "an SLA policy runs on this calendar; give it another one first"));
    }
    Ok(store::delete_calendar(&desk.db, id).await?)
}

/// Checks a policy: its own settings, then that its calendar and every record its conditions
/// name exist.
async fn check(conn: &impl ConnectionTrait, p: &Policy) -> Result<()> {
    if let Err(problems) = check_policy(p) {
        return Err(Error::validation(problems.into_iter().map(|(f, c, m)| FieldError::new(f, c, m)).collect()));
    }
    crate::error::referenced("calendar_id", store::calendar(conn, p.calendar_id).await)?;
    for id in &p.conditions.priority_ids {
        references::dictionary(conn, "conditions.priority_ids", DictionaryKind::Priority, Some(*id)).await?;
    }
    for id in &p.conditions.category_ids {
        references::dictionary(conn, "conditions.category_ids", DictionaryKind::TicketCategory, Some(*id)).await?;
    }
    for id in &p.conditions.customer_ids {
        crate::error::referenced("conditions.customer_ids", servdesk_persistence::directory::customers::get(conn, *id).await)?;
    }
    for id in &p.conditions.contract_ids {
        crate::error::referenced("conditions.contract_ids", servdesk_persistence::billing::contracts::get(conn, *id).await)?;
    }
    Ok(())
}

/// Adds a policy; the open tickets are matched against the policies again (see [`Reapply`]),
/// as after any change of them.
pub async fn create_policy(desk: &Desk, p: Policy) -> Result<Policy> {
    check(&desk.db, &p).await?;
    let txn = desk.db.begin().await?;
    let created = store::create_policy(&txn, &p, now()).await?;
    applied(txn, created).await
}

pub async fn replace_policy(desk: &Desk, id: Uuid, expected: Option<i64>, p: Policy) -> Result<Policy> {
    store::policy(&desk.db, id).await?;
    check(&desk.db, &p).await?;
    let txn = desk.db.begin().await?;
    let replaced = store::replace_policy(&txn, id, expected, &p, now()).await?;
    applied(txn, replaced).await
}

pub async fn delete_policy(desk: &Desk, id: Uuid) -> Result<()> {
    let txn = desk.db.begin().await?;
    store::delete_policy(&txn, id).await?;
    applied(txn, ()).await
}

/// A ticket's SLA clocks now, each target's.
pub struct TicketClocks {
    pub policy: Policy,
    pub clocks: Vec<servdesk_domain::sla::Clock>,
    pub state: servdesk_domain::sla::SlaState,
    pub paused_minutes: i64,
    pub paused_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The clocks of a ticket the caller may see (`None` when no policy applies to it).
pub async fn ticket_clocks(desk: &Desk, principal: &servdesk_domain::Principal, ticket_id: Uuid) -> Result<Option<TicketClocks>> {
    let visibility = crate::access::visibility(&desk.db, principal).await?;
    servdesk_persistence::tickets::get_visible(&desk.db, ticket_id, &visibility).await?;
    let (policy_id, history) = servdesk_persistence::tickets::sla::history(&desk.db, ticket_id).await?;
    let Some(policy_id) = policy_id else { return Ok(None) };
    let policy = store::policy(&desk.db, policy_id).await?;
    let calendar = store::calendar(&desk.db, policy.calendar_id).await?.calendar;
    let at = now();
    let clocks = servdesk_domain::sla::clocks(&policy, &calendar, &history, at);
    Ok(Some(TicketClocks {
        state: servdesk_domain::sla::state(&clocks, at),
        paused_minutes: servdesk_domain::sla::paused_minutes(&calendar, &history, at),
        paused_since: history.paused_since,
        clocks,
        policy,
    }))
}

/// The job that applies a change of the policies or a calendar to the open tickets.
pub use servdesk_persistence::tickets::sla::REAPPLY_JOB;

/// Open tickets reconsidered per transaction.
const REAPPLIED_PER_BATCH: u64 = 200;

/// Applies a change of the policies or of a calendar to every open ticket: the policy it
/// falls under (a change goes on its timeline), its due times and notices — a batch of
/// tickets per transaction, so the desk works on meanwhile. Running it again changes
/// nothing, so a run cut short is simply run again.
pub struct Reapply {
    desk: Desk,
}

impl Reapply {
    pub fn new(desk: Desk) -> Self {
        Self { desk }
    }

    async fn run(&self) -> Result<usize> {
        let mut after = None;
        let mut done = 0;
        loop {
            let batch = tickets_sla::open_after(&self.desk.db, after, REAPPLIED_PER_BATCH).await?;
            let Some(last) = batch.last().copied() else { return Ok(done) };
            let txn = self.desk.db.begin().await?;
            let at = now();
            for ticket_id in &batch {
                tickets_sla::reconsider(&txn, *ticket_id, at).await?;
            }
            crate::commit(txn).await?;
            done += batch.len();
            after = Some(last);
        }
    }
}

impl crate::jobs::JobHandler for Reapply {
    fn run<'a>(
        &'a self,
        _job: &'a servdesk_persistence::jobs::Job,
        _db: &'a servdesk_persistence::DatabaseConnection,
    ) -> crate::jobs::JobFuture<'a> {
        Box::pin(async move {
            let done = Reapply::run(self).await.map_err(|e| e.to_string())?;
            tracing::info!(tickets = done, "SLA policies applied to the open tickets");
            Ok(())
        })
    }
}

/// The job that tells the desk of SLA targets at risk and missed.
pub use servdesk_persistence::tickets::sla::WATCH_JOB;

/// Tickets looked at in one run (the rest in the next, a minute later).
const WATCHED_PER_RUN: u64 = 500;

/// Tells of the SLA notices that fell due: to the ticket's assignee, else its team's members,
/// else the coordinators (each switchable like any notice), and as `sla.warning` /
/// `sla.breached` webhook events — each once per ticket, target and kind, in one transaction
/// with its mark.
pub struct Watch {
    desk: Desk,
}

impl Watch {
    pub fn new(desk: Desk) -> Self {
        Self { desk }
    }

    async fn run(&self) -> Result<usize> {
        use servdesk_domain::notifications::NotificationEvent;
        use servdesk_domain::sla::NoticeKind;
        use servdesk_domain::webhooks::{Event, EventType};
        use servdesk_persistence::TransactionTrait;
        let at = now();
        let mut told = 0;
        for ticket_id in servdesk_persistence::tickets::sla::to_watch(&self.desk.db, at, WATCHED_PER_RUN).await? {
            let txn = self.desk.db.begin().await?;
            let noticed = servdesk_persistence::tickets::sla::take_notices(&txn, ticket_id, at).await?;
            if !noticed.notices.is_empty() {
                let recipients = recipients(&txn, noticed.assignee_id, noticed.team_id).await?;
                let link = format!("{}/tickets/{ticket_id}", self.desk.config.frontend_url.trim_end_matches('/'));
                let mut events = Vec::new();
                for notice in &noticed.notices {
                    let (event, kind) = match notice.kind {
                        NoticeKind::Warning => (NotificationEvent::SlaWarning, EventType::SlaWarning),
                        NoticeKind::Breached => (NotificationEvent::SlaBreached, EventType::SlaBreached),
                    };
                    let sla = serde_json::json!({"target": notice.target.as_str(), "due_at": notice.due_at});
                    for user_id in &recipients {
                        let payload = serde_json::json!({"ticket_id": ticket_id, "user_id": user_id, "sla": sla, "link": link});
                        crate::notify::queue(&txn, event, payload, at).await?;
                    }
                    events.push(Event { previous: Some(sla), ..Event::new(kind, "ticket", ticket_id) });
                    told += 1;
                }
                servdesk_persistence::webhooks::tell(&txn, &events, at).await?;
                tracing::info!(ticket = %noticed.number, notices = noticed.notices.len(), "SLA notices told");
            }
            txn.commit().await?;
        }
        Ok(told)
    }
}

/// Who hears of a ticket's SLA: its assignee, else its team's members, else the coordinators.
async fn recipients(conn: &impl ConnectionTrait, assignee_id: Option<Uuid>, team_id: Option<Uuid>) -> Result<Vec<Uuid>> {
    if let Some(user) = assignee_id {
        return Ok(vec![user]);
    }
    if let Some(team) = team_id {
        let members = servdesk_persistence::teams::members(conn, team).await?;
        if !members.is_empty() {
            return Ok(members);
        }
    }
    let filter = servdesk_persistence::users::UserFilter {
        role: Some(servdesk_domain::Role::Coordinator),
        active: Some(true),
        ..Default::default()
    };
    Ok(servdesk_persistence::users::list(conn, &filter, servdesk_persistence::PageRequest::first(200))
        .await?
        .items
        .into_iter()
        .map(|u| u.id)
        .collect())
}

impl crate::jobs::JobHandler for Watch {
    fn run<'a>(
        &'a self,
        _job: &'a servdesk_persistence::jobs::Job,
        _db: &'a servdesk_persistence::DatabaseConnection,
    ) -> crate::jobs::JobFuture<'a> {
        Box::pin(async move { Watch::run(self).await.map(|_| ()).map_err(|e| e.to_string()) })
    }
}
