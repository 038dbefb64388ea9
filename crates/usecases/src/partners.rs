//! Partners (subcontractors): changing one, and what deactivating it means for its people.

use servdesk_domain::directory::Partner;
use servdesk_persistence::directory::partners::{self, PartnerChanges};
use servdesk_persistence::{TransactionTrait, sessions, users};
use uuid::Uuid;

use crate::{Desk, Result, now};

/// A partner after a change, with the users it deactivated.
pub struct Changed {
    pub partner: Partner,
    /// Its users, deactivated with it (their sessions ended): a partner that no longer
    /// works for us has nobody who still logs in for it.
    pub deactivated_users: Vec<Uuid>,
}

pub async fn change(desk: &Desk, id: Uuid, expected_version: Option<i64>, changes: PartnerChanges) -> Result<Changed> {
    let now = now();
    let txn = desk.db.begin().await?;
    let deactivating = changes.active == Some(false);
    let partner = partners::update(&txn, id, expected_version, changes, now).await?;
    let mut deactivated_users = Vec::new();
    if deactivating {
        deactivated_users = users::deactivate_of_partner(&txn, id, now).await?;
        for user in &deactivated_users {
            sessions::revoke_all_for_user(&txn, *user, None, "partner deactivated", now).await?;
        }
    }
    crate::commit(txn).await?;
    Ok(Changed { partner, deactivated_users })
}
