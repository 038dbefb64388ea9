//! Monitoring alarms on tickets: the open ticket of an alarm key, repeats counted on it,
//! the clearing recorded.

use chrono::{DateTime, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::tickets::Ticket;
use uuid::Uuid;

use super::*;
use crate::entities::tickets as row;
use crate::error::StoreError;

/// The open ticket (status not of class closed or cancelled) of a monitoring alarm.
pub async fn open_by_alarm_key(conn: &impl ConnectionTrait, key: &str) -> Result<Option<Ticket>, StoreError> {
    let found = row::Entity::find()
        .filter(row::Column::AlarmKey.eq(key))
        .filter(row::Column::StatusId.not_in_subquery(closed_statuses()))
        .order_by_desc(row::Column::Id)
        .one(conn)
        .await?;
    found.map(to_ticket).transpose()
}

/// Counts one more trigger of the ticket's alarm; returns the new count.
pub async fn repeat_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<i64, StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::AlarmCount, Expr::col(row::Column::AlarmCount).add(1))
        .col_expr(row::Column::AlarmLastSeenAt, Expr::value(now))
        .col_expr(row::Column::AlarmResolvedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(i64::from(m.alarm_count))
}

/// Records that the alarm cleared.
pub async fn resolve_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::AlarmResolvedAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The alarm state of a ticket: `(key, count, last seen, resolved at)`.
pub async fn alarm(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<(Option<String>, i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>), StoreError> {
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok((m.alarm_key, i64::from(m.alarm_count), m.alarm_last_seen_at, m.alarm_resolved_at))
}
