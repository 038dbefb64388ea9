//! iCalendar (RFC 5545) feeds of planned tasks, for calendar apps that subscribe to a URL.
//!
//! Written by hand: the subset used (VCALENDAR with VEVENTs in UTC) is small, and the rules
//! that trip writers up — CRLF line ends, folding at 75 octets without splitting a UTF-8
//! character, escaping of `\`, `;`, `,` and newlines — are pinned down by the tests below.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

/// One planned task as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub task_id: Uuid,
    /// Bumped on every change of the task, so calendar apps pick the change up.
    pub sequence: i64,
    pub start: DateTime<Utc>,
    /// Open-ended plans last an hour on the calendar.
    pub end: Option<DateTime<Utc>>,
    pub summary: String,
    pub description: Option<String>,
    pub location: Option<String>,
    pub cancelled: bool,
    pub updated_at: DateTime<Utc>,
}

/// How long an event without a planned end lasts on the calendar.
pub const DEFAULT_LENGTH: Duration = Duration::hours(1);

fn stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value (RFC 5545 3.3.11).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets (continuations start with a space) and ends it in CRLF.
pub fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The feed: a calendar named `name` with one event per planned task. `host` makes event
/// UIDs globally unique (`task-<id>@host`).
pub fn feed(name: &str, host: &str, events: &[Event], now: DateTime<Utc>) -> String {
    let mut out = String::new();
    let mut line = |s: &str| fold(s, &mut out);
    line("BEGIN:VCALENDAR");
    line("VERSION:2.0");
    line("PRODID:-//Servdesk//Planner//EN");
    line("CALSCALE:GREGORIAN");
    line("METHOD:PUBLISH");
    line(&format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT");
        line(&format!("UID:task-{}@{}", e.task_id, host));
        line(&format!("DTSTAMP:{}", stamp(now)));
        line(&format!("LAST-MODIFIED:{}", stamp(e.updated_at)));
        line(&format!("SEQUENCE:{}", e.sequence.max(0)));
        line(&format!("DTSTART:{}", stamp(e.start)));
        let end = e.end.filter(|end| *end > e.start).unwrap_or(e.start + DEFAULT_LENGTH);
        line(&format!("DTEND:{}", stamp(end)));
        line(&format!("SUMMARY:{}", escape(&e.summary)));
        if let Some(d) = &e.description {
            line(&format!("DESCRIPTION:{}", escape(d)));
        }
        if let Some(l) = &e.location {
            line(&format!("LOCATION:{}", escape(l)));
        }
        line(if e.cancelled { "STATUS:CANCELLED" } else { "STATUS:CONFIRMED" });
        line("END:VEVENT");
    }
    line("END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn text_values_escape_backslashes_separators_and_newlines() {
        assert_eq!(escape("a\\b;c,d\r\ne"), "a\\\\b\\;c\\,d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_a_character() {
        let mut out = String::new();
        let text = format!("SUMMARY:{}", "ł".repeat(60));
        fold(&text, &mut out);
        for physical in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(physical.len() <= 75, "{} octets", physical.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{text}\r\n"));
    }

    #[test]
    fn every_line_ends_in_crlf_and_an_open_plan_lasts_an_hour() {
        let event = Event {
            task_id: Uuid::nil(),
            sequence: 3,
            start: at(8),
            end: None,
            summary: "T-2026-000001/1 Replace sensor".into(),
            description: None,
            location: Some("Ulica 1, Zagreb".into()),
            cancelled: false,
            updated_at: at(7),
        };
        let ics = feed("Ana's tasks", "servdesk.example", &[event], at(9));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'));
        assert!(ics.contains("DTSTART:20261124T080000Z\r\nDTEND:20261124T090000Z\r\n"));
        assert!(ics.contains("LOCATION:Ulica 1\\, Zagreb\r\n"));
        assert!(ics.contains("SEQUENCE:3\r\n"));
    }
}
