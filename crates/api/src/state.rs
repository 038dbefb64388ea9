//! What every handler shares: the use cases' desk (database, configuration, file store,
//! dictionary snapshots) and what only HTTP needs — the signing keys, metrics, the session
//! checks remembered a moment.

use std::sync::Arc;

use servdesk_usecases::Desk;

use crate::auth::holders::SessionHolders;
use crate::auth::tokens::JwtKeys;
use crate::conventions::rate_limit::Limiter;
use crate::observability::metrics::Metrics;

pub use servdesk_usecases::now;

#[derive(Clone)]
pub struct AppState {
    pub desk: Desk,
    pub jwt: Arc<JwtKeys>,
    pub metrics: Arc<Metrics>,
    /// Sessions checked a moment ago (see `auth::holders`).
    pub session_holders: Arc<SessionHolders>,
    /// Requests counted per caller and class (see `conventions::rate_limit`).
    pub limiter: Arc<Limiter>,
}

/// Handlers read the desk's parts (`state.db`, `state.config`) directly.
impl std::ops::Deref for AppState {
    type Target = Desk;

    fn deref(&self) -> &Desk {
        &self.desk
    }
}
