//! Servdesk's use cases: one function per thing a user or a system wants done, each one
//! transaction with its timeline events and its outbox and job rows. The HTTP API, the
//! channels' job handlers and the worker call these; none of them knows HTTP.
//!
//! Also here: the installation's configuration, the file store, the job runner and the
//! registry of job kinds, since every process (server, worker) shares them.

pub mod access;
pub mod attachments;
pub mod billing;
pub mod cache;
pub mod calendar_feed;
pub mod calls;
pub mod changes;
pub mod checklists;
pub mod comments;
pub mod completion;
pub mod config;
pub mod custom_fields;
pub mod documents;
pub mod error;
pub mod forms;
pub mod idempotency;
pub mod imports;
pub mod inbound;
pub mod jobs;
pub mod notify;
pub mod partners;
pub mod planner;
pub mod portal;
pub mod references;
pub mod render;
pub mod reports;
pub mod secrets;
pub mod sla;
pub mod storage;
pub mod tasks;
pub mod telephony;
pub mod tickets;
pub mod time;
pub mod tracking;
pub mod triage;
pub mod webhooks;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use servdesk_domain::dictionaries::Entry;
use servdesk_domain::policy::Policy;
use servdesk_persistence::DatabaseConnection;

use crate::cache::Snapshot;
use crate::config::Config;
use crate::storage::Storage;

pub use error::{Error, FieldError, Result};
pub use idempotency::commit;

/// What every use case works with: the database, the configuration, the file store and the
/// dictionary snapshots. Cheap to clone.
#[derive(Clone)]
pub struct Desk {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// The rules the configuration sets (reopen window, timer maximum, …).
    pub policy: Arc<Policy>,
    pub storage: Storage,
    /// The ticket status dictionary, shown with every ticket.
    pub statuses: Arc<Snapshot<Vec<Entry>>>,
    /// The priorities, whose default every new ticket without one takes.
    pub priorities: Arc<Snapshot<Vec<Entry>>>,
    /// The custom field definitions, against which every new ticket and task is checked.
    pub field_definitions: Arc<Snapshot<Vec<servdesk_domain::custom_fields::FieldDefinition>>>,
    /// Signs what Servdesk hands out and must recognise later (a web form's issue time).
    pub signing_key: Arc<Vec<u8>>,
    /// Records as the API shows them (see `render`); the HTTP layer sets its own.
    pub renderer: Arc<dyn render::Renderer>,
    /// Writes an import's rows as the API's create and upsert do (see `imports`); the HTTP
    /// layer sets it. A desk without one runs no imports (their jobs wait for one that does).
    pub rows: Option<Arc<dyn imports::RowWriter>>,
}

impl Desk {
    pub fn new(db: DatabaseConnection, config: Arc<Config>, storage: Storage) -> Self {
        let policy = Arc::new(config.policy());
        Self {
            db,
            config,
            policy,
            storage,
            statuses: Arc::default(),
            priorities: Arc::default(),
            field_definitions: Arc::default(),
            signing_key: Arc::default(),
            renderer: Arc::new(render::IdOnly),
            rows: None,
        }
    }

    /// A dictionary changed through this process: drop the snapshots at once.
    pub fn dictionaries_changed(&self) {
        self.statuses.invalidate();
        self.priorities.invalidate();
    }
}

/// Trims optional free text; blank becomes absent.
pub fn clean(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

tokio::task_local! {
    /// The instant a request says it happens at (see [`at`]).
    static STATED_NOW: DateTime<Utc>;
}

/// The current time as the domain stores it (microseconds): the instant the running request
/// was given by [`at`], else the system clock.
pub fn now() -> DateTime<Utc> {
    STATED_NOW.try_with(|t| *t).unwrap_or_else(|_| servdesk_domain::clock::truncate(Utc::now()))
}

/// Runs `work` as if it happened at `instant`: every [`now`] inside answers it. What lets
/// `servdesk demo` fill a past month through the real use cases (and tests build a known
/// one); the API honours it only where `Config::clock_header` is on.
pub async fn at<F: std::future::Future>(instant: DateTime<Utc>, work: F) -> F::Output {
    STATED_NOW.scope(servdesk_domain::clock::truncate(instant), work).await
}
