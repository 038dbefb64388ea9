//! A ticket's timeline: typed events, only ever appended, read back oldest first.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::timeline::TicketEvent;
use uuid::Uuid;

use super::*;
use crate::entities::ticket_events;
use crate::error::StoreError;
use crate::page::{self};

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub event: TicketEvent,
}

/// Adds `event` to the ticket's timeline (in the caller's transaction, with the change).
pub async fn append_event(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    actor: Actor,
    event: &TicketEvent,
    now: DateTime<Utc>,
) -> Result<Option<servdesk_domain::sla::Standing>, StoreError> {
    ticket_events::Entity::insert(event_row(ticket_id, actor, event, now)).exec_without_returning(conn).await?;
    if event.touches_ticket() {
        touch(conn, ticket_id, now).await?;
    }
    // The timeline is the outbox of a ticket's webhooks: what it records, they tell.
    let events = servdesk_domain::webhooks::events_for(ticket_id, event);
    if !events.is_empty() {
        crate::webhooks::tell(conn, &events, now).await?;
    }
    // So are its SLA clocks: what may move them, moves them here (the standing it answers is
    // what a caller showing the ticket after the event shows).
    super::sla::refresh(conn, ticket_id, actor, event, now).await
}

pub(super) fn event_row(ticket_id: Uuid, actor: Actor, event: &TicketEvent, now: DateTime<Utc>) -> ticket_events::ActiveModel {
    ticket_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        kind: Set(event.kind().as_str().to_owned()),
        actor_user_id: Set(actor.user_id),
        actor_api_key_id: Set(actor.api_key_id),
        at: Set(now),
        data: Set(event.data().to_string()),
    }
}

/// The timeline, oldest first, paged by event id.
pub async fn events(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Event>, Option<Uuid>), StoreError> {
    let mut select = ticket_events::Entity::find().filter(ticket_events::Column::TicketId.eq(ticket_id));
    if let Some(after) = after {
        select = select.filter(ticket_events::Column::Id.gt(after));
    }
    let (rows, next) =
        crate::page::split_page(page::all_limited(conn, select.order_by_asc(ticket_events::Column::Id), limit + 1).await?, limit, |e| e.id);
    let events = rows
        .into_iter()
        .map(|e| {
            let data = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
            let event = TicketEvent::read(&e.kind, data).map_err(|err| StoreError::corrupt("ticket_events", format!("{}: {err}", e.id)))?;
            Ok(Event {
                id: e.id,
                ticket_id: e.ticket_id,
                actor: Actor { user_id: e.actor_user_id, api_key_id: e.actor_api_key_id },
                at: e.at,
                event,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((events, next))
}
