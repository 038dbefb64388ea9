//! A checklist line as every area shows it.

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::checklists::ChecklistItem;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct ChecklistItemOut {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    /// 1-based place in its list.
    pub position: i32,
    pub text: String,
    pub checked: bool,
    pub checked_by: Option<Uuid>,
    pub checked_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ChecklistItem> for ChecklistItemOut {
    fn from(i: ChecklistItem) -> Self {
        Self {
            id: i.id,
            ticket_id: i.ticket_id,
            task_id: i.task_id,
            position: i.position,
            text: i.text,
            checked: i.checked,
            checked_by: i.checked_by,
            checked_at: i.checked_at,
            version: i.version,
            created_at: i.created_at,
            updated_at: i.updated_at,
        }
    }
}
