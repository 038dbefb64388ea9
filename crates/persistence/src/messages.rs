//! Messages: the outbox and the email history of tickets and calls.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::messages::{Message, MessageDirection, MessageStatus};
use servdesk_domain::notifications::NotificationEvent;
use uuid::Uuid;

use crate::entities::messages as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};

fn corrupt(m: &row::Model, what: &str) -> StoreError {
    StoreError::corrupt("messages", format!("{}: {what}", m.id))
}

fn to_message(m: row::Model) -> Result<Message, StoreError> {
    let event = match &m.event {
        Some(e) => Some(NotificationEvent::parse(e).ok_or_else(|| corrupt(&m, "event"))?),
        None => None,
    };
    Ok(Message {
        direction: MessageDirection::parse(&m.direction).ok_or_else(|| corrupt(&m, "direction"))?,
        channel: NotificationChannel::parse(&m.channel).ok_or_else(|| corrupt(&m, "channel"))?,
        status: MessageStatus::parse(&m.status).ok_or_else(|| corrupt(&m, "status"))?,
        attachment_ids: serde_json::from_str(&m.attachment_ids).map_err(|_| corrupt(&m, "attachment_ids"))?,
        references: m.reference_ids.split_whitespace().map(str::to_owned).collect(),
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        event,
        id: m.id,
        ticket_id: m.ticket_id,
        call_id: m.call_id,
        comment_id: m.comment_id,
        task_id: m.task_id,
        contact_id: m.contact_id,
        user_id: m.user_id,
        to_address: m.to_address,
        to_name: m.to_name,
        from_address: m.from_address,
        from_name: m.from_name,
        subject: m.subject,
        body_text: m.body_text,
        body_html: m.body_html,
        language: m.language,
        message_id: m.message_id,
        in_reply_to: m.in_reply_to,
        auto_submitted: m.auto_submitted,
        last_error: m.last_error,
        created_at: m.created_at,
        updated_at: m.updated_at,
        sent_at: m.sent_at,
    })
}

fn to_row(m: &Message, source_job_id: Option<Uuid>, raw_key: Option<String>) -> row::ActiveModel {
    row::ActiveModel {
        id: Set(m.id),
        direction: Set(m.direction.as_str().to_owned()),
        channel: Set(m.channel.as_str().to_owned()),
        event: Set(m.event.map(|e| e.as_str().to_owned())),
        status: Set(m.status.as_str().to_owned()),
        ticket_id: Set(m.ticket_id),
        call_id: Set(m.call_id),
        comment_id: Set(m.comment_id),
        task_id: Set(m.task_id),
        contact_id: Set(m.contact_id),
        user_id: Set(m.user_id),
        to_address: Set(m.to_address.clone()),
        to_name: Set(m.to_name.clone()),
        from_address: Set(m.from_address.clone()),
        from_name: Set(m.from_name.clone()),
        subject: Set(m.subject.clone()),
        body_text: Set(m.body_text.clone()),
        body_html: Set(m.body_html.clone()),
        language: Set(m.language.clone()),
        message_id: Set(m.message_id.clone()),
        in_reply_to: Set(m.in_reply_to.clone()),
        reference_ids: Set(m.references.join(" ")),
        auto_submitted: Set(m.auto_submitted.clone()),
        attachment_ids: Set(serde_json::to_string(&m.attachment_ids).unwrap_or_else(|_| "[]".to_owned())),
        attempts: Set(i32::try_from(m.attempts).unwrap_or(i32::MAX)),
        last_error: Set(m.last_error.clone()),
        source_job_id: Set(source_job_id),
        raw_key: Set(raw_key),
        created_at: Set(m.created_at),
        updated_at: Set(m.updated_at),
        sent_at: Set(m.sent_at),
    }
}

/// Stores an outbound message composed by the notification job `source_job_id`. Returns
/// false when that job had already composed its message (it ran again after a crash).
pub async fn insert_composed(conn: &impl ConnectionTrait, message: &Message, source_job_id: Uuid) -> Result<bool, StoreError> {
    let inserted = row::Entity::insert(to_row(message, Some(source_job_id), None))
        .on_conflict(OnConflict::column(row::Column::SourceJobId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

/// Stores an inbound message (its raw source kept under `raw_key`). Returns false when a
/// message with its Message-ID is stored already: a redelivery is stored once.
pub async fn insert_received(conn: &impl ConnectionTrait, message: &Message, raw_key: Option<String>) -> Result<bool, StoreError> {
    let inserted = row::Entity::insert(to_row(message, None, raw_key))
        .on_conflict(OnConflict::column(row::Column::MessageId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(inserted == 1)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Message, StoreError> {
    to_message(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The raw source of an inbound message, where it is kept.
pub async fn raw_key(conn: &impl ConnectionTrait, id: Uuid) -> Result<Option<String>, StoreError> {
    Ok(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?.raw_key)
}

/// The message with this Message-ID (either direction).
pub async fn by_message_id(conn: &impl ConnectionTrait, message_id: &str) -> Result<Option<Message>, StoreError> {
    row::Entity::find().filter(row::Column::MessageId.eq(message_id)).one(conn).await?.map(to_message).transpose()
}

/// The first of `ids` that is the Message-ID of a message we sent.
pub async fn first_outbound_of(conn: &impl ConnectionTrait, ids: &[String]) -> Result<Option<Message>, StoreError> {
    if ids.is_empty() {
        return Ok(None);
    }
    let found: Vec<Message> = row::Entity::find()
        .filter(row::Column::MessageId.is_in(ids.iter().map(String::as_str)))
        .filter(row::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .all(conn)
        .await?
        .into_iter()
        .map(to_message)
        .collect::<Result<_, _>>()?;
    // The header lists the thread oldest first; the latest message we sent decides.
    Ok(ids.iter().rev().find_map(|id| found.iter().find(|m| m.message_id.as_deref() == Some(id.as_str())).cloned()))
}

/// Whether we sent an email about this ticket to `address` (any case).
pub async fn wrote_to(conn: &impl ConnectionTrait, ticket_id: Uuid, address: &str) -> Result<bool, StoreError> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::Func;
    let found = row::Entity::find()
        .select_only()
        .column(row::Column::Id)
        .filter(row::Column::TicketId.eq(ticket_id))
        .filter(row::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .filter(row::Column::Channel.eq(NotificationChannel::Email.as_str()))
        .filter(Expr::expr(Func::lower(Expr::col(row::Column::ToAddress))).eq(address.trim().to_lowercase()))
        .into_tuple::<Uuid>()
        .one(conn)
        .await?;
    Ok(found.is_some())
}

/// Whose email thread: a ticket's, or (before it became one) a call's.
#[derive(Debug, Clone, Copy)]
pub enum ThreadOf {
    Ticket(Uuid),
    Call(Uuid),
}

/// The Message-IDs of a thread, oldest first (both directions; failed messages never
/// reached anyone and are left out).
pub async fn thread(conn: &impl ConnectionTrait, of: ThreadOf) -> Result<Vec<String>, StoreError> {
    let owner = match of {
        ThreadOf::Ticket(id) => row::Column::TicketId.eq(id),
        ThreadOf::Call(id) => row::Column::CallId.eq(id),
    };
    let ids: Vec<Option<String>> = row::Entity::find()
        .select_only()
        .column(row::Column::MessageId)
        .filter(owner)
        .filter(row::Column::Channel.eq(NotificationChannel::Email.as_str()))
        .filter(row::Column::MessageId.is_not_null())
        .filter(row::Column::Status.ne(MessageStatus::Failed.as_str()))
        .order_by_asc(row::Column::CreatedAt)
        .order_by_asc(row::Column::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(ids.into_iter().flatten().collect())
}

/// Puts a call's messages on the ticket it became, so the thread continues there.
pub async fn move_call_to_ticket(conn: &impl ConnectionTrait, call_id: Uuid, ticket_id: Uuid) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::TicketId, Expr::value(ticket_id))
        .filter(row::Column::CallId.eq(call_id))
        .filter(row::Column::TicketId.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Records a delivery: the message is `sent`. False when it was not queued any more.
pub async fn mark_sent(conn: &impl ConnectionTrait, id: Uuid, attempts: u32, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(MessageStatus::Sent.as_str()))
        .col_expr(row::Column::SentAt, Expr::value(now))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .col_expr(row::Column::Attempts, Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)))
        .col_expr(row::Column::LastError, Expr::value(Option::<String>::None))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::Status.eq(MessageStatus::Queued.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Records a failed attempt; `give_up` marks the message `failed` for good.
pub async fn record_failure(
    conn: &impl ConnectionTrait,
    id: Uuid,
    attempts: u32,
    error: &str,
    give_up: bool,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = row::Entity::update_many()
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .col_expr(row::Column::Attempts, Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)))
        .col_expr(row::Column::LastError, Expr::value(error.chars().take(2000).collect::<String>()));
    if give_up {
        update = update.col_expr(row::Column::Status, Expr::value(MessageStatus::Failed.as_str()));
    }
    let result = update.filter(row::Column::Id.eq(id)).filter(row::Column::Status.eq(MessageStatus::Queued.as_str())).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

/// Marks a message we sent as failed after the fact (a bounce came back for it).
pub async fn mark_bounced(conn: &impl ConnectionTrait, id: Uuid, error: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(MessageStatus::Failed.as_str()))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .col_expr(row::Column::LastError, Expr::value(error.chars().take(2000).collect::<String>()))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .filter(row::Column::Status.ne(MessageStatus::Failed.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

/// An admin's retry of a failed message: queued again with a fresh count of attempts.
pub async fn requeue(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let result = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(MessageStatus::Queued.as_str()))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .col_expr(row::Column::Attempts, Expr::value(0))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::Direction.eq(MessageDirection::Outbound.as_str()))
        .filter(row::Column::Status.eq(MessageStatus::Failed.as_str()))
        .exec(conn)
        .await?;
    Ok(result.rows_affected == 1)
}

#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub direction: Option<MessageDirection>,
    pub status: Option<MessageStatus>,
    pub channel: Option<NotificationChannel>,
    pub event: Option<NotificationEvent>,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
}

pub async fn list(conn: &impl ConnectionTrait, filter: &MessageFilter, req: PageRequest) -> Result<Page<Message>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(d) = filter.direction {
        select = select.filter(row::Column::Direction.eq(d.as_str()));
    }
    if let Some(s) = filter.status {
        select = select.filter(row::Column::Status.eq(s.as_str()));
    }
    if let Some(c) = filter.channel {
        select = select.filter(row::Column::Channel.eq(c.as_str()));
    }
    if let Some(e) = filter.event {
        select = select.filter(row::Column::Event.eq(e.as_str()));
    }
    if let Some(t) = filter.ticket_id {
        select = select.filter(row::Column::TicketId.eq(t));
    }
    if let Some(c) = filter.call_id {
        select = select.filter(row::Column::CallId.eq(c));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_message)
}
