//! Tracking links: an unguessable link in every acknowledgement and status notice that
//! shows that one request — its status and public replies — to whoever holds it, without a
//! login. One link per request, made with its first notice; staff can revoke it (the next
//! notice then carries a new one); it stops working a while after the request closes.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackingLink {
    pub id: Uuid,
    /// The secret part of the URL.
    pub token: String,
    /// The call it was made for (kept when the call becomes a ticket).
    pub call_id: Option<Uuid>,
    /// The ticket it shows, once there is one.
    pub ticket_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl TrackingLink {
    /// Whether the link still shows its request: not revoked, and its ticket (if closed)
    /// closed less than `keep_after_close` ago.
    pub fn is_live(&self, closed_at: Option<DateTime<Utc>>, keep_after_close: Duration, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && closed_at.is_none_or(|closed| now < closed + keep_after_close)
    }
}

/// Whether `token` has the shape of a tracking token (so a lookup is worth a query).
pub fn looks_like_token(token: &str) -> bool {
    (32..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> TrackingLink {
        TrackingLink {
            id: Uuid::nil(),
            token: "t".repeat(43),
            call_id: None,
            ticket_id: Some(Uuid::nil()),
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            revoked_at: None,
        }
    }

    #[test]
    fn a_link_of_an_open_request_works_until_revoked() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(400);
        assert!(link().is_live(None, Duration::days(30), now));
        let revoked = TrackingLink { revoked_at: Some(now), ..link() };
        assert!(!revoked.is_live(None, Duration::days(30), now));
    }

    #[test]
    fn a_link_stops_working_the_configured_time_after_its_ticket_closed() {
        let closed = DateTime::<Utc>::UNIX_EPOCH + Duration::days(10);
        assert!(link().is_live(Some(closed), Duration::days(30), closed + Duration::days(29)));
        assert!(!link().is_live(Some(closed), Duration::days(30), closed + Duration::days(30)));
    }

    #[test]
    fn only_url_safe_tokens_of_a_sensible_length_are_looked_up() {
        assert!(looks_like_token(&"a".repeat(43)));
        assert!(!looks_like_token("short"));
        assert!(!looks_like_token(&format!("{}'", "a".repeat(43))));
    }
}
