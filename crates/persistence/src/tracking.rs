//! Tracking links of requests (see the domain's `tracking`).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::tracking::TrackingLink;
use uuid::Uuid;

use crate::entities::tracking_links as row;
use crate::error::StoreError;

fn to_link(m: row::Model) -> TrackingLink {
    TrackingLink {
        id: m.id,
        token: m.token,
        call_id: m.call_id,
        ticket_id: m.ticket_id,
        created_at: m.created_at,
        revoked_at: m.revoked_at,
    }
}

/// The request a link is for: a ticket, or a call not yet a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    Ticket(Uuid),
    Call(Uuid),
}

/// The request's link that is not revoked, if it has one.
pub async fn live_of(conn: &impl ConnectionTrait, request: Request) -> Result<Option<TrackingLink>, StoreError> {
    let by = match request {
        Request::Ticket(id) => row::Column::TicketId.eq(id),
        Request::Call(id) => row::Column::CallId.eq(id),
    };
    Ok(row::Entity::find().filter(by).filter(row::Column::RevokedAt.is_null()).order_by_desc(row::Column::Id).one(conn).await?.map(to_link))
}

pub async fn create(conn: &impl ConnectionTrait, request: Request, token: String, now: DateTime<Utc>) -> Result<TrackingLink, StoreError> {
    let (call_id, ticket_id) = match request {
        Request::Ticket(id) => (None, Some(id)),
        Request::Call(id) => (Some(id), None),
    };
    Ok(to_link(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            token: Set(token),
            call_id: Set(call_id),
            ticket_id: Set(ticket_id),
            created_at: Set(now),
            revoked_at: Set(None),
        }
        .insert(conn)
        .await?,
    ))
}

pub async fn by_token(conn: &impl ConnectionTrait, token: &str) -> Result<Option<TrackingLink>, StoreError> {
    Ok(row::Entity::find().filter(row::Column::Token.eq(token)).one(conn).await?.map(to_link))
}

/// A call became (or joined) a ticket: its links show the ticket from now on.
pub async fn follow_call(conn: &impl ConnectionTrait, call_id: Uuid, ticket_id: Uuid) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::TicketId, Expr::value(ticket_id))
        .filter(row::Column::CallId.eq(call_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes every link of a ticket; the count revoked.
pub async fn revoke_of_ticket(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = row::Entity::update_many()
        .col_expr(row::Column::RevokedAt, Expr::value(now))
        .filter(row::Column::TicketId.eq(ticket_id))
        .filter(row::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(done.rows_affected)
}
