//! Comments on a ticket: a public reply (sent to the ticket's contact, the first response
//! when staff write it) or an internal note (its `@mentions` notified), with the files
//! uploaded for it — one transaction with its timeline event and notices.

use serde_json::json;
use servdesk_domain::Actor;
use servdesk_domain::Principal;
use servdesk_domain::attachments::Attachment;
use servdesk_domain::errors::field;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::tickets::{Comment, CommentVisibility, Ticket, mentions};
use servdesk_domain::timeline::{CommentAdded, Delivery, FileRef, TicketEvent};
use servdesk_domain::users::User;
use servdesk_persistence::directory::contacts;
use servdesk_persistence::{ConnectionTrait, StoreError, TransactionTrait, attachments, comments, tickets, users};
use uuid::Uuid;

use crate::notify::{self, Recipient};
use crate::{Desk, Error, Result, now};

/// An `@mention` that notified no one, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedMention {
    pub mention: String,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// No active colleague has this login.
    NoSuchUser,
    /// The colleague may not open the ticket (another team's agent, a partner, finance…):
    /// the notice would show them what they may not see.
    CannotSeeTicket,
}

/// A comment as added.
pub struct Added {
    pub ticket_id: Uuid,
    pub comment: Comment,
    pub files: Vec<Attachment>,
    /// Mentions that notified no one.
    pub skipped_mentions: Vec<SkippedMention>,
}

/// Adds a comment to a ticket the caller sees. An internal note's `@mentions` notify the
/// active colleagues who may open the ticket; the others are reported, not notified.
pub async fn add(
    desk: &Desk,
    principal: &Principal,
    ticket_id: Uuid,
    visibility: CommentVisibility,
    text: &str,
    attachment_ids: &[Uuid],
) -> Result<Added> {
    let now = now();
    let txn = desk.db.begin().await?;
    let seen = crate::access::visibility(&txn, principal).await?;
    let ticket = tickets::get_visible(&txn, ticket_id, &seen).await?;
    let text = text.trim().to_owned();
    let mut mentioned = Vec::new();
    let mut skipped_mentions = Vec::new();
    if visibility == CommentVisibility::Internal {
        for login in mentions(&text) {
            let found: Vec<_> = users::by_login(&txn, &login).await?.into_iter().filter(|u| u.active).collect();
            let mut readers = Vec::new();
            for user in &found {
                if may_open(&txn, user, &ticket).await? {
                    readers.push(user.clone());
                }
            }
            if readers.is_empty() {
                let reason = if found.is_empty() { SkipReason::NoSuchUser } else { SkipReason::CannotSeeTicket };
                skipped_mentions.push(SkippedMention { mention: format!("@{login}"), reason });
            }
            mentioned.extend(readers);
        }
        mentioned.sort_by_key(|u| u.id);
        mentioned.dedup_by_key(|u| u.id);
    }
    let ids: Vec<Uuid> = mentioned.iter().map(|u| u.id).collect();
    let comment = comments::create(&txn, ticket.id, Actor::of(principal), visibility, text.clone(), &ids, now).await?;
    let files = attach(&txn, ticket.id, comment.id, attachment_ids).await?;
    let file_refs: Vec<_> = files
        .iter()
        .map(|a| FileRef {
            attachment_id: a.id,
            filename: Some(a.filename.clone()),
            content_type: Some(a.content_type.clone()),
            size_bytes: Some(a.size_bytes),
            call_id: None,
        })
        .collect();
    let mut delivery = None;
    if visibility == CommentVisibility::Public {
        if principal.user_id().is_some() {
            tickets::stamp_first_response(&txn, ticket.id, now).await?;
        }
        let contact = match ticket.contact_id {
            Some(id) => Some(contacts::get(&txn, id).await?),
            None => None,
        };
        delivery = match contact.as_ref().and_then(Recipient::of_contact) {
            Some(to) => {
                let payload = json!({"ticket_id": ticket.id, "ticket_number": ticket.number, "comment_id": comment.id, "to": to.to_json()});
                let job = notify::queue(&txn, NotificationEvent::PublicReply, payload, now).await?;
                Some(Delivery { queued_job_id: job, channel: Some(to.channel.as_str().to_owned()), to: Some(to.address), not_sent: None })
            }
            None => Some(Delivery {
                not_sent: Some("the ticket has no contact with an email address or phone number".to_owned()),
                ..Delivery::default()
            }),
        };
    }
    for user in &mentioned {
        let payload = json!({"ticket_id": ticket.id, "ticket_number": ticket.number, "comment_id": comment.id, "user_id": user.id});
        notify::queue(&txn, NotificationEvent::Mention, payload, now).await?;
    }
    let event = TicketEvent::CommentAdded(CommentAdded {
        comment_id: comment.id,
        visibility: comment.visibility.as_str().to_owned(),
        mentioned_user_ids: ids,
        attachments: file_refs,
        delivery,
        ..CommentAdded::default()
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &event, now).await?;
    crate::commit(txn).await?;
    Ok(Added { ticket_id: ticket.id, comment, files, skipped_mentions })
}

/// Whether `user` may open `ticket`, by the same rules as their own requests.
async fn may_open(conn: &impl ConnectionTrait, user: &User, ticket: &Ticket) -> Result<bool> {
    let as_them = Principal::User { id: user.id, role: user.role, session_id: Uuid::nil() };
    let seen = crate::access::visibility(conn, &as_them).await?;
    match tickets::get_visible(conn, ticket.id, &seen).await {
        Ok(_) => Ok(true),
        Err(StoreError::NotFound) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Puts the uploaded files on the comment; all of them or the comment is refused.
async fn attach(conn: &impl ConnectionTrait, ticket_id: Uuid, comment_id: Uuid, ids: &[Uuid]) -> Result<Vec<Attachment>> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    if attachments::attach_to_comment(conn, ticket_id, comment_id, &ids).await? != ids.len() as u64 {
        return Err(Error::invalid_field(
            "attachment_ids",
            field::NOT_ATTACHABLE,
            "each id must be a file uploaded to this ticket and not yet sent with another comment",
        ));
    }
    attachments::of_comments(conn, &[comment_id]).await.map_err(Error::from)
}
