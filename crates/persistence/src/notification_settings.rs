//! Switches that turn a notification event off (or back on) for the installation or for
//! one customer. No row means on.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::notifications::NotificationEvent;
use uuid::Uuid;

use crate::entities::notification_settings as row;
use crate::error::StoreError;

const INSTALLATION: &str = "*";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switch {
    pub event: NotificationEvent,
    /// `None`: the installation-wide switch.
    pub customer_id: Option<Uuid>,
    pub enabled: bool,
}

fn scope(customer_id: Option<Uuid>) -> String {
    customer_id.map_or_else(|| INSTALLATION.to_owned(), |id| id.to_string())
}

fn to_switch(m: row::Model) -> Result<Switch, StoreError> {
    Ok(Switch {
        event: NotificationEvent::parse(&m.event)
            .ok_or_else(|| StoreError::corrupt("notification_settings", format!("{}: event", m.id)))?,
        customer_id: m.customer_id,
        enabled: m.enabled,
    })
}

/// The installation's switches and, with `customer_id`, that customer's.
pub async fn list(conn: &impl ConnectionTrait, customer_id: Option<Uuid>) -> Result<Vec<Switch>, StoreError> {
    let scopes = [scope(None), scope(customer_id)];
    row::Entity::find()
        .filter(row::Column::Scope.is_in(scopes.iter().map(String::as_str)))
        .order_by_asc(row::Column::Event)
        .all(conn)
        .await?
        .into_iter()
        .map(to_switch)
        .collect()
}

/// `(installation, customer)` switches of one event.
pub async fn of_event(
    conn: &impl ConnectionTrait,
    event: NotificationEvent,
    customer_id: Option<Uuid>,
) -> Result<(Option<bool>, Option<bool>), StoreError> {
    let switches = list(conn, customer_id).await?;
    let find = |c: Option<Uuid>| switches.iter().find(|s| s.event == event && s.customer_id == c).map(|s| s.enabled);
    Ok((find(None), customer_id.and_then(|c| find(Some(c)))))
}

pub async fn set(conn: &impl ConnectionTrait, switch: Switch, now: DateTime<Utc>) -> Result<(), StoreError> {
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        event: Set(switch.event.as_str().to_owned()),
        scope: Set(scope(switch.customer_id)),
        customer_id: Set(switch.customer_id),
        enabled: Set(switch.enabled),
        updated_at: Set(now),
    };
    row::Entity::insert(model)
        .on_conflict(
            OnConflict::columns([row::Column::Event, row::Column::Scope])
                .update_columns([row::Column::Enabled, row::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Forgets a switch (back to the default: on, or the installation's choice for a customer).
pub async fn clear(conn: &impl ConnectionTrait, event: NotificationEvent, customer_id: Option<Uuid>) -> Result<(), StoreError> {
    row::Entity::delete_many()
        .filter(row::Column::Event.eq(event.as_str()))
        .filter(row::Column::Scope.eq(scope(customer_id)))
        .exec(conn)
        .await?;
    Ok(())
}
