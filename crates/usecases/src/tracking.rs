//! Tracking links (see the domain's `tracking`): made with a request's first notice, shown
//! without a login, revoked by staff, dead a while after the ticket closed.

use servdesk_domain::calls::Call;
use servdesk_domain::tracking::{TrackingLink, looks_like_token};
use servdesk_persistence::tracking::{self, Request};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, calls, tickets};
use uuid::Uuid;

use crate::access::visibility;
use crate::portal::view::{self, PublicReply, PublicTicket};
use crate::secrets::link_secret;
use crate::{Desk, Error, Result, now};

/// The request's live link, made now if it has none.
pub async fn link_for(conn: &impl ConnectionTrait, request: Request) -> Result<TrackingLink> {
    if let Some(link) = tracking::live_of(conn, request).await? {
        return Ok(link);
    }
    Ok(tracking::create(conn, request, link_secret()?, now()).await?)
}

/// The page a tracking link opens.
pub fn url(desk: &Desk, link: &TrackingLink) -> String {
    format!("{}/track/{}", desk.config.public_url, link.token)
}

/// What a tracking link shows: the ticket with its public replies, or the call still
/// waiting to become one.
#[derive(Debug, Clone)]
pub enum Tracked {
    Ticket { ticket: Box<PublicTicket>, replies: Vec<PublicReply> },
    Call(Box<Call>),
}

/// The request behind a tracking token; 404 for an unknown, revoked or expired one.
pub async fn show(desk: &Desk, token: &str) -> Result<Tracked> {
    if !looks_like_token(token) {
        return Err(Error::not_found());
    }
    let link = tracking::by_token(&desk.db, token).await?.ok_or_else(Error::not_found)?;
    let ticket_id = match (link.ticket_id, link.call_id) {
        (Some(id), _) => Some(id),
        (None, Some(call_id)) => calls::get(&desk.db, call_id).await?.ticket_id,
        (None, None) => None,
    };
    let keep = servdesk_domain::policy::duration(desk.config.tracking_keep_after_close);
    match ticket_id {
        Some(id) => {
            let ticket = tickets::get(&desk.db, id).await?;
            if !link.is_live(ticket.closed_at, keep, now()) {
                return Err(Error::not_found());
            }
            let (replies, _) = view::replies(desk, &desk.db, ticket.id, None).await?;
            Ok(Tracked::Ticket { ticket: Box::new(view::ticket(&desk.db, ticket).await?), replies })
        }
        None => {
            let call_id = link.call_id.ok_or_else(Error::not_found)?;
            if !link.is_live(None, keep, now()) {
                return Err(Error::not_found());
            }
            Ok(Tracked::Call(Box::new(calls::get(&desk.db, call_id).await?)))
        }
    }
}

/// Revokes a ticket's tracking links (a forwarded email, a link posted somewhere); the
/// next notice carries a new one. Returns how many were revoked.
pub async fn revoke(desk: &Desk, principal: &servdesk_domain::Principal, ticket_id: Uuid) -> Result<u64> {
    let txn = desk.db.begin().await?;
    let visibility = visibility(&txn, principal).await?;
    let ticket = tickets::get_visible(&txn, ticket_id, &visibility).await?;
    let revoked = tracking::revoke_of_ticket(&txn, ticket.id, now()).await?;
    crate::commit(txn).await?;
    Ok(revoked)
}
