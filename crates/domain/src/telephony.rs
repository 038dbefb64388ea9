//! Telephony: what a PBX reports of a phone call, and what the desk keeps of it. A customer
//! who called is a call of channel `phone` (waiting for triage like any other); one nobody
//! answered is a call to ring back. The desk's own outbound calls are not requests and are
//! not kept.

use chrono::{DateTime, Duration, Utc};

named_enum! {
    /// Who dialled.
    Direction {
        Inbound = "inbound",
        Outbound = "outbound",
    }
}

/// What the desk makes of a reported phone call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A customer called and was answered: a call to triage.
    Answered,
    /// A customer called and nobody answered: a call to ring back.
    CallBack,
    /// The desk called out: nothing to triage.
    NotKept,
}

pub fn disposition(direction: Direction, missed: bool) -> Disposition {
    match (direction, missed) {
        (Direction::Outbound, _) => Disposition::NotKept,
        (Direction::Inbound, true) => Disposition::CallBack,
        (Direction::Inbound, false) => Disposition::Answered,
    }
}

/// `3 min 20 s`, `45 s`, `1 h 2 min`.
pub fn spoken_duration(seconds: u32) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}

/// The subject of the call a phone call becomes.
pub fn subject(disposition: Disposition, caller: &str, duration_seconds: u32) -> String {
    match disposition {
        Disposition::CallBack => format!("Missed call from {caller}: call back"),
        _ => format!("Phone call from {caller} ({})", spoken_duration(duration_seconds)),
    }
}

/// A report is believable: it did not start in the future (a minute of clock drift aside)
/// and lasted less than a day.
pub fn plausible(started_at: DateTime<Utc>, duration_seconds: u32, now: DateTime<Utc>) -> bool {
    started_at <= now + Duration::minutes(1) && duration_seconds < 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_inbound_call_is_a_call_back_and_the_desks_own_calls_are_not_kept() {
        assert_eq!(disposition(Direction::Inbound, false), Disposition::Answered);
        assert_eq!(disposition(Direction::Inbound, true), Disposition::CallBack);
        assert_eq!(disposition(Direction::Outbound, false), Disposition::NotKept);
        assert_eq!(subject(Disposition::CallBack, "+38640111222", 0), "Missed call from +38640111222: call back");
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(spoken_duration(45), "45 s");
        assert_eq!(spoken_duration(200), "3 min 20 s");
        assert_eq!(spoken_duration(3720), "1 h 2 min");
        assert_eq!(subject(Disposition::Answered, "Ana", 200), "Phone call from Ana (3 min 20 s)");
    }

    #[test]
    fn a_call_from_the_future_or_longer_than_a_day_is_not_believed() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        assert!(plausible(now - Duration::minutes(5), 300, now));
        assert!(!plausible(now + Duration::minutes(5), 300, now));
        assert!(!plausible(now, 90_000, now));
    }
}
