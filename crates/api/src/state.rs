//! What every handler shares: the database, the configuration, the signing keys, metrics.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use servdesk_persistence::DatabaseConnection;

use servdesk_domain::dictionaries::Entry;

use crate::auth::holders::SessionHolders;
use crate::auth::tokens::JwtKeys;
use crate::cache::Snapshot;
use crate::config::Config;
use crate::observability::metrics::Metrics;
use crate::storage::Storage;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub jwt: Arc<JwtKeys>,
    pub metrics: Arc<Metrics>,
    pub storage: Storage,
    /// The ticket status dictionary, shown with every ticket.
    pub statuses: Arc<Snapshot<Vec<Entry>>>,
    /// The priorities, whose default every new ticket without one takes.
    pub priorities: Arc<Snapshot<Vec<Entry>>>,
    /// Sessions checked a moment ago (see `auth::holders`).
    pub session_holders: Arc<SessionHolders>,
}

impl AppState {
    /// A dictionary changed through this process: drop the snapshots at once.
    pub fn dictionaries_changed(&self) {
        self.statuses.invalidate();
        self.priorities.invalidate();
    }
}

/// The current time as the domain stores it (microseconds).
pub fn now() -> DateTime<Utc> {
    servdesk_domain::time::truncate(Utc::now())
}
