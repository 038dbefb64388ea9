//! A ticket's SLA standing, worked out again in the transaction of each event that may move
//! its clocks (see `TicketEvent::affects_sla`): which policy is the ticket's (a change is
//! kept on the timeline), when it paused and resumed, whether a customer's reply waits for
//! an answer, and from the domain's clocks the earliest due time and warning and whether a
//! target was missed — the columns lists filter and sort by.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use servdesk_domain::Actor;
use servdesk_domain::business_time::{Calendar, Span};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::reports::{Measures, Observed};
use servdesk_domain::sla::{self as rules, Facts, History, Standing, Target};
use servdesk_domain::tickets::Channel;
use servdesk_domain::timeline::{SlaPolicyChanged, TicketEvent};
use uuid::Uuid;

use crate::entities::{ticket_events, tickets as row};
use crate::error::StoreError;

/// The pauses as kept: `[[from, to], …]`.
fn pauses_of(text: &str) -> Vec<Span> {
    serde_json::from_str::<Vec<(DateTime<Utc>, DateTime<Utc>)>>(text)
        .unwrap_or_default()
        .into_iter()
        .map(|(from, to)| Span { from, to })
        .collect()
}

fn pauses_text(pauses: &[Span]) -> String {
    serde_json::to_string(&pauses.iter().map(|p| (p.from, p.to)).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

/// The ticket's policy and what its clocks are computed from.
pub async fn history(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<(Option<Uuid>, History), StoreError> {
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok((m.sla_policy_id, history_of(&m)))
}

/// What the clocks of a ticket are computed from, as kept on it.
pub fn history_of(m: &row::Model) -> History {
    History {
        started_at: Some(m.reported_at),
        first_response_at: m.first_response_at,
        awaiting_reply_since: m.sla_awaiting_since,
        resolved_at: m.resolved_at,
        pauses: pauses_of(&m.sla_pauses),
        paused_since: m.sla_paused_since,
    }
}

/// Works the ticket's standing and its measures for reports out again after `event`
/// (nothing for events that cannot move them); answers the standing when the ticket has a
/// policy or just lost one.
pub async fn refresh(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    actor: Actor,
    event: &TicketEvent,
    now: DateTime<Utc>,
) -> Result<Option<Standing>, StoreError> {
    if !event.affects_sla() {
        return Ok(None);
    }
    restate(conn, ticket_id, actor, Some(event), now).await
}

/// Works the ticket's standing out again without an event of its own: after the policies or
/// a calendar changed (the policy it falls under, and its due times, may be others now).
pub async fn reconsider(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<Option<Standing>, StoreError> {
    restate(conn, ticket_id, Actor::SYSTEM, None, now).await
}

async fn restate(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    actor: Actor,
    event: Option<&TicketEvent>,
    now: DateTime<Utc>,
) -> Result<Option<Standing>, StoreError> {
    let Some(m) = row::Entity::find_by_id(ticket_id).one(conn).await? else { return Ok(None) };
    let class = crate::dictionaries::get(conn, DictionaryKind::TicketStatus, m.status_id).await?.class;
    let measures = super::measures::get(conn, ticket_id).await?;
    restate_from(conn, &m, class, measures, actor, event, now).await
}

/// `refresh` for a ticket `create` has just written: its row and its status's class are
/// known and it has no measures yet, so nothing is read back.
pub async fn opened(
    conn: &impl ConnectionTrait,
    m: &row::Model,
    class: StatusClass,
    actor: Actor,
    event: &TicketEvent,
    now: DateTime<Utc>,
) -> Result<Option<Standing>, StoreError> {
    restate_from(conn, m, Some(class), Measures::default(), actor, Some(event), now).await
}

async fn restate_from(
    conn: &impl ConnectionTrait,
    m: &row::Model,
    class: Option<StatusClass>,
    measures: Measures,
    actor: Actor,
    event: Option<&TicketEvent>,
    now: DateTime<Utc>,
) -> Result<Option<Standing>, StoreError> {
    let policies = crate::sla::policies(conn).await?;
    let worked_out = if policies.is_empty() && m.sla_policy_id.is_none() {
        None
    } else {
        Some(work_out(conn, &policies, m, class, actor, event, now).await?)
    };
    let measures = measured(measures, m, class, actor, event, worked_out.as_ref(), now);
    super::measures::put(conn, m.id, &measures).await?;
    Ok(worked_out.map(|w| w.standing))
}

/// The measures `opened` writes for a new ticket while no SLA policy exists (nothing to
/// read then): `create` writes them in the ticket's own statement, guarded by "no policy".
pub(crate) fn opened_without_policies(m: &row::Model, class: StatusClass, actor: Actor, now: DateTime<Utc>) -> Measures {
    // Its `created` event only differs from no event in not being a reopening.
    measured(Measures::default(), m, Some(class), actor, None, None, now)
}

/// `measures` after this event: the class it moved to, and the clocks of the ticket's
/// policy (cleared without one).
fn measured(
    mut measures: Measures,
    m: &row::Model,
    class: Option<StatusClass>,
    actor: Actor,
    event: Option<&TicketEvent>,
    worked_out: Option<&WorkedOut>,
    now: DateTime<Utc>,
) -> Measures {
    if let Some(class) = class {
        let observed = Observed {
            reported_at: m.reported_at,
            class,
            first_response_at: m.first_response_at,
            closed_at: m.closed_at,
            by: actor.user_id,
            reopened: matches!(event, Some(TicketEvent::Reopened(_))),
            calendar: worked_out.and_then(|w| w.calendar.as_ref()),
            now,
        };
        measures.observe(&observed);
    }
    match worked_out {
        Some(w) if w.standing.policy_id.is_some() => measures.observe_clocks(&w.clocks, w.answered.as_ref()),
        _ => measures.clear_clocks(),
    }
    measures
}

/// The SLA side of a refresh: the standing kept on the ticket, and what its measures take.
struct WorkedOut {
    standing: Standing,
    calendar: Option<Calendar>,
    clocks: Vec<rules::Clock>,
    /// The next-response clock of the customer's reply this event answered.
    answered: Option<rules::Clock>,
}

async fn work_out(
    conn: &impl ConnectionTrait,
    policies: &[rules::Policy],
    m: &row::Model,
    class: Option<StatusClass>,
    actor: Actor,
    event: Option<&TicketEvent>,
    now: DateTime<Utc>,
) -> Result<WorkedOut, StoreError> {
    let ticket_id = m.id;
    // Pending holds the clocks: a pause opens on entering it and closes on leaving.
    let mut pauses = pauses_of(&m.sla_pauses);
    let mut paused_since = m.sla_paused_since;
    match (class == Some(StatusClass::Pending), paused_since) {
        (true, None) => paused_since = Some(now),
        (false, Some(since)) => {
            pauses.push(Span { from: since, to: now });
            paused_since = None;
        }
        _ => {}
    }
    // A public reply by staff answers the customer; one by the customer (by email or the
    // portal: no staff member acts) waits for an answer.
    let mut awaiting = m.sla_awaiting_since;
    if let Some(TicketEvent::CommentAdded(c)) = event
        && c.visibility == "public"
    {
        if actor.user_id.is_some() {
            awaiting = None;
        } else if actor.api_key_id.is_none() {
            awaiting = awaiting.or(Some(now));
        }
    }
    let facts = Facts {
        priority_id: m.priority_id,
        customer_id: m.customer_id,
        contract_id: m.contract_id,
        category_id: m.category_id,
        channel: Channel::parse(&m.channel).unwrap_or(Channel::Email),
    };
    let policy = rules::policy_for(policies, &facts);
    if policy.map(|p| p.id) != m.sla_policy_id {
        let changed = TicketEvent::SlaPolicyChanged(SlaPolicyChanged {
            from_policy_id: m.sla_policy_id,
            to_policy_id: policy.map(|p| p.id),
            to_policy_name: policy.map(|p| p.name.clone()),
        });
        // Straight into the timeline: the event itself moves no clock and tells no webhook.
        ticket_events::Entity::insert(super::timeline::event_row(ticket_id, Actor::SYSTEM, &changed, now))
            .exec_without_returning(conn)
            .await?;
    }
    // A new wait for an answer is a new next-response clock: its notices may be told again.
    let mut told = told_of(&m.sla_told);
    if awaiting.is_some() && m.sla_awaiting_since.is_none() {
        told.retain(|t| !t.starts_with("next_response."));
    }
    let before = history_of(m);
    let history = History { pauses: pauses.clone(), paused_since, awaiting_reply_since: awaiting, ..before.clone() };
    let mut out =
        WorkedOut { standing: Standing { paused_since, ..Standing::default() }, calendar: None, clocks: Vec::new(), answered: None };
    let mut watch_at = None;
    if let Some(policy) = policy {
        let calendar = crate::sla::calendar(conn, policy.calendar_id).await?.calendar;
        let clocks = rules::clocks(policy, &calendar, &history, now);
        let (due_at, warn_at) = rules::next_instants(&clocks);
        watch_at = rules::watch_at(&clocks, &told);
        out.standing = Standing { policy_id: Some(policy.id), due_at, warn_at, breached: clocks.iter().any(|c| c.breached), paused_since };
        if before.awaiting_reply_since.is_some() && awaiting.is_none() {
            let waiting = History { pauses: pauses.clone(), paused_since, ..before };
            out.answered = rules::clocks(policy, &calendar, &waiting, now).into_iter().find(|c| c.target == Target::NextResponse);
        }
        out.clocks = clocks;
        out.calendar = Some(calendar);
    }
    let standing = &out.standing;
    row::Entity::update_many()
        .col_expr(row::Column::SlaPolicyId, Expr::value(standing.policy_id))
        .col_expr(row::Column::SlaDueAt, Expr::value(standing.due_at))
        .col_expr(row::Column::SlaWarnAt, Expr::value(standing.warn_at))
        .col_expr(row::Column::SlaBreached, Expr::value(standing.breached))
        .col_expr(row::Column::SlaPausedSince, Expr::value(standing.paused_since))
        .col_expr(row::Column::SlaPauses, Expr::value(pauses_text(&pauses)))
        .col_expr(row::Column::SlaAwaitingSince, Expr::value(awaiting))
        .col_expr(row::Column::SlaWatchAt, Expr::value(watch_at))
        .col_expr(row::Column::SlaTold, Expr::value(told.join(",")))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    if let Some(at) = watch_at {
        wake_watcher(conn, at, now).await?;
    }
    Ok(out)
}

/// The marks of the notices told (`first_response.warning`, …).
fn told_of(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
}

/// Tickets with a notice that may be due at `now`, oldest first.
pub async fn to_watch(conn: &impl ConnectionTrait, now: DateTime<Utc>, limit: u64) -> Result<Vec<Uuid>, StoreError> {
    Ok(row::Entity::find()
        .select_only()
        .column(row::Column::Id)
        .filter(row::Column::SlaWatchAt.lte(now))
        .order_by_asc(row::Column::SlaWatchAt)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?)
}

/// What a notice is about, for telling it.
#[derive(Debug, Clone)]
pub struct Noticed {
    pub notices: Vec<rules::Notice>,
    pub number: String,
    pub assignee_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
}

/// Takes the notices of a ticket due at `now` and marks them told (a breach also marks the
/// ticket breached), in the caller's transaction; moves its watch on to the next.
pub async fn take_notices(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<Noticed, StoreError> {
    let m = row::Entity::find_by_id(ticket_id).lock_exclusive().one(conn).await?.ok_or(StoreError::NotFound)?;
    let mut told = told_of(&m.sla_told);
    let (notices, watch_at, breached) = match m.sla_policy_id {
        Some(policy_id) => {
            let policy = crate::sla::policy(conn, policy_id).await?;
            let calendar = crate::sla::calendar(conn, policy.calendar_id).await?.calendar;
            let clocks = rules::clocks(&policy, &calendar, &history_of(&m), now);
            let notices = rules::notices(&clocks, &told, now);
            told.extend(notices.iter().map(rules::Notice::mark));
            (notices, rules::watch_at(&clocks, &told), clocks.iter().any(|c| c.breached))
        }
        None => (Vec::new(), None, false),
    };
    row::Entity::update_many()
        .col_expr(row::Column::SlaTold, Expr::value(told.join(",")))
        .col_expr(row::Column::SlaWatchAt, Expr::value(watch_at))
        .col_expr(row::Column::SlaBreached, Expr::value(m.sla_breached || breached))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    Ok(Noticed { notices, number: m.number, assignee_id: m.assignee_id, team_id: m.team_id })
}

/// Open tickets (not closed nor cancelled) after `after` in id order: what a change of the
/// policies or calendars is applied to, a batch at a time.
pub async fn open_after(conn: &impl ConnectionTrait, after: Option<Uuid>, limit: u64) -> Result<Vec<Uuid>, StoreError> {
    let mut select = row::Entity::find().select_only().column(row::Column::Id).filter(row::Column::ClosedAt.is_null());
    if let Some(after) = after {
        select = select.filter(row::Column::Id.gt(after));
    }
    Ok(select.order_by_asc(row::Column::Id).limit(limit).into_tuple().all(conn).await?)
}

/// The job that applies a change of the policies or a calendar to the open tickets.
pub const REAPPLY_JOB: &str = "sla.reapply";

/// Queues a run of [`REAPPLY_JOB`] in the caller's transaction (the change it applies
/// commits with it).
pub async fn queue_reapply(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<(), StoreError> {
    crate::jobs::enqueue(conn, crate::jobs::NewJob::now(REAPPLY_JOB, serde_json::json!({}), now), now).await?;
    Ok(())
}

/// The job that tells of SLA notices (see the use cases' `sla`).
pub const WATCH_JOB: &str = "sla.watch";

/// Queues a run of the watcher at the start of the minute after `at` (in the caller's
/// transaction): one per minute however many tickets fall due in it, so a notice is told
/// within a minute of its instant (the watcher also runs every minute regardless).
pub async fn wake_watcher(conn: &impl ConnectionTrait, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), StoreError> {
    let minute = at.timestamp().div_euclid(60) + 1;
    let run_at = DateTime::<Utc>::from_timestamp(minute * 60, 0).unwrap_or(at).max(now);
    let mut job = crate::jobs::NewJob::now(WATCH_JOB, serde_json::json!({}), run_at);
    job.unique_key = Some(format!("{WATCH_JOB}@{minute}"));
    job.max_attempts = 3;
    crate::jobs::enqueue(conn, job, now).await?;
    Ok(())
}
