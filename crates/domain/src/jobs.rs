//! Rules of the background job queue: when a failed job runs again and when it gives up.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for `run_at`.
    Queued,
    /// Claimed by a worker until `locked_until`; after that any worker may take it over.
    Running,
    Done,
    /// Gave up after `max_attempts`; kept visible until an admin retries it.
    Dead,
}

impl JobStatus {
    pub const ALL: &'static [JobStatus] = &[Self::Queued, Self::Running, Self::Done, Self::Dead];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Done => "done",
            Self::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "running" => Self::Running,
            "done" => Self::Done,
            "dead" => Self::Dead,
            _ => return None,
        })
    }
}

/// How long to wait before attempt `attempts + 1`, after `attempts` failures:
/// `base * 2^(attempts-1)`, capped, so a flapping SMTP server is not hammered.
pub fn backoff(attempts: u32, base: Duration, cap: Duration) -> Duration {
    let exponent = attempts.saturating_sub(1).min(30);
    let factor = 1_i32 << exponent;
    base.checked_mul(factor).map_or(cap, |d| d.min(cap))
}

/// What happens to a job after its handler failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    RetryAt(DateTime<Utc>),
    GiveUp,
}

pub fn after_failure(attempts: u32, max_attempts: u32, now: DateTime<Utc>, base: Duration, cap: Duration) -> AfterFailure {
    if attempts >= max_attempts { AfterFailure::GiveUp } else { AfterFailure::RetryAt(now + backoff(attempts, base, cap)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_each_failure() {
        let base = Duration::seconds(10);
        let cap = Duration::hours(1);
        assert_eq!(backoff(1, base, cap), Duration::seconds(10));
        assert_eq!(backoff(2, base, cap), Duration::seconds(20));
        assert_eq!(backoff(4, base, cap), Duration::seconds(80));
    }

    #[test]
    fn backoff_never_exceeds_the_cap_even_after_many_failures() {
        assert_eq!(backoff(60, Duration::seconds(10), Duration::hours(1)), Duration::hours(1));
    }

    #[test]
    fn a_job_gives_up_when_its_attempts_reach_the_maximum() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let base = Duration::seconds(1);
        assert_eq!(after_failure(5, 5, now, base, Duration::hours(1)), AfterFailure::GiveUp);
        assert_eq!(after_failure(2, 5, now, base, Duration::hours(1)), AfterFailure::RetryAt(now + Duration::seconds(2)));
    }

    #[test]
    fn every_status_round_trips_through_its_name() {
        for s in JobStatus::ALL {
            assert_eq!(JobStatus::parse(s.as_str()), Some(*s));
        }
    }
}
