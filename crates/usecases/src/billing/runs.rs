//! Month-end billing runs: starting one (a job, so no request waits for it), computing its
//! draft statements customer by customer, recomputing a draft, and finalizing it — the one
//! step that numbers statements and marks what they billed, in one transaction.

use std::collections::{BTreeSet, HashMap};

use servdesk_domain::Principal;
use servdesk_domain::billing::contracts::Contract;
use servdesk_domain::billing::periods::Month;
use servdesk_domain::billing::runs::{BillingRun, RunStatus};
use servdesk_domain::billing::statements::{CustomerInput, MaterialItem, WorkItem, statement_lines};
use servdesk_domain::errors::code;
use servdesk_domain::webhooks::{Event, EventType};
use servdesk_persistence::billing::runs::{self as store, Move};
use servdesk_persistence::billing::{contracts, rates, sources, statements};
use servdesk_persistence::directory::customers;
use servdesk_persistence::jobs::{self as job_store, Job, NewJob};
use servdesk_persistence::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use crate::error::referenced;
use crate::jobs::{JobFuture, JobHandler};
use crate::{Desk, Error, Result, now};

/// The job that computes a run's statements.
pub const COMPUTE_RUN: &str = "billing.compute_run";

/// Customers computed per transaction: small enough that SQLite's single writer is free
/// again within a moment and memory stays bounded (two chunks are in hand at once), large
/// enough to keep the round trips few.
const CUSTOMERS_PER_CHUNK: usize = 200;

async fn enqueue_compute(conn: &impl servdesk_persistence::ConnectionTrait, run_id: Uuid, attempt: i64) -> Result<()> {
    let mut job = NewJob::now(COMPUTE_RUN, serde_json::json!({ "run_id": run_id }), now());
    // One job per computation of a run, however often the request is retried.
    job.unique_key = Some(format!("{COMPUTE_RUN}:{run_id}:{attempt}"));
    job.max_attempts = 3;
    job_store::enqueue(conn, job, now()).await?;
    Ok(())
}

/// Starts a run for `month` (all customers, or one): queued, computed by a job.
pub async fn start(desk: &Desk, principal: &Principal, month: Month, customer_id: Option<Uuid>) -> Result<BillingRun> {
    let now = now();
    let txn = desk.db.begin().await?;
    if let Some(customer) = customer_id {
        referenced("customer_id", customers::get(&txn, customer).await)?;
    }
    let run = BillingRun {
        id: Uuid::now_v7(),
        month,
        customer_id,
        status: RunStatus::Queued,
        currency: desk.config.currency.clone(),
        customers_total: 0,
        customers_done: 0,
        statements_count: 0,
        error: None,
        requested_by: principal.user_id(),
        computed_at: None,
        finalized_at: None,
        finalized_by: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    store::create(&txn, &run).await?;
    enqueue_compute(&txn, run.id, run.version).await?;
    crate::commit(txn).await?;
    Ok(run)
}

/// Computes a draft again (after corrections, new rates, late entries): its statements are
/// replaced by the job.
pub async fn recompute(desk: &Desk, id: Uuid, expected_version: Option<i64>) -> Result<BillingRun> {
    let now = now();
    let txn = desk.db.begin().await?;
    let run = store::get(&txn, id).await?;
    if expected_version.is_some_and(|v| v != run.version) {
        return Err(Error::stale_version());
    }
    if !run.status.is_recomputable() {
        return Err(Error::new(code::RUN_NOT_DRAFT, format!("the run is {}; only a draft or a failed run is computed again", run.status)));
    }
    let moved = store::transition(
        &txn,
        id,
        &[RunStatus::Draft, RunStatus::Failed],
        RunStatus::Queued,
        Move { error: Some(None), reset_progress: true, ..Move::default() },
        now,
    )
    .await?;
    if !moved {
        return Err(Error::new(code::RUN_NOT_DRAFT, "the run changed meanwhile"));
    }
    enqueue_compute(&txn, id, run.version + 1).await?;
    crate::commit(txn).await?;
    Ok(store::get(&desk.db, id).await?)
}

/// Finalizes a draft: numbers its statements and marks every source they bill. Of two
/// finalizations at once one wins; the other is 409 `run_not_draft`. A source billed by
/// another run meanwhile is 409 `already_billed` and nothing changes.
pub async fn finalize(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>) -> Result<BillingRun> {
    let now = now();
    let txn = desk.db.begin().await?;
    let run = store::get(&txn, id).await?;
    if expected_version.is_some_and(|v| v != run.version) {
        return Err(Error::stale_version());
    }
    let moved = store::transition(
        &txn,
        id,
        &[RunStatus::Draft],
        RunStatus::Finalized,
        Move { finalized: Some((now, principal.user_id())), ..Move::default() },
        now,
    )
    .await?;
    if !moved {
        let status = store::get(&txn, id).await?.status;
        return Err(Error::new(code::RUN_NOT_DRAFT, format!("the run is {status}; only a draft is finalized")));
    }
    let computed_at = run.computed_at.unwrap_or(run.created_at);
    let finalized = statements::finalize_run(&txn, id, computed_at, run.month.year(), now).await?;
    // Each statement is also a linked document of its customer.
    super::documents::record_statements(&txn, &finalized, now.date_naive()).await?;
    let events: Vec<Event> = finalized.iter().map(|s| Event::new(EventType::StatementFinalized, "statement", s.id)).collect();
    servdesk_persistence::webhooks::tell(&txn, &events, now).await?;
    crate::commit(txn).await?;
    Ok(store::get(&desk.db, id).await?)
}

/// Computes a run's draft statements: what each customer owes for the month, given what
/// finalized runs billed before. Deterministic: computing again gives the same statements.
pub async fn compute(db: &DatabaseConnection, id: Uuid) -> Result<()> {
    let run = store::get(db, id).await?;
    // Queued, or running when a worker died mid-way (the job came back); anything else was
    // recomputed or finalized since.
    if !matches!(run.status, RunStatus::Queued | RunStatus::Running) {
        return Ok(());
    }
    store::transition(
        db,
        id,
        &[RunStatus::Queued, RunStatus::Running],
        RunStatus::Running,
        Move { reset_progress: true, ..Move::default() },
        now(),
    )
    .await?;
    match compute_statements(db, &run).await {
        Ok(count) => {
            let finished = Move { computed_at: Some(now()), statements_count: Some(count), error: Some(None), ..Move::default() };
            store::transition(db, id, &[RunStatus::Running], RunStatus::Draft, finished, now()).await?;
            Ok(())
        }
        Err(e) => {
            tracing::error!(run = %id, error = %e, "billing run failed");
            let failed = Move { error: Some(Some(e.detail.clone().unwrap_or_else(|| e.to_string()))), ..Move::default() };
            store::transition(db, id, &[RunStatus::Running], RunStatus::Failed, failed, now()).await?;
            Ok(())
        }
    }
}

async fn compute_statements(db: &DatabaseConnection, run: &BillingRun) -> Result<i64> {
    let month = run.month;
    let last = month.last_day();
    statements::delete_drafts_of_run(db, run.id).await?;
    let rates = rates::all(db).await?;
    // Every contract that ran by the month's end: periods earlier runs left unbilled (a
    // contract entered late) are caught up.
    let since = chrono::NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(last);
    let in_force = contracts::in_force(db, since, last, run.customer_id).await?;
    let contract_ids: Vec<Uuid> = in_force.iter().map(|c| c.id).collect();
    let billed = statements::billed_of_contracts(db, &contract_ids).await?;
    let mut contracts_of: HashMap<Uuid, Vec<Contract>> = HashMap::new();
    for c in in_force {
        contracts_of.entry(c.customer_id).or_default().push(c);
    }
    let mut customers: BTreeSet<Uuid> = sources::customers_with_unbilled(db, last, run.customer_id).await?;
    customers.extend(contracts_of.keys().copied());
    let customers: Vec<Uuid> = customers.into_iter().collect();
    let total = customers.len() as i64;
    store::progress(db, run.id, 0, total, now()).await?;
    let mut written = 0i64;
    // Where the time goes, for the log line at the end (reading and pricing, writing).
    let (mut reading, mut writing) = (std::time::Duration::ZERO, std::time::Duration::ZERO);
    // A pipeline of two: while one chunk's statements are written (in a transaction of their
    // own), the next chunk is read and priced on another connection — the database and this
    // process each get a core. (On SQLite the one connection takes them in turn.)
    let mut pending: Option<(Vec<Draft>, i64)> = None;
    let mut chunks = customers.chunks(CUSTOMERS_PER_CHUNK).enumerate();
    loop {
        let (index, chunk) = chunks.next().map_or((0, None), |(i, c)| (i, Some(c)));
        let read = async {
            let started = std::time::Instant::now();
            let drafts = match chunk {
                Some(chunk) => Some(price_chunk(db, run, chunk, &contracts_of, &billed, &rates).await?),
                None => None,
            };
            Ok::<_, Error>((drafts, started.elapsed()))
        };
        let write = async {
            let started = std::time::Instant::now();
            if let Some((drafts, done)) = pending.take() {
                // In two halves on two connections: the database ingests on both cores. A
                // draft is trusted only once the run is `draft`, so the halves need not
                // commit together (a crash recomputes the run from scratch).
                let (one, two) = drafts.split_at(drafts.len() / 2);
                let (a, b) = tokio::join!(write_drafts(db, run, one), write_drafts(db, run, two));
                a?;
                b?;
                store::progress(db, run.id, done, total, now()).await?;
            }
            Ok::<_, Error>(started.elapsed())
        };
        let (read, write) = tokio::join!(read, write);
        let (drafts, read_time) = read?;
        reading += read_time;
        writing += write?;
        let (Some(drafts), Some(chunk)) = (drafts, chunk) else { break };
        written += drafts.len() as i64;
        let done = (index * CUSTOMERS_PER_CHUNK + chunk.len()) as i64;
        pending = Some((drafts, done));
    }
    tracing::info!(
        run = %run.id, customers = total, statements = written,
        reading_ms = reading.as_millis() as u64, writing_ms = writing.as_millis() as u64,
        "billing run computed"
    );
    Ok(written)
}

async fn write_drafts(db: &DatabaseConnection, run: &BillingRun, drafts: &[Draft]) -> Result<()> {
    let txn = db.begin().await?;
    statements::insert_drafts(&txn, run.id, run.month.days(), drafts, now()).await?;
    txn.commit().await?;
    Ok(())
}

/// A customer's statement lines, to be written.
type Draft = (Uuid, Vec<servdesk_domain::billing::statements::Line>);

/// Reads a chunk of customers' unbilled work and materials and prices their statements.
async fn price_chunk(
    db: &DatabaseConnection,
    run: &BillingRun,
    chunk: &[Uuid],
    contracts_of: &HashMap<Uuid, Vec<Contract>>,
    billed: &servdesk_domain::billing::statements::Billed,
    rates: &[servdesk_domain::billing::rates::BillingRate],
) -> Result<Vec<Draft>> {
    let last = run.month.last_day();
    let (Some(first), Some(last_customer)) = (chunk.first(), chunk.last()) else { return Ok(Vec::new()) };
    let mut work_of: HashMap<Uuid, Vec<WorkItem>> = HashMap::new();
    // The range may hold a customer whose first entry came after the list was read: it
    // waits for the next run, like any entry written after this one started.
    for (customer, item) in sources::unbilled_work(db, *first, *last_customer, last).await? {
        work_of.entry(customer).or_default().push(item);
    }
    let mut materials_of: HashMap<Uuid, Vec<MaterialItem>> = HashMap::new();
    for (customer, item) in sources::unbilled_materials(db, chunk, last).await? {
        materials_of.entry(customer).or_default().push(item);
    }
    let mut drafts = Vec::new();
    for customer in chunk {
        let input = CustomerInput {
            month: run.month,
            contracts: contracts_of.get(customer).map_or(&[], |c| c.as_slice()),
            billed,
            rates,
            currency: &run.currency,
            work: work_of.remove(customer).unwrap_or_default(),
            materials: materials_of.remove(customer).unwrap_or_default(),
        };
        let lines = statement_lines(input);
        if !lines.is_empty() {
            drafts.push((*customer, lines));
        }
    }
    Ok(drafts)
}

/// Runs [`compute`] for the run named in the job.
pub struct ComputeRun;

impl JobHandler for ComputeRun {
    fn run<'a>(&'a self, job: &'a Job, db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move {
            let id = job.payload.get("run_id").and_then(|v| v.as_str()).and_then(|s| Uuid::parse_str(s).ok());
            let Some(id) = id else { return Err(format!("job {} names no billing run", job.id)) };
            compute(db, id).await.map_err(|e| e.to_string())
        })
    }
}
