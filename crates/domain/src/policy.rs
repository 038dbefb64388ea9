//! The installation's rules that configuration sets: built once when a process starts and
//! passed to the rules that need them, so no call site turns configuration into policy with
//! a default of its own.

use chrono::Duration;

use crate::dictionaries::StatusClass;
use crate::tickets::Channel;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// How long after closing a ticket may still be reopened (a reply by email after it
    /// becomes a new call that names the old ticket).
    pub reopen_window: Duration,
    /// A stopwatch running longer than this writes an entry capped at it, flagged for review.
    pub timer_max: Duration,
    /// Where a ticket goes when its last open task is completed: `closed` or `resolved`.
    pub tasks_done_class: StatusClass,
    /// Channels whose senders get an acknowledgement of a new call.
    pub acknowledge_channels: Vec<Channel>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            reopen_window: Duration::days(30),
            timer_max: Duration::hours(12),
            tasks_done_class: StatusClass::Closed,
            acknowledge_channels: vec![Channel::Email, Channel::WebForm, Channel::Portal, Channel::Sms],
        }
    }
}

impl Policy {
    /// Whether a new call on `channel` is acknowledged to its sender (before the customer's
    /// own switch and the automated-sender check).
    pub fn acknowledges(&self, channel: Channel) -> bool {
        self.acknowledge_channels.contains(&channel)
    }
}

/// A configured duration as the rules count time; one beyond chrono's range is "forever".
pub fn duration(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_default_a_ticket_reopens_within_thirty_days_and_a_stopwatch_runs_twelve_hours() {
        let policy = Policy::default();
        assert_eq!(policy.reopen_window, Duration::days(30));
        assert_eq!(policy.timer_max, Duration::hours(12));
        assert_eq!(policy.tasks_done_class, StatusClass::Closed);
    }

    #[test]
    fn calls_by_phone_are_not_acknowledged_by_default_but_emails_are() {
        let policy = Policy::default();
        assert!(policy.acknowledges(Channel::Email));
        assert!(!policy.acknowledges(Channel::Phone));
    }

    #[test]
    fn a_duration_too_long_to_count_is_forever() {
        assert_eq!(duration(std::time::Duration::from_secs(u64::MAX)), Duration::MAX);
        assert_eq!(duration(std::time::Duration::from_secs(60)), Duration::minutes(1));
    }
}
