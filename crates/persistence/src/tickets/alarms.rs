//! Monitoring alarms on tickets: the open ticket of an alarm key, repeats counted on it,
//! the clearing recorded.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::tickets::Ticket;
use uuid::Uuid;

use super::*;
use crate::alarm_state::{self, AlarmColumns, Report};
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

fn alarm_columns() -> AlarmColumns<row::Column> {
    AlarmColumns {
        id: row::Column::Id,
        count: row::Column::AlarmCount,
        last_seen_at: row::Column::AlarmLastSeenAt,
        resolved_at: row::Column::AlarmResolvedAt,
        version: row::Column::Version,
        updated_at: row::Column::UpdatedAt,
    }
}

/// Counts one more trigger of the ticket's alarm; returns the new count.
pub async fn repeat_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<i64, StoreError> {
    alarm_state::record::<row::Entity>(conn, alarm_columns(), ticket_id, Report::Fired, now).await?;
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(i64::from(m.alarm_count))
}

/// Records that the alarm cleared.
pub async fn resolve_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    alarm_state::record::<row::Entity>(conn, alarm_columns(), ticket_id, Report::Cleared, now).await
}

/// The alarm state of a ticket: `(key, count, last seen, resolved at)`.
pub async fn alarm(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<(Option<String>, i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>), StoreError> {
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok((m.alarm_key, i64::from(m.alarm_count), m.alarm_last_seen_at, m.alarm_resolved_at))
}
