//! The job queue: durable background work (deliveries, syncs, housekeeping).
//!
//! A job is enqueued in the same transaction as the change that caused it, so it exists
//! exactly when the change does. Workers claim jobs with one atomic statement (with
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL), hold them under a lock that expires, and either
//! complete them or record the failure, which schedules a retry with backoff or, after
//! `max_attempts`, parks the job as `dead` for an admin to see and retry.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value};
use servdesk_domain::errors::code;
use servdesk_domain::jobs::{AfterFailure, JobStatus};
use uuid::Uuid;

use crate::db::placeholder;
use crate::entities::jobs;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};

/// A job as workers and the admin API see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub status: JobStatus,
    pub run_at: DateTime<Utc>,
    /// Claims so far, the running one included.
    pub attempts: u32,
    pub max_attempts: u32,
    pub last_error: Option<String>,
    pub locked_until: Option<DateTime<Utc>>,
    pub locked_by: Option<String>,
    pub unique_key: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn to_job(m: jobs::Model) -> Result<Job, StoreError> {
    Ok(Job {
        payload: serde_json::from_str(&m.payload).map_err(|e| StoreError::corrupt("jobs", format!("{}: {e}", m.id)))?,
        status: JobStatus::parse(&m.status).ok_or_else(|| StoreError::corrupt("jobs", format!("{}: status {}", m.id, m.status)))?,
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        max_attempts: u32::try_from(m.max_attempts).unwrap_or(1),
        id: m.id,
        kind: m.kind,
        run_at: m.run_at,
        last_error: m.last_error,
        locked_until: m.locked_until,
        locked_by: m.locked_by,
        unique_key: m.unique_key,
        created_at: m.created_at,
        updated_at: m.updated_at,
        finished_at: m.finished_at,
    })
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: DateTime<Utc>,
    pub max_attempts: u32,
    /// At most one job ever exists with a given key; enqueueing a second is a no-op.
    pub unique_key: Option<String>,
}

impl NewJob {
    pub fn now(kind: impl Into<String>, payload: serde_json::Value, now: DateTime<Utc>) -> Self {
        Self { kind: kind.into(), payload, run_at: now, max_attempts: 10, unique_key: None }
    }
}

/// Enqueues inside the caller's connection or transaction. Returns `None` when a job with
/// the same `unique_key` already exists.
pub async fn enqueue(conn: &impl ConnectionTrait, job: NewJob, now: DateTime<Utc>) -> Result<Option<Uuid>, StoreError> {
    let id = Uuid::now_v7();
    let model = jobs::ActiveModel {
        id: Set(id),
        kind: Set(job.kind),
        payload: Set(job.payload.to_string()),
        status: Set(JobStatus::Queued.as_str().to_owned()),
        run_at: Set(job.run_at),
        attempts: Set(0),
        max_attempts: Set(i32::try_from(job.max_attempts.max(1)).unwrap_or(i32::MAX)),
        last_error: Set(None),
        locked_until: Set(None),
        locked_by: Set(None),
        unique_key: Set(job.unique_key),
        created_at: Set(now),
        updated_at: Set(now),
        finished_at: Set(None),
    };
    let inserted = jobs::Entity::insert(model)
        .on_conflict(OnConflict::column(jobs::Column::UniqueKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok((inserted == 1).then_some(id))
}

/// Claims up to `limit` due jobs of the given `kinds` for `worker`: queued ones whose time has
/// come, and running ones whose lock expired (their worker died). Each claim counts as an
/// attempt. Kinds a worker has no handler for stay queued for one that has (during a rolling
/// upgrade, or until the feature that delivers them is deployed).
pub async fn claim(
    conn: &impl ConnectionTrait,
    worker: &str,
    kinds: &[String],
    limit: u64,
    lock_for: Duration,
    now: DateTime<Utc>,
) -> Result<Vec<Job>, StoreError> {
    if kinds.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let p = |n: usize| placeholder(backend, n);
    let skip_locked = if backend == DbBackend::Postgres { " FOR UPDATE SKIP LOCKED" } else { "" };
    let kind_list = (0..kinds.len()).map(|i| p(5 + i)).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = {locked_until}, \
         locked_by = {worker}, updated_at = {now} \
         WHERE id IN (SELECT id FROM jobs \
           WHERE ((status = 'queued' AND run_at <= {now}) OR (status = 'running' AND locked_until < {now})) \
             AND kind IN ({kind_list}) \
           ORDER BY run_at, id LIMIT {limit}{skip_locked}) \
         RETURNING *",
        locked_until = p(1),
        worker = p(2),
        now = p(3),
        limit = p(4),
    );
    let mut values: Vec<Value> = vec![(now + lock_for).into(), worker.into(), now.into(), (limit as i64).into()];
    values.extend(kinds.iter().map(|k| Value::from(k.as_str())));
    let rows = jobs::Entity::find().from_raw_sql(Statement::from_sql_and_values(backend, sql, values)).all(conn).await?;
    let mut claimed = rows.into_iter().map(to_job).collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by_key(|j| (j.run_at, j.id));
    Ok(claimed)
}

/// Pushes the lock of a job still being worked on further out. False when the job is no
/// longer ours (the lock expired and another worker took it).
pub async fn extend_lock(conn: &impl ConnectionTrait, id: Uuid, worker: &str, until: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = jobs::Entity::update_many()
        .col_expr(jobs::Column::LockedUntil, Expr::value(until))
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::LockedBy.eq(worker))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Marks the job done if `worker` still holds it. False when the lock had been lost.
pub async fn complete(conn: &impl ConnectionTrait, id: Uuid, worker: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(JobStatus::Done.as_str()))
        .col_expr(jobs::Column::FinishedAt, Expr::value(now))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None))
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::LockedBy.eq(worker))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a failed attempt: the job is queued again at the retry time, or dead.
pub async fn fail(
    conn: &impl ConnectionTrait,
    id: Uuid,
    worker: &str,
    error: &str,
    after: AfterFailure,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (status, run_at, finished_at) = match after {
        AfterFailure::RetryAt(at) => (JobStatus::Queued, Some(at), None),
        AfterFailure::GiveUp => (JobStatus::Dead, None, Some(now)),
    };
    let mut update = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(status.as_str()))
        .col_expr(jobs::Column::LastError, Expr::value(truncate_error(error)))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .col_expr(jobs::Column::FinishedAt, Expr::value(finished_at))
        .col_expr(jobs::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(jobs::Column::LockedBy, Expr::value(Option::<String>::None));
    if let Some(at) = run_at {
        update = update.col_expr(jobs::Column::RunAt, Expr::value(at));
    }
    let result = update
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::LockedBy.eq(worker))
        .filter(jobs::Column::Status.eq(JobStatus::Running.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

fn truncate_error(error: &str) -> String {
    error.chars().take(4000).collect()
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Job, StoreError> {
    to_job(jobs::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

#[derive(Debug, Default, Clone)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub kind: Option<String>,
}

pub async fn list(conn: &impl ConnectionTrait, filter: &JobFilter, req: PageRequest) -> Result<Page<Job>, StoreError> {
    let mut select = jobs::Entity::find();
    if let Some(status) = filter.status {
        select = select.filter(jobs::Column::Status.eq(status.as_str()));
    }
    if let Some(kind) = &filter.kind {
        select = select.filter(jobs::Column::Kind.eq(kind.as_str()));
    }
    page::fetch(conn, select, jobs::Column::Id, jobs::Column::UpdatedAt, req, |j| (j.updated_at, j.id)).await?.try_map(to_job)
}

/// An admin's retry of a dead job: queued now, with a fresh set of attempts.
pub async fn retry(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<Job, StoreError> {
    get(conn, id).await?;
    let result = jobs::Entity::update_many()
        .col_expr(jobs::Column::Status, Expr::value(JobStatus::Queued.as_str()))
        .col_expr(jobs::Column::Attempts, Expr::value(0))
        .col_expr(jobs::Column::RunAt, Expr::value(now))
        .col_expr(jobs::Column::UpdatedAt, Expr::value(now))
        .col_expr(jobs::Column::FinishedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(jobs::Column::Id.eq(id))
        .filter(jobs::Column::Status.eq(JobStatus::Dead.as_str()))
        .exec(conn)
        .await?;
    if result.rows_affected == 0 {
        return Err(StoreError::conflict(code::JOB_NOT_DEAD, "only a dead job can be retried"));
    }
    get(conn, id).await
}

/// Number of jobs per status, every status present (zero when empty).
pub async fn counts_by_status(conn: &impl ConnectionTrait) -> Result<BTreeMap<&'static str, i64>, StoreError> {
    let backend = conn.get_database_backend();
    let rows = conn.query_all_raw(Statement::from_string(backend, "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status")).await?;
    let mut counts: BTreeMap<&'static str, i64> =
        [JobStatus::Queued, JobStatus::Running, JobStatus::Done, JobStatus::Dead].into_iter().map(|s| (s.as_str(), 0)).collect();
    for row in rows {
        let status: String = row.try_get("", "status")?;
        let n: i64 = row.try_get("", "n")?;
        if let Some(s) = JobStatus::parse(&status) {
            counts.insert(s.as_str(), n);
        }
    }
    Ok(counts)
}

/// Housekeeping: forgets finished (done) jobs older than `before`. Dead jobs stay until an
/// admin retries them.
/// Forgets the dead jobs of one kind that finished before `before`: a recurring job that
/// failed every interval while its server was down would otherwise pile up.
pub async fn purge_dead_of_kind(conn: &impl ConnectionTrait, kind: &str, before: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(jobs::Entity::delete_many()
        .filter(jobs::Column::Kind.eq(kind))
        .filter(jobs::Column::Status.eq(JobStatus::Dead.as_str()))
        .filter(jobs::Column::FinishedAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}

pub async fn purge_done(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(jobs::Entity::delete_many()
        .filter(jobs::Column::Status.eq(JobStatus::Done.as_str()))
        .filter(jobs::Column::FinishedAt.lt(before))
        .exec(conn)
        .await?
        .rows_affected)
}
