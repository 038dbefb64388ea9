//! A person's calendar feed: their planned tasks as iCalendar, opened by a secret link a
//! calendar app polls without a login. Issuing the link's token (replacing the earlier one),
//! revoking it, and what a valid token opens.

use chrono::{DateTime, Duration, Utc};
use servdesk_domain::directory::Location;
use servdesk_domain::errors::code;
use servdesk_domain::tasks::Task;
use servdesk_domain::users::User;
use servdesk_persistence::directory::locations;
use servdesk_persistence::error::StoreError;
use servdesk_persistence::tasks::{self, PlannerFilter};
use servdesk_persistence::{TransactionTrait, users};
use uuid::Uuid;

use crate::secrets::{constant_time_eq, link_secret, sha256_hex};
use crate::{Desk, Error, Result};

/// How far back and ahead the feed reaches.
const PAST_DAYS: i64 = 30;
const FUTURE_DAYS: i64 = 365;

/// Issues `user_id`'s feed token, shown once (only its digest is kept); the earlier one
/// stops working.
pub async fn issue(desk: &Desk, user_id: Uuid) -> Result<String> {
    let token = link_secret()?;
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = desk.db.begin().await?;
    users::set_calendar_token(&txn, user_id, Some(sha256_hex(&token))).await?;
    crate::commit(txn).await?;
    Ok(token)
}

/// Revokes `user_id`'s feed token (their own, or an admin's for a lost phone); not found for
/// an unknown user.
pub async fn revoke(desk: &Desk, user_id: Uuid) -> Result<()> {
    Ok(users::set_calendar_token(&desk.db, user_id, None).await?)
}

/// What the feed shows: its owner and their tasks planned from a month back to a year ahead,
/// each with its site.
pub struct Feed {
    pub owner: User,
    pub tasks: Vec<(Task, Option<Location>)>,
}

/// The feed `token` opens for `user_id`. A wrong, revoked or replaced token, an unknown user
/// and a deactivated account are all refused alike, so the link tells nothing.
pub async fn open(desk: &Desk, user_id: Uuid, token: &str, now: DateTime<Utc>) -> Result<Feed> {
    let refused = || Error::new(code::INVALID_FEED_TOKEN, "this calendar link is not valid (revoked or replaced?)");
    let (owner, hash) = match users::with_calendar_token(&desk.db, user_id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(refused()),
        // An outage is not a bad link: the app retries after Retry-After.
        Err(e) => return Err(e.into()),
    };
    let valid = hash.is_some_and(|h| constant_time_eq(&h, &sha256_hex(token)));
    if !valid || !owner.active {
        return Err(refused());
    }
    let filter = PlannerFilter {
        from: now - Duration::days(PAST_DAYS),
        to: now + Duration::days(FUTURE_DAYS),
        assignees: Some(vec![owner.id]),
        partner_id: None,
    };
    let mut planned = Vec::new();
    for task in tasks::planned(&desk.db, &filter).await? {
        let site = match task.location_id {
            Some(id) => Some(locations::get(&desk.db, id).await?),
            None => None,
        };
        planned.push((task, site));
    }
    Ok(Feed { owner, tasks: planned })
}
