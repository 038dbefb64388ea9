//! The job runner and the registry of job kinds: claims due jobs, runs their handlers,
//! records the outcome.
//!
//! While a handler runs, the worker keeps extending the job's lock (every third of the lock
//! timeout); if the worker dies, the lock runs out and another worker takes the job over.
//! Handlers must therefore be safe to run again after a crash (at-least-once delivery).

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::join_all;
use servdesk_domain::jobs::{AfterFailure, after_failure};
use servdesk_persistence::jobs::{self, Job, NewJob};
use servdesk_persistence::{DatabaseConnection, StoreError, idempotency, login_failures, sessions};
use tokio::sync::watch;
use tracing::Instrument;

use crate::config::WorkerSettings;
use crate::now;

pub type JobFuture<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

/// Runs jobs of one kind. An `Err` is recorded as the job's `last_error` and retried.
pub trait JobHandler: Send + Sync + 'static {
    fn run<'a>(&'a self, job: &'a Job, db: &'a DatabaseConnection) -> JobFuture<'a>;
}

/// Which handler runs which kind of job.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: HashMap<String, Arc<dyn JobHandler>>,
    /// Kinds the worker enqueues itself, once per interval (one per interval across all
    /// workers, by a unique key per time bucket).
    recurring: Vec<(String, std::time::Duration)>,
}

impl Registry {
    /// The handlers every Servdesk process knows.
    pub fn standard(config: &crate::config::Config) -> Self {
        let housekeeping = Housekeeping { changes_retention: servdesk_domain::policy::duration(config.changes_retention) };
        Self::default().register(HOUSEKEEPING, housekeeping).register(crate::billing::runs::COMPUTE_RUN, crate::billing::runs::ComputeRun)
    }

    /// The standard handlers and those that work with the desk (webhook deliveries).
    pub fn of_desk(desk: &crate::Desk) -> Self {
        let registry = Self::standard(&desk.config)
            .register(crate::webhooks::DELIVER_JOB, crate::webhooks::Deliveries::new(desk.clone()))
            // Each change wakes the deliveries at once; this catches what a worker that died
            // mid-run left locked (its lock runs out) without waiting for the next change.
            .every(crate::webhooks::DELIVER_JOB, std::time::Duration::from_secs(60))
            .register(crate::sla::WATCH_JOB, crate::sla::Watch::new(desk.clone()))
            .register(crate::sla::REAPPLY_JOB, crate::sla::Reapply::new(desk.clone()))
            .every(crate::sla::WATCH_JOB, std::time::Duration::from_secs(60));
        match crate::imports::writer_of(desk) {
            Some(writer) => registry.register(crate::imports::RUN_JOB, crate::imports::Run::new(desk.clone(), writer)),
            None => registry,
        }
    }

    pub fn register(self, kind: &str, handler: impl JobHandler) -> Self {
        self.register_shared(kind, Arc::new(handler))
    }

    /// Registers one handler for several kinds.
    pub fn register_shared(mut self, kind: &str, handler: Arc<dyn JobHandler>) -> Self {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    /// Runs `kind` every `interval` (its handler registered as usual).
    pub fn every(mut self, kind: &str, interval: std::time::Duration) -> Self {
        self.recurring.push((kind.to_owned(), interval));
        self
    }

    fn kinds(&self) -> Vec<String> {
        let mut kinds: Vec<String> = self.handlers.keys().cloned().collect();
        kinds.sort();
        kinds
    }
}

pub struct Worker {
    db: DatabaseConnection,
    registry: Registry,
    settings: WorkerSettings,
    id: String,
}

fn chrono_of(d: std::time::Duration) -> chrono::Duration {
    servdesk_domain::policy::duration(d)
}

impl Worker {
    pub fn new(db: DatabaseConnection, registry: Registry, settings: WorkerSettings) -> Self {
        // The tail of a v7 UUID is random: tells workers of one process apart.
        let random = uuid::Uuid::now_v7().simple().to_string();
        let id = format!("worker-{}-{}", std::process::id(), &random[24..]);
        Self { db, registry, settings, id }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Runs until `shutdown` turns true; the batch in hand is finished first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.id, "job worker started");
        let mut recurring = self.registry.recurring.clone();
        recurring.push((HOUSEKEEPING.to_owned(), self.settings.housekeeping_interval));
        let mut next_due: Vec<std::time::Instant> = recurring.iter().map(|_| std::time::Instant::now()).collect();
        while !*shutdown.borrow() {
            for ((kind, interval), due) in recurring.iter().zip(next_due.iter_mut()) {
                if std::time::Instant::now() >= *due {
                    if let Err(e) = self.schedule(kind, *interval).await {
                        tracing::warn!(error = %e, kind, "could not schedule a recurring job");
                    }
                    *due = std::time::Instant::now() + *interval;
                }
            }
            let ran = match self.run_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming jobs failed; retrying");
                    0
                }
            };
            if ran == 0 {
                tokio::select! {
                    _ = tokio::time::sleep(self.settings.poll_interval) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        tracing::info!(worker = %self.id, "job worker stopped");
    }

    /// Claims one batch of due jobs and runs it to the end. Returns how many ran.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let kinds = self.registry.kinds();
        let lock = chrono_of(self.settings.lock_timeout);
        let claimed = jobs::claim(&self.db, &self.id, &kinds, u64::from(self.settings.concurrency), lock, now()).await?;
        let n = claimed.len();
        join_all(claimed.into_iter().map(|job| self.execute(job))).await;
        Ok(n)
    }

    async fn execute(&self, job: Job) {
        let span = tracing::info_span!("job", job_id = %job.id, kind = %job.kind, attempt = job.attempts);
        self.execute_in_span(job).instrument(span).await
    }

    async fn execute_in_span(&self, job: Job) {
        let outcome = if job.attempts > job.max_attempts {
            // Claimed again after its lock ran out more often than it may be attempted:
            // whatever it does keeps killing workers.
            Err("abandoned: its worker stopped before finishing too many times".to_owned())
        } else if let Some(handler) = self.registry.handlers.get(&job.kind).cloned() {
            self.run_with_heartbeat(&job, handler).await
        } else {
            // Not reached: only registered kinds are claimed.
            Err(format!("no handler for job kind {:?}", job.kind))
        };
        let recorded = match outcome {
            Ok(()) => jobs::complete(&self.db, job.id, &self.id, now()).await,
            Err(error) => {
                let (base, cap) = (chrono_of(self.settings.backoff_base), chrono_of(self.settings.backoff_cap));
                let after = after_failure(job.attempts, job.max_attempts, now(), base, cap);
                match after {
                    AfterFailure::GiveUp => tracing::error!(error = %error, "job failed for the last time; it is now dead"),
                    AfterFailure::RetryAt(at) => tracing::warn!(error = %error, retry_at = %at, "job failed; will retry"),
                }
                jobs::fail(&self.db, job.id, &self.id, &error, after, now()).await
            }
        };
        match recorded {
            Ok(true) => {}
            Ok(false) => tracing::warn!("job outcome not recorded: its lock had passed to another worker"),
            Err(e) => tracing::error!(error = %e, "could not record the job's outcome; it will run again after its lock expires"),
        }
    }

    async fn run_with_heartbeat(&self, job: &Job, handler: Arc<dyn JobHandler>) -> Result<(), String> {
        let work = AssertUnwindSafe(handler.run(job, &self.db)).catch_unwind();
        let beat_every = (self.settings.lock_timeout / 3).max(std::time::Duration::from_millis(100));
        let heartbeat = async {
            loop {
                tokio::time::sleep(beat_every).await;
                let until = now() + chrono_of(self.settings.lock_timeout);
                match jobs::extend_lock(&self.db, job.id, &self.id, until).await {
                    Ok(true) => {}
                    Ok(false) => return "lost the job's lock to another worker".to_owned(),
                    Err(e) => tracing::warn!(error = %e, "could not extend the job's lock"),
                }
            }
        };
        tokio::select! {
            result = work => result.unwrap_or_else(|_| Err("the job handler panicked".to_owned())),
            lost = heartbeat => Err(lost),
        }
    }

    /// Enqueues the recurring `kind` for the current time bucket of `interval`: however many
    /// workers run, one job per bucket. A failed run is left dead for admins to see for a
    /// day, then forgotten (the next interval tries again anyway).
    async fn schedule(&self, kind: &str, interval: std::time::Duration) -> Result<(), StoreError> {
        jobs::purge_dead_of_kind(&self.db, kind, now() - chrono::Duration::days(1)).await?;
        let millis = interval.as_millis().max(1000) as i64;
        let bucket = now().timestamp_millis() / millis;
        let mut job = NewJob::now(kind, serde_json::json!({}), now());
        job.unique_key = Some(format!("{kind}:{bucket}"));
        job.max_attempts = 1;
        jobs::enqueue(&self.db, job, now()).await?;
        Ok(())
    }
}

pub const HOUSEKEEPING: &str = "housekeeping";

/// Forgets what has expired: idempotency records, refresh tokens, old login failures,
/// finished jobs older than a week (dead jobs stay for an admin) and change feed entries
/// past their retention.
pub struct Housekeeping {
    pub changes_retention: chrono::Duration,
}

impl JobHandler for Housekeeping {
    fn run<'a>(&'a self, _job: &'a Job, db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move {
            let now = now();
            let keys = idempotency::purge_expired(db, now).await.map_err(|e| e.to_string())?;
            let tokens = sessions::purge_ended(db, now).await.map_err(|e| e.to_string())?;
            let failures = login_failures::purge(db, now - chrono::Duration::days(1)).await.map_err(|e| e.to_string())?;
            let done = jobs::purge_done(db, now - chrono::Duration::days(7)).await.map_err(|e| e.to_string())?;
            let changes = servdesk_persistence::changes::purge(db, now - self.changes_retention).await.map_err(|e| e.to_string())?;
            // Webhook events and their delivery log are kept as long as the change feed.
            let webhook_events =
                servdesk_persistence::webhooks::purge(db, now - self.changes_retention).await.map_err(|e| e.to_string())?;
            tracing::info!(keys, tokens, failures, done, changes, webhook_events, "housekeeping done");
            Ok(())
        })
    }
}
