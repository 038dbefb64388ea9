//! The clock as the domain keeps time: timestamps truncated to what both databases store.

use chrono::{DateTime, SubsecRound, Utc};

/// Timestamps are kept to the microsecond: PostgreSQL's `timestamptz` resolution, so a value
/// read back compares equal to the one written on both databases.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn truncation_drops_nanoseconds_but_keeps_microseconds() {
        let t = Utc.timestamp_opt(1_700_000_000, 123_456_789).single().unwrap_or_default();
        assert_eq!(truncate(t).timestamp_subsec_nanos(), 123_456_000);
    }
}
