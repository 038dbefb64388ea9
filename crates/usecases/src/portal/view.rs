//! A request as its customer sees it: the public fields of the ticket, its public replies
//! with their files, and the planned visits — never internal notes, costs, internal events
//! or anyone else's data. Shown in the portal and behind a tracking link alike.

use chrono::{DateTime, Utc};
use servdesk_domain::attachments::Attachment;
use servdesk_domain::calls::{Call, CallState};
use servdesk_domain::dictionaries::{DictionaryKind, StatusClass};
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::tickets::{Comment, Ticket};
use servdesk_persistence::directory::contacts;
use servdesk_persistence::tasks::TaskFilter;
use servdesk_persistence::{ConnectionTrait, PageRequest, attachments, comments, dictionaries, tasks, users};
use uuid::Uuid;

use crate::{Desk, Result};

/// The ticket's public face.
#[derive(Debug, Clone)]
pub struct PublicTicket {
    pub ticket: Ticket,
    pub status_name: String,
    pub status_class: StatusClass,
    pub visits: Vec<Visit>,
}

/// A planned visit (a task of the ticket that is not cancelled).
#[derive(Debug, Clone)]
pub struct Visit {
    pub task_number: String,
    pub title: String,
    pub status: TaskStatus,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    /// The technician's name (a partner's technician shows as the partner's person).
    pub technician: Option<String>,
}

/// A public reply, with who wrote it as the customer may know them.
#[derive(Debug, Clone)]
pub struct PublicReply {
    pub comment: Comment,
    /// A staff member's name, the contact's name, or the company's.
    pub author_name: String,
    /// Written by the customer's side (by email or in the portal).
    pub from_customer: bool,
    pub files: Vec<Attachment>,
}

/// A request not yet a ticket, as its sender sees it.
#[derive(Debug, Clone)]
pub struct PublicCall {
    pub call: Call,
}

impl PublicCall {
    /// The state in the customer's words: waiting, or turned down.
    pub fn waiting(&self) -> bool {
        self.call.state == CallState::Untriaged
    }
}

/// Replies shown on one page: a request's conversation rarely runs longer.
pub const REPLIES_PAGE: u64 = 200;

pub async fn ticket(conn: &impl ConnectionTrait, ticket: Ticket) -> Result<PublicTicket> {
    let status = dictionaries::get(conn, DictionaryKind::TicketStatus, ticket.status_id).await?;
    let filter = TaskFilter { ticket_id: Some(ticket.id), ..TaskFilter::default() };
    let page = tasks::list(conn, &filter, PageRequest::first(100)).await?;
    let mut visits = Vec::new();
    for task in page.items.into_iter().filter(|t| t.status != TaskStatus::Cancelled) {
        visits.push(visit(conn, task).await?);
    }
    visits.sort_by_key(|v| (v.planned_start.is_none(), v.planned_start));
    Ok(PublicTicket { status_class: status.class.unwrap_or(StatusClass::Open), status_name: status.name, ticket, visits })
}

async fn visit(conn: &impl ConnectionTrait, task: Task) -> Result<Visit> {
    let technician = match task.assignee_id {
        Some(id) => Some(users::get(conn, id).await?.name),
        None => None,
    };
    Ok(Visit {
        task_number: task.number,
        title: task.title,
        status: task.status,
        planned_start: task.planned_start,
        planned_end: task.planned_end,
        technician,
    })
}

/// The ticket's public replies, oldest first, after `after`; and the cursor of the next page.
pub async fn replies(
    desk: &Desk,
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    after: Option<Uuid>,
) -> Result<(Vec<PublicReply>, Option<Uuid>)> {
    let (list, next) = comments::list_public(conn, ticket_id, after, REPLIES_PAGE).await?;
    let ids: Vec<Uuid> = list.iter().map(|c| c.id).collect();
    let mut files = attachments::of_comments(conn, &ids).await?;
    let mut out = Vec::with_capacity(list.len());
    for comment in list {
        let (mine, rest): (Vec<_>, Vec<_>) = files.into_iter().partition(|a| a.comment_id == Some(comment.id));
        files = rest;
        out.push(reply(desk, conn, comment, mine).await?);
    }
    Ok((out, next))
}

/// One public comment as a reply, with its files.
pub async fn reply(desk: &Desk, conn: &impl ConnectionTrait, comment: Comment, files: Vec<Attachment>) -> Result<PublicReply> {
    let (author_name, from_customer) = author(desk, conn, &comment).await?;
    Ok(PublicReply { comment, author_name, from_customer, files })
}

async fn author(desk: &Desk, conn: &impl ConnectionTrait, comment: &Comment) -> Result<(String, bool)> {
    if let Some(user_id) = comment.author.user_id {
        return Ok((users::get(conn, user_id).await?.name, false));
    }
    if let Some(contact_id) = comment.author_contact_id {
        return Ok((contacts::get(conn, contact_id).await?.name, true));
    }
    if let Some(email) = &comment.email {
        return Ok((email.address.clone(), true));
    }
    Ok((desk.config.company_name.clone(), false))
}
