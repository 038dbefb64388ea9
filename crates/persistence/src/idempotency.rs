//! Idempotency records: the first response to a POST with an `Idempotency-Key`, kept per
//! caller for 24 hours so a retried request gets the same answer instead of a second effect.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::entities::idempotency_keys;
use crate::error::StoreError;

pub use idempotency_keys::Model as IdempotencyRecord;

/// Claimed; the request is running (or died before its effect committed).
const IN_FLIGHT: &str = "in_flight";
/// The request's effect committed; its response is not stored yet (or was lost with the
/// process).
const COMMITTED: &str = "committed";
/// The response is stored for replay.
const COMPLETED: &str = "completed";

#[derive(Debug)]
pub enum Begin {
    /// First time: the caller runs the request and then `complete`s or `abandon`s the key.
    Started,
    /// Seen with the same request: replay this stored response.
    Replay(IdempotencyRecord),
    /// Seen with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InFlight,
    /// The first request's effect committed but its process died before storing the
    /// response: it must not run again, and there is nothing to replay.
    CarriedOut,
}

pub struct StoredResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Claims the key for this request. An in-flight record older than `stale_after` belongs to
/// a request that died with its process; it is taken over.
pub async fn begin(
    conn: &impl ConnectionTrait,
    subject: &str,
    key: &str,
    fingerprint: &str,
    now: DateTime<Utc>,
    ttl: Duration,
    stale_after: Duration,
) -> Result<Begin, StoreError> {
    let fresh = idempotency_keys::ActiveModel {
        subject: Set(subject.to_owned()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        state: Set(IN_FLIGHT.to_owned()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(now),
        expires_at: Set(now + ttl),
    };
    let inserted = idempotency_keys::Entity::insert(fresh.clone())
        .on_conflict(OnConflict::columns([idempotency_keys::Column::Subject, idempotency_keys::Column::Key]).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    if inserted == 1 {
        return Ok(Begin::Started);
    }
    let Some(existing) = idempotency_keys::Entity::find_by_id((subject.to_owned(), key.to_owned())).one(conn).await? else {
        // Purged between our insert and read: try once more as new.
        return Ok(Begin::InFlight);
    };
    if existing.expires_at <= now || (existing.state == IN_FLIGHT && existing.created_at <= now - stale_after) {
        // Expired or abandoned: take it over, guarded so only one taker wins.
        let taken = idempotency_keys::Entity::update_many()
            .col_expr(idempotency_keys::Column::Fingerprint, Expr::value(fingerprint))
            .col_expr(idempotency_keys::Column::State, Expr::value(IN_FLIGHT))
            .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
            .col_expr(idempotency_keys::Column::ExpiresAt, Expr::value(now + ttl))
            .filter(idempotency_keys::Column::Subject.eq(subject))
            .filter(idempotency_keys::Column::Key.eq(key))
            .filter(idempotency_keys::Column::CreatedAt.eq(existing.created_at))
            .exec(conn)
            .await?
            .rows_affected;
        return Ok(if taken == 1 { Begin::Started } else { Begin::InFlight });
    }
    if existing.fingerprint != fingerprint {
        return Ok(Begin::Mismatch);
    }
    match existing.state.as_str() {
        COMPLETED => Ok(Begin::Replay(existing)),
        COMMITTED if existing.created_at <= now - stale_after => Ok(Begin::CarriedOut),
        _ => Ok(Begin::InFlight),
    }
}

pub async fn complete(conn: &impl ConnectionTrait, subject: &str, key: &str, response: StoredResponse) -> Result<(), StoreError> {
    let headers = serde_json::to_string(&response.headers).unwrap_or_else(|_| "[]".to_owned());
    idempotency_keys::Entity::update_many()
        .col_expr(idempotency_keys::Column::State, Expr::value(COMPLETED))
        .col_expr(idempotency_keys::Column::ResponseStatus, Expr::value(i32::from(response.status)))
        .col_expr(idempotency_keys::Column::ResponseHeaders, Expr::value(headers))
        .col_expr(idempotency_keys::Column::ResponseBody, Expr::value(response.body))
        .filter(idempotency_keys::Column::Subject.eq(subject))
        .filter(idempotency_keys::Column::Key.eq(key))
        .exec(conn)
        .await?;
    Ok(())
}

/// The record of `key` of `subject` while it is still in flight.
fn in_flight(subject: &str, key: &str) -> Condition {
    Condition::all()
        .add(idempotency_keys::Column::Subject.eq(subject))
        .add(idempotency_keys::Column::Key.eq(key))
        .add(idempotency_keys::Column::State.eq(IN_FLIGHT))
}

/// Marks the key's effect as committed: called inside the effect's own transaction.
pub async fn mark_committed(conn: &impl ConnectionTrait, subject: &str, key: &str) -> Result<(), StoreError> {
    idempotency_keys::Entity::update_many()
        .col_expr(idempotency_keys::Column::State, Expr::value(COMMITTED))
        .filter(in_flight(subject, key))
        .exec(conn)
        .await?;
    Ok(())
}

/// Forgets the key (the request failed on our side, so a retry must run it again) — unless
/// its effect committed before the failure: then it stays, and a retry is told so.
pub async fn abandon(conn: &impl ConnectionTrait, subject: &str, key: &str) -> Result<(), StoreError> {
    idempotency_keys::Entity::delete_many().filter(in_flight(subject, key)).exec(conn).await?;
    Ok(())
}

pub fn stored_headers(record: &IdempotencyRecord) -> Vec<(String, String)> {
    record.response_headers.as_deref().and_then(|h| serde_json::from_str(h).ok()).unwrap_or_default()
}

pub async fn purge_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(idempotency_keys::Entity::delete_many().filter(idempotency_keys::Column::ExpiresAt.lt(now)).exec(conn).await?.rows_affected)
}
