//! Webhook subscriptions, the events waiting to be told and their deliveries.
//!
//! An event is written in the transaction of the change it tells of (only while some
//! subscription is active, so an installation without webhooks writes nothing). The
//! dispatcher later gives it its payload and one delivery per subscription that wants it;
//! deliveries of one record to one subscription go out in order: one is due only when no
//! earlier one for the same record is still pending.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, InsertStatement, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};
use servdesk_domain::webhooks::{Event, EventType};
use uuid::Uuid;

use crate::entities::{webhook_deliveries as delivery, webhook_events as event, webhook_subscriptions as sub};
use crate::error::StoreError;
use crate::versioned;

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// Empty: every event.
    pub event_types: Vec<EventType>,
    pub active: bool,
    pub secret: String,
    /// The secret before the last rotation, still signed with until `previous_secret_until`.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub owner_user_id: Option<Uuid>,
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Subscription {
    /// The secrets to sign with at `now`: the current one, and the previous one during the
    /// overlap after a rotation.
    pub fn secrets_at(&self, now: DateTime<Utc>) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let (Some(previous), Some(until)) = (&self.previous_secret, self.previous_secret_until)
            && now < until
        {
            secrets.push(previous);
        }
        secrets
    }
}

/// What an admin sets of a subscription.
#[derive(Debug, Clone)]
pub struct SubscriptionSpec {
    pub url: String,
    pub description: Option<String>,
    pub event_types: Vec<EventType>,
    pub active: bool,
}

fn to_subscription(m: sub::Model) -> Result<Subscription, StoreError> {
    let names: Vec<String> =
        serde_json::from_str(&m.event_types).map_err(|e| StoreError::corrupt("webhook_subscriptions", format!("{}: {e}", m.id)))?;
    Ok(Subscription {
        event_types: names.iter().filter_map(|n| EventType::parse(n)).collect(),
        id: m.id,
        url: m.url,
        description: m.description,
        active: m.active,
        secret: m.secret,
        previous_secret: m.previous_secret,
        previous_secret_until: m.previous_secret_until,
        owner_user_id: m.owner_user_id,
        failing_since: m.failing_since,
        disabled_reason: m.disabled_reason,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn types_json(types: &[EventType]) -> String {
    serde_json::to_string(&types.iter().map(|t| t.as_str()).collect::<Vec<_>>()).unwrap_or_else(|_| "[]".to_owned())
}

pub async fn create(
    conn: &impl ConnectionTrait,
    spec: SubscriptionSpec,
    secret: String,
    owner_user_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    let m = sub::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(spec.url),
        description: Set(spec.description),
        event_types: Set(types_json(&spec.event_types)),
        active: Set(spec.active),
        secret: Set(secret),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        owner_user_id: Set(owner_user_id),
        failing_since: Set(None),
        disabled_reason: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    to_subscription(m.insert(conn).await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Subscription, StoreError> {
    to_subscription(sub::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Every subscription, oldest first (an installation has a handful).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Subscription>, StoreError> {
    sub::Entity::find().order_by_asc(sub::Column::Id).all(conn).await?.into_iter().map(to_subscription).collect()
}

pub async fn active(conn: &impl ConnectionTrait) -> Result<Vec<Subscription>, StoreError> {
    sub::Entity::find()
        .filter(sub::Column::Active.eq(true))
        .order_by_asc(sub::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_subscription)
        .collect()
}

/// Replaces what an admin sets; switching a subscription back on forgets why it was off
/// and since when it failed.
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    spec: SubscriptionSpec,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    let current = sub::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let reactivated = spec.active && !current.active;
    let mut m: sub::ActiveModel = current.into();
    m.url = Set(spec.url);
    m.description = Set(spec.description);
    m.event_types = Set(types_json(&spec.event_types));
    m.active = Set(spec.active);
    if reactivated {
        m.failing_since = Set(None);
        m.disabled_reason = Set(None);
    }
    m.version = Set(version);
    m.updated_at = Set(now);
    to_subscription(m.update(conn).await?)
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    delivery::Entity::delete_many().filter(delivery::Column::SubscriptionId.eq(id)).exec(conn).await?;
    let done = sub::Entity::delete_by_id(id).exec(conn).await?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A new secret; the old one is still signed with until `overlap_until`.
pub async fn rotate(
    conn: &impl ConnectionTrait,
    id: Uuid,
    secret: String,
    overlap_until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Subscription, StoreError> {
    let current = sub::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    let version = current.version + 1;
    let previous = current.secret.clone();
    let mut m: sub::ActiveModel = current.into();
    m.previous_secret = Set(Some(previous));
    m.previous_secret_until = Set(Some(overlap_until));
    m.secret = Set(secret);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_subscription(m.update(conn).await?)
}

/// Notes the first failure of a run of them (a later one keeps the first time).
pub async fn mark_failing(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    sub::Entity::update_many()
        .col_expr(sub::Column::FailingSince, Expr::value(now))
        .filter(sub::Column::Id.eq(id))
        .filter(sub::Column::FailingSince.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// A delivery got through: the subscription is healthy again.
pub async fn mark_healthy(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    sub::Entity::update_many()
        .col_expr(sub::Column::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(sub::Column::Id.eq(id))
        .filter(sub::Column::FailingSince.is_not_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Switches the subscription off with `reason`; false when it already was off.
pub async fn disable(conn: &impl ConnectionTrait, id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = sub::Entity::update_many()
        .col_expr(sub::Column::Active, Expr::value(false))
        .col_expr(sub::Column::DisabledReason, Expr::value(reason))
        .col_expr(sub::Column::Version, Expr::col(sub::Column::Version).add(1))
        .col_expr(sub::Column::UpdatedAt, Expr::value(now))
        .filter(sub::Column::Id.eq(id))
        .filter(sub::Column::Active.eq(true))
        .exec(conn)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Writes `events` in the caller's transaction — only while a subscription is active (one
/// statement per event either way, for the one or two a change brings; a batch of many — a
/// finalized run's statements — asks once and writes them in multi-row statements). Returns
/// how many were written.
pub async fn record(conn: &impl ConnectionTrait, events: &[Event], now: DateTime<Utc>) -> Result<u64, StoreError> {
    if events.len() > 2 {
        return record_many(conn, events, now).await;
    }
    let mut written = 0;
    for e in events {
        written += conn.execute(&insert_when_subscribed(when_subscribed(e, now))?).await?.rows_affected();
    }
    Ok(written)
}

/// The values of `e`'s row, selected only while a subscription is active. A caller writing
/// it beside other rows in one statement adds the `FROM` that ties it to them.
pub(crate) fn when_subscribed(e: &Event, now: DateTime<Utc>) -> SelectStatement {
    let mut any_active = Query::select();
    any_active.expr(Expr::val(1)).from(sub::Entity).and_where(Expr::col((sub::Entity, sub::Column::Active)).eq(true));
    let mut values = Query::select();
    values
        .exprs([
            Expr::val(Uuid::now_v7()),
            Expr::val(e.event_type.as_str()),
            Expr::val(e.resource),
            Expr::val(e.resource_id),
            Expr::val(e.previous.as_ref().map(|p| p.to_string())),
            Expr::val(now),
        ])
        .and_where(Expr::exists(any_active));
    values
}

/// `INSERT INTO webhook_events … SELECT` the row [`when_subscribed`] selects.
pub(crate) fn insert_when_subscribed(values: SelectStatement) -> Result<InsertStatement, StoreError> {
    let columns = [
        event::Column::Id,
        event::Column::EventType,
        event::Column::Resource,
        event::Column::ResourceId,
        event::Column::Previous,
        event::Column::OccurredAt,
    ];
    crate::insert_select::insert(event::Entity, columns, values)
}

async fn record_many(conn: &impl ConnectionTrait, events: &[Event], now: DateTime<Utc>) -> Result<u64, StoreError> {
    if sub::Entity::find().filter(sub::Column::Active.eq(true)).one(conn).await?.is_none() {
        return Ok(0);
    }
    for chunk in events.chunks(500) {
        let rows = chunk.iter().map(|e| event::ActiveModel {
            id: Set(Uuid::now_v7()),
            event_type: Set(e.event_type.as_str().to_owned()),
            resource: Set(e.resource.to_owned()),
            resource_id: Set(e.resource_id),
            previous: Set(e.previous.as_ref().map(|p| p.to_string())),
            occurred_at: Set(now),
            ..Default::default()
        });
        event::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(events.len() as u64)
}

/// An event waiting to be dispatched, or dispatched with its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub id: Uuid,
    pub event_type: EventType,
    pub resource: String,
    pub resource_id: Uuid,
    pub previous: Option<serde_json::Value>,
    pub occurred_at: DateTime<Utc>,
    pub payload: Option<String>,
}

fn to_event(m: event::Model) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        event_type: EventType::parse(&m.event_type)
            .ok_or_else(|| StoreError::corrupt("webhook_events", format!("{}: type {}", m.id, m.event_type)))?,
        previous: m.previous.as_deref().and_then(|p| serde_json::from_str(p).ok()),
        id: m.id,
        resource: m.resource,
        resource_id: m.resource_id,
        occurred_at: m.occurred_at,
        payload: m.payload,
    })
}

/// An event made outside a change (a ping): written and dispatched at once by the caller.
pub async fn insert_event(conn: &impl ConnectionTrait, e: &Event, now: DateTime<Utc>) -> Result<StoredEvent, StoreError> {
    let m = event::ActiveModel {
        id: Set(Uuid::now_v7()),
        event_type: Set(e.event_type.as_str().to_owned()),
        resource: Set(e.resource.to_owned()),
        resource_id: Set(e.resource_id),
        previous: Set(e.previous.as_ref().map(|p| p.to_string())),
        occurred_at: Set(now),
        payload: Set(None),
        dispatched_at: Set(None),
    };
    to_event(m.insert(conn).await?)
}

pub async fn event(conn: &impl ConnectionTrait, id: Uuid) -> Result<StoredEvent, StoreError> {
    to_event(event::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Events not dispatched yet, oldest first.
pub async fn waiting(conn: &impl ConnectionTrait, limit: u64) -> Result<Vec<StoredEvent>, StoreError> {
    event::Entity::find()
        .filter(event::Column::DispatchedAt.is_null())
        .order_by_asc(event::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(to_event)
        .collect()
}

/// Gives the event its payload and a delivery to each of `subscriptions`, unless another
/// dispatcher got there first (then false, and the caller's transaction is rolled back).
pub async fn dispatch(
    conn: &impl ConnectionTrait,
    e: &StoredEvent,
    payload: &str,
    subscriptions: &[Uuid],
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let claimed = event::Entity::update_many()
        .col_expr(event::Column::DispatchedAt, Expr::value(now))
        .col_expr(event::Column::Payload, Expr::value(payload))
        .filter(event::Column::Id.eq(e.id))
        .filter(event::Column::DispatchedAt.is_null())
        .exec(conn)
        .await?;
    if claimed.rows_affected == 0 {
        return Ok(false);
    }
    let rows: Vec<delivery::ActiveModel> =
        subscriptions.iter().map(|s| new_delivery(*s, e.id, &format!("{}:{}", e.resource, e.resource_id), None, now)).collect();
    if !rows.is_empty() {
        delivery::Entity::insert_many(rows).exec_without_returning(conn).await?;
    }
    Ok(true)
}

fn new_delivery(
    subscription_id: Uuid,
    event_id: Uuid,
    resource_key: &str,
    redelivery_of: Option<Uuid>,
    now: DateTime<Utc>,
) -> delivery::ActiveModel {
    delivery::ActiveModel {
        id: Set(Uuid::now_v7()),
        subscription_id: Set(subscription_id),
        event_id: Set(event_id),
        resource_key: Set(resource_key.to_owned()),
        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_attempt_at: Set(None),
        response_status: Set(None),
        duration_ms: Set(None),
        response_excerpt: Set(None),
        error: Set(None),
        redelivery_of: Set(redelivery_of),
        created_at: Set(now),
        delivered_at: Set(None),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Every attempt failed, or its subscription was switched off.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    /// `resource:id` of the event's record (`webhook:id` for a ping).
    pub resource_key: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub response_status: Option<u16>,
    pub duration_ms: Option<u32>,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

fn to_delivery(m: delivery::Model) -> Result<Delivery, StoreError> {
    Ok(Delivery {
        status: DeliveryStatus::parse(&m.status)
            .ok_or_else(|| StoreError::corrupt("webhook_deliveries", format!("{}: status {}", m.id, m.status)))?,
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        response_status: m.response_status.and_then(|s| u16::try_from(s).ok()),
        duration_ms: m.duration_ms.and_then(|d| u32::try_from(d).ok()),
        id: m.id,
        subscription_id: m.subscription_id,
        event_id: m.event_id,
        resource_key: m.resource_key,
        next_attempt_at: m.next_attempt_at,
        last_attempt_at: m.last_attempt_at,
        response_excerpt: m.response_excerpt,
        error: m.error,
        redelivery_of: m.redelivery_of,
        created_at: m.created_at,
        delivered_at: m.delivered_at,
    })
}

pub async fn delivery(conn: &impl ConnectionTrait, id: Uuid) -> Result<Delivery, StoreError> {
    to_delivery(delivery::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Claims up to `limit` due deliveries until `lock_until`: pending, their time come, not
/// held by another worker, and the first pending one of their record for their subscription.
pub async fn claim_due(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lock_until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Delivery>, StoreError> {
    let earlier = Alias::new("earlier");
    let mut ahead = Query::select();
    ahead
        .expr(Expr::val(1))
        .from_as(delivery::Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), delivery::Column::SubscriptionId)).equals((delivery::Entity, delivery::Column::SubscriptionId)),
        )
        .and_where(Expr::col((earlier.clone(), delivery::Column::ResourceKey)).equals((delivery::Entity, delivery::Column::ResourceKey)))
        .and_where(Expr::col((earlier.clone(), delivery::Column::Status)).eq(DeliveryStatus::Pending.as_str()))
        .and_where(Expr::col((earlier, delivery::Column::Id)).lt(Expr::col((delivery::Entity, delivery::Column::Id))));
    let free = delivery::Column::LockedUntil.is_null().or(delivery::Column::LockedUntil.lt(now));
    let candidates = delivery::Entity::find()
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(delivery::Column::NextAttemptAt.lte(now))
        .filter(free.clone())
        .filter(Expr::exists(ahead).not())
        .order_by_asc(delivery::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    let mut claimed = Vec::with_capacity(candidates.len());
    for c in candidates {
        let taken = delivery::Entity::update_many()
            .col_expr(delivery::Column::LockedUntil, Expr::value(lock_until))
            .filter(delivery::Column::Id.eq(c.id))
            .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(free.clone())
            .exec(conn)
            .await?;
        if taken.rows_affected == 1 {
            claimed.push(to_delivery(c)?);
        }
    }
    Ok(claimed)
}

/// The earliest time after `now` a pending delivery waits for (one waiting only for an
/// earlier delivery of its record goes out in the run that delivers that one).
pub async fn next_due(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(delivery::Entity::find()
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(delivery::Column::NextAttemptAt.gt(now))
        .order_by_asc(delivery::Column::NextAttemptAt)
        .one(conn)
        .await?
        .map(|d| d.next_attempt_at))
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub response_status: Option<u16>,
    pub duration_ms: u32,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    /// What the delivery is now, and when it is tried next if still pending.
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

/// Records an attempt of a delivery this worker holds and releases it.
pub async fn record_attempt(conn: &impl ConnectionTrait, id: Uuid, attempt: Attempt) -> Result<(), StoreError> {
    let mut u = delivery::Entity::update_many()
        .col_expr(delivery::Column::Attempts, Expr::col(delivery::Column::Attempts).add(1))
        .col_expr(delivery::Column::Status, Expr::value(attempt.status.as_str()))
        .col_expr(delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(delivery::Column::LastAttemptAt, Expr::value(attempt.at))
        .col_expr(delivery::Column::ResponseStatus, Expr::value(attempt.response_status.map(i32::from)))
        .col_expr(delivery::Column::DurationMs, Expr::value(i32::try_from(attempt.duration_ms).unwrap_or(i32::MAX)))
        .col_expr(delivery::Column::ResponseExcerpt, Expr::value(attempt.response_excerpt))
        .col_expr(delivery::Column::Error, Expr::value(attempt.error));
    if let Some(next) = attempt.next_attempt_at {
        u = u.col_expr(delivery::Column::NextAttemptAt, Expr::value(next));
    }
    if attempt.status == DeliveryStatus::Delivered {
        u = u.col_expr(delivery::Column::DeliveredAt, Expr::value(attempt.at));
    }
    u.filter(delivery::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// Gives up the pending deliveries of a subscription that was switched off.
pub async fn fail_pending(conn: &impl ConnectionTrait, subscription_id: Uuid, reason: &str) -> Result<u64, StoreError> {
    let done = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value(DeliveryStatus::Failed.as_str()))
        .col_expr(delivery::Column::Error, Expr::value(reason))
        .col_expr(delivery::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(delivery::Column::SubscriptionId.eq(subscription_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}

/// A new delivery of the same event to the same subscription, due now.
pub async fn redeliver(conn: &impl ConnectionTrait, of: &Delivery, now: DateTime<Utc>) -> Result<Delivery, StoreError> {
    let e = event(conn, of.event_id).await?;
    let m = new_delivery(of.subscription_id, of.event_id, &format!("{}:{}", e.resource, e.resource_id), Some(of.id), now);
    to_delivery(m.insert(conn).await?)
}

/// A subscription's deliveries, newest first, after the cursor `before` (a delivery id).
pub async fn log(
    conn: &impl ConnectionTrait,
    subscription_id: Uuid,
    before: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<(Delivery, EventType)>, Option<Uuid>), StoreError> {
    let mut select = delivery::Entity::find().filter(delivery::Column::SubscriptionId.eq(subscription_id));
    if let Some(before) = before {
        select = select.filter(delivery::Column::Id.lt(before));
    }
    let rows = select.order_by_desc(delivery::Column::Id).limit(limit + 1).all(conn).await?;
    let (rows, next) = crate::page::split_page(rows, limit, |d| d.id);
    let event_ids: Vec<Uuid> = rows.iter().map(|d| d.event_id).collect();
    let types: std::collections::HashMap<Uuid, String> = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e.event_type))
        .collect();
    let mut out = Vec::with_capacity(rows.len());
    for d in rows {
        let event_type = types.get(&d.event_id).and_then(|t| EventType::parse(t)).unwrap_or(EventType::Ping);
        out.push((to_delivery(d)?, event_type));
    }
    Ok((out, next))
}

/// Forgets events (and their deliveries) that happened before `before`.
pub async fn purge(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    let mut old = Query::select();
    old.column(event::Column::Id).from(event::Entity).and_where(Expr::col(event::Column::OccurredAt).lt(before));
    delivery::Entity::delete_many().filter(delivery::Column::EventId.in_subquery(old)).exec(conn).await?;
    Ok(event::Entity::delete_many().filter(event::Column::OccurredAt.lt(before)).exec(conn).await?.rows_affected)
}

/// Records `events` of a change in the caller's transaction and, when any was recorded
/// (some subscription is active), queues a run of the webhook worker.
pub async fn tell(conn: &impl ConnectionTrait, events: &[Event], at: DateTime<Utc>) -> Result<(), StoreError> {
    if record(conn, events, at).await? > 0 {
        wake(conn, at).await?;
    }
    Ok(())
}

/// The job that dispatches and delivers (see the use cases' `webhooks`).
pub const DELIVER_JOB: &str = "webhooks.deliver";

/// Queues a run of the webhook worker at `at` (in the caller's transaction): one per moment,
/// however many events that moment brings.
pub async fn wake(conn: &impl ConnectionTrait, at: DateTime<Utc>) -> Result<(), StoreError> {
    let mut job = crate::jobs::NewJob::now(DELIVER_JOB, serde_json::json!({}), at);
    job.unique_key = Some(format!("{DELIVER_JOB}@{}", at.timestamp_micros()));
    job.max_attempts = 3;
    crate::jobs::enqueue(conn, job, at).await?;
    Ok(())
}
