//! Comments on a ticket: appended, never edited. A public one is a reply the contact is
//! sent; an internal one a note for staff. A reply that came by email keeps its sender and
//! the history it quoted apart from what it says.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::CommentVisibility;
use crate::Actor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub author: Actor,
    pub visibility: CommentVisibility,
    pub body: String,
    pub mentions: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The customer's contact who wrote it (by email or in the portal).
    pub author_contact_id: Option<Uuid>,
    /// Set when it came by email.
    pub email: Option<EmailAuthor>,
}

/// Who wrote a comment that came by email, and what they quoted below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailAuthor {
    pub contact_id: Option<Uuid>,
    pub address: String,
    pub quoted_text: Option<String>,
}
