//! Who holds each session, remembered for a moment.
//!
//! Every request with an access token checks that its session is still open and reads the
//! user's current role and state: a database round trip on every request, a fifth of the
//! cost of a short one. The answer is kept for `SERVDESK_SESSION_CHECK_SECS` (2 s by
//! default). Logout, refresh-token reuse, deactivation, deletion, role and password changes
//! made through this process forget the sessions they affect as they commit, so they apply at
//! once here; another process of the same installation notices within that time. 0 checks
//! on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use servdesk_persistence::sessions::{self, SessionHolder};
use servdesk_persistence::{ConnectionTrait, StoreError};
use uuid::Uuid;

/// Beyond this many remembered sessions, stale ones are swept out on the next insert.
const SWEEP_ABOVE: usize = 10_000;

pub struct SessionHolders {
    ttl: Duration,
    remembered: Mutex<HashMap<Uuid, (Instant, SessionHolder)>>,
}

impl SessionHolders {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, remembered: Mutex::new(HashMap::new()) }
    }

    /// The holder of `session_id`: remembered if checked within the TTL, else read.
    pub async fn get(&self, conn: &impl ConnectionTrait, session_id: Uuid) -> Result<SessionHolder, StoreError> {
        if let Some(holder) = self.fresh(session_id) {
            return Ok(holder);
        }
        let holder = sessions::holder(conn, session_id).await?;
        self.remember(session_id, holder.clone());
        Ok(holder)
    }

    fn fresh(&self, session_id: Uuid) -> Option<SessionHolder> {
        let remembered = self.remembered.lock().ok()?;
        remembered.get(&session_id).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, holder)| holder.clone())
    }

    fn remember(&self, session_id: Uuid, holder: SessionHolder) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut remembered) = self.remembered.lock() {
            if remembered.len() >= SWEEP_ABOVE {
                remembered.retain(|_, (at, _)| at.elapsed() < self.ttl);
            }
            remembered.insert(session_id, (Instant::now(), holder));
        }
    }

    /// The session was ended: the next request reads it again.
    pub fn forget_session(&self, session_id: Uuid) {
        if let Ok(mut remembered) = self.remembered.lock() {
            remembered.remove(&session_id);
        }
    }

    /// Something about the user changed (role, state, password, existence): all their
    /// sessions are read again.
    pub fn forget_user(&self, user_id: Uuid) {
        if let Ok(mut remembered) = self.remembered.lock() {
            remembered.retain(|_, (_, holder)| holder.user_id != user_id);
        }
    }

    #[cfg(test)]
    fn remembered_now(&self, session_id: Uuid) -> bool {
        self.fresh(session_id).is_some()
    }
}

#[cfg(test)]
mod tests {
    use servdesk_domain::Role;

    use super::*;

    fn holder(user_id: Uuid) -> SessionHolder {
        SessionHolder { user_id, revoked: false, role: Role::Agent, active: true }
    }

    #[test]
    fn a_checked_session_is_remembered_until_forgotten() {
        let holders = SessionHolders::new(Duration::from_secs(60));
        let (session, user) = (Uuid::now_v7(), Uuid::now_v7());
        holders.remember(session, holder(user));
        assert!(holders.remembered_now(session));
        holders.forget_session(session);
        assert!(!holders.remembered_now(session));
    }

    #[test]
    fn forgetting_a_user_forgets_all_their_sessions_and_only_theirs() {
        let holders = SessionHolders::new(Duration::from_secs(60));
        let (user, other) = (Uuid::now_v7(), Uuid::now_v7());
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        holders.remember(a, holder(user));
        holders.remember(b, holder(user));
        holders.remember(c, holder(other));
        holders.forget_user(user);
        assert!(!holders.remembered_now(a) && !holders.remembered_now(b));
        assert!(holders.remembered_now(c));
    }

    #[test]
    fn nothing_is_remembered_past_the_ttl_or_with_a_ttl_of_zero() {
        let expired = SessionHolders::new(Duration::from_millis(1));
        let session = Uuid::now_v7();
        expired.remember(session, holder(Uuid::now_v7()));
        std::thread::sleep(Duration::from_millis(5));
        assert!(!expired.remembered_now(session));

        let off = SessionHolders::new(Duration::ZERO);
        off.remember(session, holder(Uuid::now_v7()));
        assert!(!off.remembered_now(session));
    }
}
