//! Ticket comments: appended, never edited.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::Actor;
use servdesk_domain::tickets::CommentVisibility;
use uuid::Uuid;

use crate::entities::ticket_comments as row;
use crate::error::StoreError;

pub use servdesk_domain::tickets::{Comment, EmailAuthor};

fn to_comment(m: row::Model) -> Result<Comment, StoreError> {
    Ok(Comment {
        visibility: CommentVisibility::parse(&m.visibility)
            .ok_or_else(|| StoreError::corrupt("ticket_comments", format!("{}: visibility", m.id)))?,
        mentions: serde_json::from_str(&m.mentions).map_err(|e| StoreError::corrupt("ticket_comments", format!("{}: {e}", m.id)))?,
        id: m.id,
        ticket_id: m.ticket_id,
        author: Actor { user_id: m.author_user_id, api_key_id: m.author_api_key_id },
        author_contact_id: m.author_contact_id,
        email: m.author_email.map(|address| EmailAuthor { contact_id: m.author_contact_id, address, quoted_text: m.quoted_text }),
        body: m.body,
        created_at: m.created_at,
    })
}

pub async fn create(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    author: Actor,
    visibility: CommentVisibility,
    body: String,
    mentions: &[Uuid],
    now: DateTime<Utc>,
) -> Result<Comment, StoreError> {
    insert(conn, ticket_id, author, visibility, body, mentions, Written::default(), now).await
}

/// A public comment written by email (a reply of the contact's).
pub async fn create_from_email(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    author: EmailAuthor,
    body: String,
    now: DateTime<Utc>,
) -> Result<Comment, StoreError> {
    let written = Written { contact_id: author.contact_id, email: Some(author) };
    insert(conn, ticket_id, Actor::default(), CommentVisibility::Public, body, &[], written, now).await
}

/// A public comment the contact wrote in the portal.
pub async fn create_from_portal(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    contact_id: Uuid,
    body: String,
    now: DateTime<Utc>,
) -> Result<Comment, StoreError> {
    let written = Written { contact_id: Some(contact_id), email: None };
    insert(conn, ticket_id, Actor::default(), CommentVisibility::Public, body, &[], written, now).await
}

/// Who outside the staff wrote a comment, and how.
#[derive(Default)]
struct Written {
    contact_id: Option<Uuid>,
    email: Option<EmailAuthor>,
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    author: Actor,
    visibility: CommentVisibility,
    body: String,
    mentions: &[Uuid],
    Written { contact_id, email }: Written,
    now: DateTime<Utc>,
) -> Result<Comment, StoreError> {
    let comment = to_comment(
        row::ActiveModel {
            id: Set(Uuid::now_v7()),
            ticket_id: Set(ticket_id),
            author_user_id: Set(author.user_id),
            author_api_key_id: Set(author.api_key_id),
            visibility: Set(visibility.as_str().to_owned()),
            body: Set(body),
            mentions: Set(serde_json::to_string(mentions).unwrap_or_else(|_| "[]".to_owned())),
            created_at: Set(now),
            author_contact_id: Set(contact_id),
            author_email: Set(email.as_ref().map(|e| e.address.clone())),
            quoted_text: Set(email.and_then(|e| e.quoted_text)),
        }
        .insert(conn)
        .await?,
    )?;
    crate::search::refresh(conn, ticket_id).await?;
    Ok(comment)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Comment, StoreError> {
    to_comment(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// A ticket's comments, oldest first, paged by id.
pub async fn list(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Comment>, Option<Uuid>), StoreError> {
    page_of(conn, row::Entity::find().filter(row::Column::TicketId.eq(ticket_id)), after, limit).await
}

/// A ticket's public comments (what its contact reads), oldest first, paged by id.
pub async fn list_public(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Comment>, Option<Uuid>), StoreError> {
    let select = row::Entity::find()
        .filter(row::Column::TicketId.eq(ticket_id))
        .filter(row::Column::Visibility.eq(CommentVisibility::Public.as_str()));
    page_of(conn, select, after, limit).await
}

async fn page_of(
    conn: &impl ConnectionTrait,
    mut select: sea_orm::Select<row::Entity>,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Comment>, Option<Uuid>), StoreError> {
    if let Some(after) = after {
        select = select.filter(row::Column::Id.gt(after));
    }
    let (rows, next) =
        crate::page::split_page(crate::page::all_limited(conn, select.order_by_asc(row::Column::Id), limit + 1).await?, limit, |c| c.id);
    Ok((rows.into_iter().map(to_comment).collect::<Result<_, _>>()?, next))
}
