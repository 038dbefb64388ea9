//! Attachments on the wire (shown by attachments, comments and completions).

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::attachments::Attachment;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: Uuid,
    pub call_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    /// The task whose completion brought it.
    pub task_id: Option<Uuid>,
    /// `file` (uploaded), `photo` or `signature` (field completion), `report` (generated).
    #[schema(example = "file")]
    pub kind: String,
    pub filename: String,
    /// Judged from the file's bytes, not from what the uploader declared.
    pub content_type: String,
    pub size_bytes: i64,
    /// Hex SHA-256 of the content (also the download's `ETag`).
    pub sha256: String,
    pub uploaded_by_user_id: Option<Uuid>,
    pub uploaded_by_api_key_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// Where to download the content.
    pub content_url: String,
}

impl From<Attachment> for AttachmentOut {
    fn from(a: Attachment) -> Self {
        Self {
            content_url: format!("/api/v1/attachments/{}/content", a.id),
            id: a.id,
            call_id: a.call_id,
            ticket_id: a.ticket_id,
            comment_id: a.comment_id,
            task_id: a.task_id,
            kind: a.kind,
            filename: a.filename,
            content_type: a.content_type,
            size_bytes: a.size_bytes,
            sha256: a.sha256,
            uploaded_by_user_id: a.uploaded_by.user_id,
            uploaded_by_api_key_id: a.uploaded_by.api_key_id,
            created_at: a.created_at,
        }
    }
}
