//! Messages: what Servdesk sent (the outbox) and the emails it received, per ticket.
//!
//! An outbound message is rendered once, when its notification is composed, and keeps that
//! text: what the outbox shows is exactly what went out. It is `queued` until the channel
//! accepts it (`sent`) or refuses it for good (`failed`, with the server's answer).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::directory::NotificationChannel;
use crate::notifications::NotificationEvent;

named_enum! {
    MessageDirection { Outbound = "out", Inbound = "in" }
}

named_enum! {
    /// `received`: an inbound message stored on its ticket or call; `ignored`: an inbound
    /// message kept but acted on no further (an auto-reply, a bounce).
    MessageStatus {
        Queued = "queued",
        Sent = "sent",
        Failed = "failed",
        Received = "received",
        Ignored = "ignored",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub id: Uuid,
    pub direction: MessageDirection,
    pub channel: NotificationChannel,
    pub event: Option<NotificationEvent>,
    pub status: MessageStatus,
    pub ticket_id: Option<Uuid>,
    pub call_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: Option<String>,
    pub from_address: Option<String>,
    pub from_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub language: Option<String>,
    /// Without angle brackets; email only.
    pub message_id: Option<String>,
    pub in_reply_to: Option<String>,
    pub references: Vec<String>,
    /// The `Auto-Submitted` value it carries (outbound) or carried (inbound).
    pub auto_submitted: Option<String>,
    pub attachment_ids: Vec<Uuid>,
    /// Delivery attempts so far.
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// Whether a failed delivery is retried: transient answers (4xx, a server that is down or
/// slow) are, permanent ones (5xx: no such mailbox, refused) are not, and neither is the
/// last allowed attempt.
pub fn retry_after_failure(permanent: bool, attempts: u32, max_attempts: u32) -> bool {
    !permanent && attempts < max_attempts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transient_failures_are_retried_until_the_last_attempt() {
        assert!(retry_after_failure(false, 1, 10));
        assert!(retry_after_failure(false, 9, 10));
        assert!(!retry_after_failure(false, 10, 10));
    }

    #[test]
    fn permanent_failures_are_never_retried() {
        assert!(!retry_after_failure(true, 1, 10));
    }
}
