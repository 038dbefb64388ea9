//! The job queue: enqueue in the caller's transaction, safe concurrent claims, retries with
//! backoff into a dead state, recovery of jobs whose worker died, and the admin API.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::TransactionTrait;
use serde_json::{Value, json};
use servdesk_domain::jobs::JobStatus;
use servdesk_persistence::jobs::{self, Job, NewJob};
use servdesk_persistence::{DatabaseConnection, idempotency};
use servdesk_usecases::config::WorkerSettings;
use servdesk_usecases::jobs::{JobFuture, JobHandler, Registry, Worker};
use tokio::sync::{Notify, watch};

use crate::support::{TestApp, expect_problem};

fn fast(lock_timeout: Duration) -> WorkerSettings {
    WorkerSettings {
        concurrency: 5,
        poll_interval: Duration::from_millis(20),
        lock_timeout,
        backoff_base: Duration::from_millis(10),
        backoff_cap: Duration::from_millis(50),
        housekeeping_interval: Duration::from_secs(3600),
    }
}

fn now() -> chrono::DateTime<chrono::Utc> {
    servdesk_usecases::now()
}

/// Counts how often each job ran.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<HashMap<uuid::Uuid, u32>>>);

impl JobHandler for Recorder {
    fn run<'a>(&'a self, job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move {
            *self.0.lock().unwrap().entry(job.id).or_default() += 1;
            tokio::time::sleep(Duration::from_millis(2)).await;
            Ok(())
        })
    }
}

struct AlwaysFails;

impl JobHandler for AlwaysFails {
    fn run<'a>(&'a self, _job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async { Err("smtp.example.com: 451 try again later".to_owned()) })
    }
}

/// Hangs on its first run (the worker is then killed), succeeds on the next.
#[derive(Clone, Default)]
struct HangsOnce {
    started: Arc<Notify>,
    runs: Arc<Mutex<u32>>,
}

impl JobHandler for HangsOnce {
    fn run<'a>(&'a self, _job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move {
            let run = {
                let mut runs = self.runs.lock().unwrap();
                *runs += 1;
                *runs
            };
            if run == 1 {
                self.started.notify_one();
                std::future::pending::<()>().await;
            }
            Ok(())
        })
    }
}

async fn wait_until(mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..500 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("condition not reached in 10 s");
}

#[tokio::test]
async fn a_job_enqueued_in_a_rolled_back_transaction_never_exists() {
    let app = TestApp::spawn().await;
    let txn = app.state.db.begin().await.unwrap();
    let id = jobs::enqueue(&txn, NewJob::now("test.record", json!({}), now()), now()).await.unwrap().unwrap();
    txn.rollback().await.unwrap();
    assert!(jobs::get(&app.state.db, id).await.is_err());

    let txn = app.state.db.begin().await.unwrap();
    let id = jobs::enqueue(&txn, NewJob::now("test.record", json!({"n": 1}), now()), now()).await.unwrap().unwrap();
    txn.commit().await.unwrap();
    assert_eq!(jobs::get(&app.state.db, id).await.unwrap().status, JobStatus::Queued);
}

#[tokio::test]
async fn a_unique_key_enqueues_at_most_one_job() {
    let app = TestApp::spawn().await;
    let mut job = NewJob::now("test.record", json!({}), now());
    job.unique_key = Some("digest:2026-11-22".to_owned());
    assert!(jobs::enqueue(&app.state.db, job.clone(), now()).await.unwrap().is_some());
    // Inside a transaction too: the duplicate must not abort it (PostgreSQL would).
    let txn = app.state.db.begin().await.unwrap();
    assert!(jobs::enqueue(&txn, job, now()).await.unwrap().is_none());
    jobs::enqueue(&txn, NewJob::now("test.record", json!({}), now()), now()).await.unwrap();
    txn.commit().await.unwrap();
}

#[tokio::test]
async fn concurrent_workers_never_run_the_same_job() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for n in 0..200 {
        ids.push(jobs::enqueue(&app.state.db, NewJob::now("test.record", json!({"n": n}), now()), now()).await.unwrap().unwrap());
    }
    let recorder = Recorder::default();
    let (stop, stopped) = watch::channel(false);
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let worker = Worker::new(
                app.state.db.clone(),
                Registry::default().register("test.record", recorder.clone()),
                fast(Duration::from_secs(30)),
            );
            tokio::spawn(worker.run(stopped.clone()))
        })
        .collect();
    wait_until(async || recorder.0.lock().unwrap().len() == 200).await;
    stop.send(true).unwrap();
    for w in workers {
        w.await.unwrap();
    }
    let runs = recorder.0.lock().unwrap().clone();
    assert!(ids.iter().all(|id| runs.get(id) == Some(&1)), "every job ran exactly once");
    for id in ids {
        assert_eq!(jobs::get(&app.state.db, id).await.unwrap().status, JobStatus::Done);
    }
}

#[tokio::test]
async fn a_job_whose_worker_was_killed_mid_run_is_taken_over_and_finished() {
    let app = TestApp::spawn().await;
    let handler = HangsOnce::default();
    let id = jobs::enqueue(&app.state.db, NewJob::now("test.hang", json!({}), now()), now()).await.unwrap().unwrap();

    let lock = Duration::from_millis(600);
    let registry = Registry::default().register("test.hang", handler.clone());
    let (_stop, stopped) = watch::channel(false);
    let doomed = tokio::spawn(Worker::new(app.state.db.clone(), registry.clone(), fast(lock)).run(stopped.clone()));
    handler.started.notified().await;
    doomed.abort(); // the process dies: no cleanup, the lock stays behind
    let _ = doomed.await;
    assert_eq!(jobs::get(&app.state.db, id).await.unwrap().status, JobStatus::Running);

    let rescuer = Worker::new(app.state.db.clone(), registry, fast(lock));
    wait_until(async || {
        rescuer.run_once().await.unwrap();
        jobs::get(&app.state.db, id).await.unwrap().status == JobStatus::Done
    })
    .await;
    let job = jobs::get(&app.state.db, id).await.unwrap();
    assert_eq!(job.attempts, 2);
    assert_eq!(*handler.runs.lock().unwrap(), 2);
}

#[tokio::test]
async fn a_long_job_keeps_its_lock_while_it_runs() {
    let app = TestApp::spawn().await;
    struct Slow;
    impl JobHandler for Slow {
        fn run<'a>(&'a self, _job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
            Box::pin(async {
                tokio::time::sleep(Duration::from_millis(4000)).await;
                Ok(())
            })
        }
    }
    let id = jobs::enqueue(&app.state.db, NewJob::now("test.slow", json!({}), now()), now()).await.unwrap().unwrap();
    // The heartbeat renews the lock every third of it, so only a stall of two thirds of the
    // lock (1.3 s here) lets another worker in: wide enough for a loaded CI machine, where a
    // 1 s lock was once lost.
    let lock = Duration::from_millis(2000);
    let a = Worker::new(app.state.db.clone(), Registry::default().register("test.slow", Slow), fast(lock));
    let b = Worker::new(app.state.db.clone(), Registry::default().register("test.slow", Slow), fast(lock));
    let running = tokio::spawn(async move { a.run_once().await.unwrap() });
    // Well past the original lock (3 s against 2 s), the heartbeat has kept it: nobody else
    // may take the job.
    for _ in 0..15 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(b.run_once().await.unwrap(), 0);
    }
    assert_eq!(running.await.unwrap(), 1);
    let job = jobs::get(&app.state.db, id).await.unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Done, 1));
}

#[tokio::test]
async fn a_failing_job_backs_off_then_dies_visibly_and_an_admin_can_retry_it() {
    let app = TestApp::spawn().await;
    let mut job = NewJob::now("test.fail", json!({"to": "ana@example.com"}), now());
    job.max_attempts = 3;
    let id = jobs::enqueue(&app.state.db, job, now()).await.unwrap().unwrap();
    let worker = Worker::new(app.state.db.clone(), Registry::default().register("test.fail", AlwaysFails), fast(Duration::from_secs(30)));

    assert_eq!(worker.run_once().await.unwrap(), 1);
    let after_first = jobs::get(&app.state.db, id).await.unwrap();
    assert_eq!((after_first.status, after_first.attempts), (JobStatus::Queued, 1));
    assert!(after_first.run_at >= after_first.created_at + chrono::Duration::milliseconds(10), "the retry waits at least the base backoff");
    assert_eq!(after_first.last_error.as_deref(), Some("smtp.example.com: 451 try again later"));

    wait_until(async || {
        worker.run_once().await.unwrap();
        jobs::get(&app.state.db, id).await.unwrap().status == JobStatus::Dead
    })
    .await;
    assert_eq!(jobs::get(&app.state.db, id).await.unwrap().attempts, 3);

    let admin = app.admin_token().await;
    let dead: Value = app.get("/api/v1/jobs?status=dead", &admin).await.json().await.unwrap();
    assert_eq!(dead["items"][0]["id"], id.to_string());
    assert_eq!(dead["items"][0]["payload"]["to"], "ana@example.com");
    assert_eq!(dead["items"][0]["last_error"], "smtp.example.com: 451 try again later");

    let retried: Value = app.post(&format!("/api/v1/jobs/{id}/retry"), &admin, json!({})).await.json().await.unwrap();
    assert_eq!(retried["status"], "queued");
    assert_eq!(retried["attempts"], 0);
    expect_problem(app.post(&format!("/api/v1/jobs/{id}/retry"), &admin, json!({})).await, 409, "job_not_dead").await;
}

#[tokio::test]
async fn a_job_no_worker_handles_yet_waits_untouched_for_one_that_does() {
    let app = TestApp::spawn().await;
    let id = jobs::enqueue(&app.state.db, NewJob::now("later.feature", json!({}), now()), now()).await.unwrap().unwrap();
    let old =
        Worker::new(app.state.db.clone(), Registry::default().register("test.record", Recorder::default()), fast(Duration::from_secs(30)));
    assert_eq!(old.run_once().await.unwrap(), 0);
    let job = jobs::get(&app.state.db, id).await.unwrap();
    assert_eq!((job.status, job.attempts), (JobStatus::Queued, 0));
    let recorder = Recorder::default();
    let new =
        Worker::new(app.state.db.clone(), Registry::default().register("later.feature", recorder.clone()), fast(Duration::from_secs(30)));
    assert_eq!(new.run_once().await.unwrap(), 1);
    assert_eq!(jobs::get(&app.state.db, id).await.unwrap().status, JobStatus::Done);
}

#[tokio::test]
async fn housekeeping_purges_expired_idempotency_records() {
    let app = TestApp::spawn().await;
    let long_ago = now() - chrono::Duration::days(2);
    let begun =
        idempotency::begin(&app.state.db, "user:x", "old", "f", long_ago, chrono::Duration::hours(24), chrono::Duration::minutes(5))
            .await
            .unwrap();
    assert!(matches!(begun, idempotency::Begin::Started));
    jobs::enqueue(&app.state.db, NewJob::now(servdesk_usecases::jobs::HOUSEKEEPING, json!({}), now()), now()).await.unwrap();
    Worker::new(app.state.db.clone(), Registry::standard(&app.state.config), fast(Duration::from_secs(30))).run_once().await.unwrap();
    // The key is free again: a new request with it starts afresh.
    let again = idempotency::begin(&app.state.db, "user:x", "old", "g", now(), chrono::Duration::hours(24), chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(matches!(again, idempotency::Begin::Started));
    let counts = jobs::counts_by_status(&app.state.db).await.unwrap();
    assert_eq!(counts["done"], 1);
}

#[tokio::test]
async fn dead_runs_of_a_recurring_job_are_forgotten_after_a_day() {
    let app = TestApp::spawn().await;
    let db = &app.state.db;
    let now = chrono::Utc::now();
    let mut ids = Vec::new();
    for (kind, finished) in [("mail.poll_imap", 2), ("mail.poll_imap", 0), ("other", 2)] {
        let at = now - chrono::Duration::days(finished);
        let id = jobs::enqueue(db, NewJob::now(kind, json!({}), at), at).await.unwrap().unwrap();
        let claimed = jobs::claim(db, "w", &[kind.to_owned()], 10, chrono::Duration::seconds(60), at).await.unwrap();
        assert!(claimed.iter().any(|j| j.id == id));
        jobs::fail(db, id, "w", "connection refused", servdesk_domain::jobs::AfterFailure::GiveUp, at).await.unwrap();
        ids.push(id);
    }
    let purged = jobs::purge_dead_of_kind(db, "mail.poll_imap", now - chrono::Duration::days(1)).await.unwrap();
    assert_eq!(purged, 1);
    assert!(jobs::get(db, ids[0]).await.is_err(), "the old failure is gone");
    assert_eq!(jobs::get(db, ids[1]).await.unwrap().status, JobStatus::Dead, "today's stays for an admin");
    assert_eq!(jobs::get(db, ids[2]).await.unwrap().status, JobStatus::Dead, "other kinds are not touched");
}
