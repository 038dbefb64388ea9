//! A ticket's comment as every area shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::attachments::Attachment;
use servdesk_domain::tickets::{Comment, CommentVisibility};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::AttachmentOut;
use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct CommentOut {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author_user_id: Option<Uuid>,
    pub author_api_key_id: Option<Uuid>,
    /// The contact who wrote it by email (a reply to our message).
    pub author_contact_id: Option<Uuid>,
    /// The address an emailed comment came from.
    pub author_email: Option<String>,
    /// The history the sender quoted below their reply, kept apart so it can be folded.
    pub quoted_text: Option<String>,
    #[schema(schema_with = wire::comment_visibility)]
    pub visibility: CommentVisibility,
    pub body: String,
    /// Colleagues notified by `@login`.
    pub mentioned_user_ids: Vec<Uuid>,
    /// Files sent with the comment.
    pub attachments: Vec<AttachmentOut>,
    pub created_at: DateTime<Utc>,
}

impl CommentOut {
    pub fn new(c: Comment, files: &mut Vec<Attachment>) -> Self {
        let (mine, others): (Vec<_>, Vec<_>) = std::mem::take(files).into_iter().partition(|a| a.comment_id == Some(c.id));
        *files = others;
        Self {
            attachments: mine.into_iter().map(AttachmentOut::from).collect(),
            id: c.id,
            ticket_id: c.ticket_id,
            author_user_id: c.author.user_id,
            author_api_key_id: c.author.api_key_id,
            author_contact_id: c.author_contact_id,
            author_email: c.email.as_ref().map(|e| e.address.clone()),
            quoted_text: c.email.and_then(|e| e.quoted_text),
            visibility: c.visibility,
            body: c.body,
            mentioned_user_ids: c.mentions,
            created_at: c.created_at,
        }
    }
}
