//! Timestamps on the wire: RFC 3339 in UTC (`2026-11-23T07:41:11.123456Z`), exactly as
//! chrono's own `Serialize` writes them, but formatted once and handed to the serializer as
//! one string. chrono's implementation feeds serde_json a few characters at a time, each
//! piece escaped on its own; on a page of tickets (six timestamps each) that was a tenth of
//! the server's CPU. Hot responses use these with `#[serde(serialize_with = …)]`.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

pub fn rfc3339<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

pub fn rfc3339_opt<S: Serializer>(at: &Option<DateTime<Utc>>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => rfc3339(at, serializer),
        None => serializer.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Fast(#[serde(serialize_with = "rfc3339")] DateTime<Utc>);

    #[derive(Serialize)]
    struct FastOpt(#[serde(serialize_with = "rfc3339_opt")] Option<DateTime<Utc>>);

    #[test]
    fn timestamps_are_written_exactly_as_chrono_writes_them() {
        let base = Utc.with_ymd_and_hms(2026, 11, 23, 7, 41, 11).single().expect("a valid time");
        for nanos in [0, 120_000_000, 123_456_000, 123_456_789, 1_000, 999_999_999] {
            let at = base + chrono::Duration::nanoseconds(nanos);
            let chrono_json = serde_json::to_string(&at).expect("serializes");
            assert_eq!(serde_json::to_string(&Fast(at)).expect("serializes"), chrono_json, "{nanos} ns");
            assert_eq!(serde_json::to_string(&FastOpt(Some(at))).expect("serializes"), chrono_json);
        }
        assert_eq!(serde_json::to_string(&FastOpt(None)).expect("serializes"), "null");
    }
}
