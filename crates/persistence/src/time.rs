//! Time worked: running stopwatches (one per user, the user being the key, so a second start
//! cannot slip in even under concurrency) and the time entries with their totals.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, TryIntoModel};
use servdesk_domain::errors::code;
use servdesk_domain::time::{EntrySource, TimeEntry, Timer, Totals};
use uuid::Uuid;

use crate::entities::{time_entries as row, timers};
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

fn to_timer(m: timers::Model) -> Timer {
    Timer { user_id: m.user_id, ticket_id: m.ticket_id, task_id: m.task_id, started_at: m.started_at, note: m.note }
}

/// The user's running stopwatch, if any.
pub async fn running(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<Timer>, StoreError> {
    Ok(timers::Entity::find_by_id(user_id).one(conn).await?.map(to_timer))
}

/// Starts a stopwatch; a user with one running gets `timer_running` (the primary key decides,
/// so two concurrent starts cannot both win).
pub async fn start(conn: &impl ConnectionTrait, timer: &Timer, now: DateTime<Utc>) -> Result<(), StoreError> {
    let model = timers::ActiveModel {
        user_id: Set(timer.user_id),
        ticket_id: Set(timer.ticket_id),
        task_id: Set(timer.task_id),
        started_at: Set(timer.started_at),
        note: Set(timer.note.clone()),
        created_at: Set(now),
    };
    timers::Entity::insert(model).exec_without_returning(conn).await.map_err(|e| {
        if is_unique_violation(&e) { StoreError::conflict(code::TIMER_RUNNING, "a stopwatch is already running") } else { e.into() }
    })?;
    Ok(())
}

/// Removes the user's stopwatch and answers it (`None` when none ran, or another request
/// stopped it first).
pub async fn take(conn: &impl ConnectionTrait, user_id: Uuid) -> Result<Option<Timer>, StoreError> {
    let Some(timer) = running(conn, user_id).await? else { return Ok(None) };
    let deleted = timers::Entity::delete_many()
        .filter(timers::Column::UserId.eq(user_id))
        .filter(timers::Column::StartedAt.eq(timer.started_at))
        .exec(conn)
        .await?;
    Ok((deleted.rows_affected == 1).then_some(timer))
}

/// A time entry to write; cost and billability are decided by the caller's rules.
pub struct NewEntry {
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub note: Option<String>,
    pub billable: bool,
    pub rate_minor: i64,
    pub cost_minor: i64,
    pub needs_review: bool,
    pub source: EntrySource,
    pub created_by: Option<Uuid>,
}

fn to_entry(m: row::Model) -> Result<TimeEntry, StoreError> {
    Ok(TimeEntry {
        source: EntrySource::parse(&m.source).ok_or_else(|| StoreError::corrupt("time_entries", format!("{}: source", m.id)))?,
        id: m.id,
        user_id: m.user_id,
        ticket_id: m.ticket_id,
        task_id: m.task_id,
        customer_id: m.customer_id,
        started_at: m.started_at,
        ended_at: m.ended_at,
        work_date: m.work_date,
        minutes: m.minutes,
        note: m.note,
        billable: m.billable,
        rate_minor: m.rate_minor,
        cost_minor: m.cost_minor,
        needs_review: m.needs_review,
        created_by: m.created_by,
        billed_statement_id: m.billed_statement_id,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub async fn create(conn: &impl ConnectionTrait, new: NewEntry, now: DateTime<Utc>) -> Result<TimeEntry, StoreError> {
    crate::tickets::mark_has_work(conn, new.ticket_id).await?;
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(new.user_id),
        ticket_id: Set(new.ticket_id),
        task_id: Set(new.task_id),
        customer_id: Set(new.customer_id),
        started_at: Set(new.started_at),
        ended_at: Set(new.ended_at),
        work_date: Set(new.work_date),
        minutes: Set(new.minutes),
        note: Set(new.note),
        billable: Set(new.billable),
        rate_minor: Set(new.rate_minor),
        cost_minor: Set(new.cost_minor),
        needs_review: Set(new.needs_review),
        source: Set(new.source.as_str().to_owned()),
        created_by: Set(new.created_by),
        billed_statement_id: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row::Entity::insert(model.clone()).exec_without_returning(conn).await?;
    to_entry(model.try_into_model()?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<TimeEntry, StoreError> {
    to_entry(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// A corrected entry: its span, note, billability and the cost recomputed by the caller.
pub struct EntryChanges {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub note: Option<String>,
    pub billable: bool,
    pub cost_minor: i64,
    /// A reviewed entry is cleared of its flag.
    pub needs_review: bool,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: EntryChanges,
    now: DateTime<Utc>,
) -> Result<TimeEntry, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let u = row::Entity::update_many()
        .col_expr(row::Column::StartedAt, Expr::value(changes.started_at))
        .col_expr(row::Column::EndedAt, Expr::value(changes.ended_at))
        .col_expr(row::Column::WorkDate, Expr::value(changes.work_date))
        .col_expr(row::Column::Minutes, Expr::value(changes.minutes))
        .col_expr(row::Column::Note, Expr::value(changes.note))
        .col_expr(row::Column::Billable, Expr::value(changes.billable))
        .col_expr(row::Column::CostMinor, Expr::value(changes.cost_minor))
        .col_expr(row::Column::NeedsReview, Expr::value(changes.needs_review));
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid, expected: Option<i64>) -> Result<(), StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let deleted =
        row::Entity::delete_many().filter(row::Column::Id.eq(id)).filter(row::Column::Version.eq(current.version)).exec(conn).await?;
    if deleted.rows_affected == 0 { Err(StoreError::StaleVersion) } else { Ok(()) }
}

#[derive(Debug, Default, Clone)]
pub struct EntryFilter {
    pub user_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// First day included.
    pub from: Option<NaiveDate>,
    /// Last day included.
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub needs_review: Option<bool>,
}

fn filtered(filter: &EntryFilter) -> sea_orm::Select<row::Entity> {
    let mut select = row::Entity::find();
    macro_rules! eq {
        ($field:ident, $col:ident) => {
            if let Some(v) = filter.$field {
                select = select.filter(row::Column::$col.eq(v));
            }
        };
    }
    eq!(user_id, UserId);
    eq!(customer_id, CustomerId);
    eq!(ticket_id, TicketId);
    eq!(task_id, TaskId);
    eq!(billable, Billable);
    eq!(needs_review, NeedsReview);
    if let Some(from) = filter.from {
        select = select.filter(row::Column::WorkDate.gte(from));
    }
    if let Some(to) = filter.to {
        select = select.filter(row::Column::WorkDate.lte(to));
    }
    select
}

pub async fn list(conn: &impl ConnectionTrait, filter: &EntryFilter, req: PageRequest) -> Result<Page<TimeEntry>, StoreError> {
    page::fetch(conn, filtered(filter), row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_entry)
}

#[derive(FromQueryResult)]
struct SumRow {
    key: Option<Uuid>,
    entries: i64,
    minutes: i64,
    cost_minor: i64,
    billable_minutes: i64,
    billable_cost_minor: i64,
}

impl From<SumRow> for Totals {
    fn from(r: SumRow) -> Self {
        Totals {
            entries: r.entries,
            minutes: r.minutes,
            cost_minor: r.cost_minor,
            billable_minutes: r.billable_minutes,
            billable_cost_minor: r.billable_cost_minor,
        }
    }
}

/// `SUM` of a bigint is `numeric` on PostgreSQL: cast back so both databases answer integers.
fn sum(expr: &str) -> SimpleExpr {
    Expr::cust(format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT)"))
}

fn sums(select: sea_orm::Select<row::Entity>, key: Option<row::Column>) -> sea_orm::Select<row::Entity> {
    let select = select.select_only();
    let select = match key {
        Some(col) => select.column_as(col, "key").group_by(col),
        None => select.column_as(Expr::cust("NULL"), "key"),
    };
    select
        .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "entries")
        .column_as(sum("minutes"), "minutes")
        .column_as(sum("cost_minor"), "cost_minor")
        .column_as(sum("CASE WHEN billable THEN minutes ELSE 0 END"), "billable_minutes")
        .column_as(sum("CASE WHEN billable THEN cost_minor ELSE 0 END"), "billable_cost_minor")
}

/// Totals over every entry the filter matches (not just one page).
pub async fn totals(conn: &impl ConnectionTrait, filter: &EntryFilter) -> Result<Totals, StoreError> {
    let row = sums(filtered(filter), None).into_model::<SumRow>().one(conn).await?;
    Ok(row.map(Totals::from).unwrap_or_default())
}

/// Totals per task of `task_ids` (tasks without time are absent).
pub async fn totals_by_task(conn: &impl ConnectionTrait, task_ids: &[Uuid]) -> Result<HashMap<Uuid, Totals>, StoreError> {
    totals_by(conn, row::Column::TaskId, task_ids).await
}

/// Totals per task of one ticket's tasks (tasks without time are absent).
pub async fn totals_by_ticket_tasks(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<HashMap<Uuid, Totals>, StoreError> {
    let select = row::Entity::find().filter(row::Column::TicketId.eq(ticket_id)).filter(row::Column::TaskId.is_not_null());
    let rows = sums(select, Some(row::Column::TaskId)).into_model::<SumRow>().all(conn).await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.key?, Totals::from(r)))).collect())
}

async fn totals_by(conn: &impl ConnectionTrait, col: row::Column, ids: &[Uuid]) -> Result<HashMap<Uuid, Totals>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = row::Entity::find().filter(col.is_in(ids.iter().copied()));
    let rows = sums(select, Some(col)).into_model::<SumRow>().all(conn).await?;
    Ok(rows.into_iter().filter_map(|r| Some((r.key?, Totals::from(r)))).collect())
}
