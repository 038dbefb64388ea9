//! Business time: the working hours of a calendar (a time zone, ranges per weekday, holidays)
//! and the clock arithmetic SLA targets need — business minutes between two instants, the
//! instant a number of business minutes after another, both around pauses.
//!
//! Everything is computed day by day in the calendar's own time zone, so "8 business hours"
//! means the same in Ljubljana and Milan, a DST change shortens or lengthens only the day it
//! falls on, and a holiday is a whole local day off.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
pub use chrono_tz::Tz;

/// Minutes of a day: `0..=1440` (1440 is the day's end, the next midnight).
pub type DayMinute = u16;

pub const DAY_END: DayMinute = 1440;

/// `HH:MM` (00:00–24:00) as minutes of a day.
pub fn parse_time_of_day(text: &str) -> Option<DayMinute> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let minute = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && minute <= DAY_END).then_some(minute)
}

/// Minutes of a day as `HH:MM`.
pub fn format_time_of_day(minute: DayMinute) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The time zone of an IANA name (`Europe/Ljubljana`).
pub fn time_zone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// A working range of a day, `[start, end)` in local minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: DayMinute,
    pub end: DayMinute,
}

impl Range {
    pub const fn new(start: DayMinute, end: DayMinute) -> Self {
        Self { start, end }
    }
}

/// A day off: once, or every year on the same month and day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub date: NaiveDate,
    pub yearly: bool,
    /// What it is, for people ("Christmas").
    pub name: Option<String>,
}

impl Holiday {
    fn falls_on(&self, date: NaiveDate) -> bool {
        if self.yearly { (self.date.month(), self.date.day()) == (date.month(), date.day()) } else { self.date == date }
    }
}

/// A business calendar.
#[derive(Debug, Clone, PartialEq)]
pub struct Calendar {
    pub time_zone: Tz,
    /// Working ranges per weekday, Monday first; sorted and apart (see [`check_week`]).
    pub week: [Vec<Range>; 7],
    pub holidays: Vec<Holiday>,
}

/// What is wrong with a calendar's week: the weekday (0 = Monday) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeekProblem {
    /// A range that ends before it starts, is empty, or runs past midnight.
    Backwards(usize),
    /// Two ranges of a day overlap (or touch: write them as one).
    Overlap(usize),
}

/// Checks a week's ranges: each within its day and forwards, none overlapping another of
/// its day.
pub fn check_week(week: &[Vec<Range>; 7]) -> Result<(), Vec<WeekProblem>> {
    let mut problems = Vec::new();
    for (day, ranges) in week.iter().enumerate() {
        if ranges.iter().any(|r| r.start >= r.end || r.end > DAY_END) {
            problems.push(WeekProblem::Backwards(day));
            continue;
        }
        let mut sorted = ranges.clone();
        sorted.sort_by_key(|r| r.start);
        if sorted.windows(2).any(|w| w[1].start <= w[0].end) {
            problems.push(WeekProblem::Overlap(day));
        }
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The instant a local wall-clock time of `date` is in `zone` (minute 1440 is the next
/// midnight). In the hour a DST change skips, the first instant after the gap; in the hour
/// it repeats, the first of the two.
pub fn local_instant(zone: Tz, date: NaiveDate, minute: DayMinute) -> DateTime<Utc> {
    if minute >= DAY_END {
        return local_instant(zone, date + Duration::days(1), 0);
    }
    let time = NaiveTime::from_hms_opt(u32::from(minute / 60), u32::from(minute % 60), 0).unwrap_or(NaiveTime::MIN);
    let mut local = date.and_time(time);
    // A gap is at most a few hours; walk forward a minute at a time out of it.
    for _ in 0..(24 * 60) {
        match zone.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(1),
        }
    }
    Utc.from_utc_datetime(&date.and_time(time))
}

/// A span of time `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Calendar {
    /// Every minute counts (a 24/7 desk), in UTC.
    pub fn always() -> Self {
        Self { time_zone: Tz::UTC, week: std::array::from_fn(|_| vec![Range::new(0, DAY_END)]), holidays: Vec::new() }
    }

    fn is_holiday(&self, date: NaiveDate) -> bool {
        self.holidays.iter().any(|h| h.falls_on(date))
    }

    fn instant(&self, date: NaiveDate, minute: DayMinute) -> DateTime<Utc> {
        local_instant(self.time_zone, date, minute)
    }

    /// The working spans of a local date, as instants (none on a holiday).
    fn spans_of(&self, date: NaiveDate) -> Vec<Span> {
        if self.is_holiday(date) {
            return Vec::new();
        }
        let weekday = date.weekday().num_days_from_monday() as usize;
        let mut ranges = self.week[weekday].clone();
        ranges.sort_by_key(|r| r.start);
        ranges.iter().map(|r| Span { from: self.instant(date, r.start), to: self.instant(date, r.end) }).filter(|s| s.to > s.from).collect()
    }

    fn local_date(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.time_zone).date_naive()
    }

    /// Whether any day of the week has working time (else nothing is ever due).
    pub fn has_working_time(&self) -> bool {
        self.week.iter().any(|day| !day.is_empty())
    }

    /// Business minutes in `[from, to)` (zero when `to` is not after `from`), counted in
    /// whole seconds and rounded down to minutes.
    pub fn minutes_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        self.seconds_between(from, to) / 60
    }

    fn seconds_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        if to <= from {
            return 0;
        }
        // A day's spans may start the local day before (a range past a DST change): begin a
        // day early.
        let mut date = self.local_date(from) - Duration::days(1);
        let last = self.local_date(to);
        let mut seconds = 0;
        while date <= last {
            for span in self.spans_of(date) {
                let (a, b) = (span.from.max(from), span.to.min(to));
                if b > a {
                    seconds += (b - a).num_seconds();
                }
            }
            date += Duration::days(1);
        }
        seconds
    }

    /// The earliest instant by which `minutes` business minutes have passed since `from`
    /// (`from` itself for zero; a range's end when it fills it exactly); `None` when the
    /// calendar has no working time within ten years.
    pub fn add_minutes(&self, from: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        self.add_seconds(from, minutes.max(0) * 60)
    }

    fn add_seconds(&self, from: DateTime<Utc>, seconds: i64) -> Option<DateTime<Utc>> {
        if seconds <= 0 {
            return Some(from);
        }
        if !self.has_working_time() {
            return None;
        }
        let mut remaining = Duration::seconds(seconds);
        let mut date = self.local_date(from) - Duration::days(1);
        let horizon = date + Duration::days(3660);
        while date <= horizon {
            for span in self.spans_of(date) {
                if span.to <= from {
                    continue;
                }
                let start = span.from.max(from);
                let available = span.to - start;
                if remaining <= available {
                    return Some(start + remaining);
                }
                remaining -= available;
            }
            date += Duration::days(1);
        }
        None
    }

    /// Business minutes in `[from, to)` outside `pauses` (sorted or not; they may overlap).
    pub fn minutes_outside(&self, from: DateTime<Utc>, to: DateTime<Utc>, pauses: &[Span]) -> i64 {
        let mut seconds = self.seconds_between(from, to);
        for pause in merged(pauses) {
            seconds -= self.seconds_between(pause.from.max(from), pause.to.min(to));
        }
        seconds.max(0) / 60
    }

    /// The instant a clock started at `start` reaches `minutes` business minutes, not counting
    /// `pauses`; `None` while it is paused (an open pause, `to` in the future of all else, is
    /// given as `still_paused_since`) or when the calendar never works.
    pub fn due(
        &self,
        start: DateTime<Utc>,
        minutes: i64,
        pauses: &[Span],
        still_paused_since: Option<DateTime<Utc>>,
    ) -> Option<DateTime<Utc>> {
        let mut remaining = minutes.max(0) * 60;
        let mut cursor = start;
        let mut pauses = merged(pauses);
        if let Some(since) = still_paused_since {
            pauses.push(Span { from: since, to: DateTime::<Utc>::MAX_UTC });
        }
        for pause in pauses.into_iter().filter(|p| p.to > start) {
            let before = self.seconds_between(cursor, pause.from);
            if before >= remaining {
                break;
            }
            remaining -= before;
            if pause.to == DateTime::<Utc>::MAX_UTC {
                return None;
            }
            cursor = cursor.max(pause.to);
        }
        // Seconds, not minutes: what is left after a pause may be part of a minute.
        self.add_seconds(cursor, remaining)
    }
}

/// Pauses sorted and merged where they overlap or touch.
fn merged(pauses: &[Span]) -> Vec<Span> {
    let mut sorted: Vec<Span> = pauses.iter().copied().filter(|p| p.to > p.from).collect();
    sorted.sort_by_key(|p| p.from);
    let mut out: Vec<Span> = Vec::with_capacity(sorted.len());
    for p in sorted {
        match out.last_mut() {
            Some(last) if p.from <= last.to => last.to = last.to.max(p.to),
            _ => out.push(p),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mon–Fri 8:00–12:00 and 13:00–17:00 in Ljubljana, Christmas every year, one Easter Monday.
    fn ljubljana() -> Calendar {
        let day = vec![Range::new(8 * 60, 12 * 60), Range::new(13 * 60, 17 * 60)];
        Calendar {
            time_zone: chrono_tz::Europe::Ljubljana,
            week: [day.clone(), day.clone(), day.clone(), day.clone(), day, Vec::new(), Vec::new()],
            holidays: vec![
                Holiday { date: NaiveDate::from_ymd_opt(2000, 12, 25).unwrap(), yearly: true, name: None },
                Holiday { date: NaiveDate::from_ymd_opt(2027, 3, 29).unwrap(), yearly: false, name: None },
            ],
        }
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn minutes_count_only_inside_working_hours_of_the_local_day() {
        let cal = ljubljana();
        // Wednesday 2027-01-13, 07:00–19:00 local (UTC+1): 8 business hours.
        assert_eq!(cal.minutes_between(at("2027-01-13T06:00:00Z"), at("2027-01-13T18:00:00Z")), 480);
        // 11:30–13:30 local: 30 before lunch, 30 after.
        assert_eq!(cal.minutes_between(at("2027-01-13T10:30:00Z"), at("2027-01-13T12:30:00Z")), 60);
        assert_eq!(cal.minutes_between(at("2027-01-13T12:30:00Z"), at("2027-01-13T10:30:00Z")), 0);
    }

    #[test]
    fn nights_weekends_and_holidays_do_not_count() {
        let cal = ljubljana();
        // Friday 16:00 to Monday 09:00 local: one hour Friday, one hour Monday.
        assert_eq!(cal.minutes_between(at("2027-01-15T15:00:00Z"), at("2027-01-18T08:00:00Z")), 120);
        // Christmas 2028 is a Monday: Friday 16:00 to Tuesday 09:00 local is still two hours.
        assert_eq!(cal.minutes_between(at("2028-12-22T15:00:00Z"), at("2028-12-26T08:00:00Z")), 120);
        // The one-off holiday counts only in its year.
        assert_eq!(cal.minutes_between(at("2027-03-29T06:00:00Z"), at("2027-03-29T17:00:00Z")), 0);
        assert_eq!(cal.minutes_between(at("2032-03-29T06:00:00Z"), at("2032-03-29T17:00:00Z")), 480);
    }

    #[test]
    fn adding_business_minutes_carries_over_lunch_nights_and_weekends() {
        let cal = ljubljana();
        // Friday 16:30 local + 8 h: 30 min Friday, 7.5 h Monday → Monday 16:30 local (15:30Z).
        assert_eq!(cal.add_minutes(at("2027-01-15T15:30:00Z"), 480), Some(at("2027-01-18T15:30:00Z")));
        // 11:45 local + 30 min → 13:15 local.
        assert_eq!(cal.add_minutes(at("2027-01-13T10:45:00Z"), 30), Some(at("2027-01-13T12:15:00Z")));
        // Saturday + 1 → Monday 08:01 local; + 0 is the instant itself.
        assert_eq!(cal.add_minutes(at("2027-01-16T10:00:00Z"), 1), Some(at("2027-01-18T07:01:00Z")));
        assert_eq!(cal.add_minutes(at("2027-01-16T10:00:00Z"), 0), Some(at("2027-01-16T10:00:00Z")));
        // Filling a range exactly ends at its end, not after lunch.
        assert_eq!(cal.add_minutes(at("2027-01-13T07:00:00Z"), 240), Some(at("2027-01-13T11:00:00Z")));
    }

    #[test]
    fn working_hours_follow_local_time_across_a_dst_change() {
        let cal = ljubljana();
        // Clocks go forward on Sunday 2027-03-28: Friday 08:00 is 07:00Z, Monday (a one-off
        // holiday) is skipped, Tuesday 08:00 is 06:00Z.
        assert_eq!(cal.add_minutes(at("2027-03-26T15:00:00Z"), 61), Some(at("2027-03-30T06:01:00Z")));
        assert_eq!(cal.minutes_between(at("2027-03-26T15:00:00Z"), at("2027-03-30T07:00:00Z")), 120);
        // A 24/7 desk in Ljubljana: the night of the change has 23 hours.
        let always = Calendar { time_zone: chrono_tz::Europe::Ljubljana, ..Calendar::always() };
        assert_eq!(always.minutes_between(at("2027-03-27T23:00:00Z"), at("2027-03-28T22:00:00Z")), 23 * 60);
        assert_eq!(always.add_minutes(at("2027-03-28T00:30:00Z"), 60), Some(at("2027-03-28T01:30:00Z")));
    }

    #[test]
    fn the_same_business_hours_are_the_same_span_in_ljubljana_and_milan() {
        let milan = Calendar { time_zone: chrono_tz::Europe::Rome, ..ljubljana() };
        let ljubljana = ljubljana();
        let start = at("2027-06-09T09:00:00Z");
        assert_eq!(ljubljana.add_minutes(start, 8 * 60), milan.add_minutes(start, 8 * 60));
        // New York opens six hours later by the clock.
        let new_york = Calendar { time_zone: chrono_tz::America::New_York, holidays: Vec::new(), ..ljubljana.clone() };
        assert_eq!(new_york.add_minutes(at("2027-06-09T06:00:00Z"), 1), Some(at("2027-06-09T12:01:00Z")));
    }

    #[test]
    fn a_pause_holds_the_clock_and_moves_the_due_time_by_the_business_time_it_took() {
        let cal = ljubljana();
        let start = at("2027-01-13T07:00:00Z"); // Wednesday 08:00 local
        let pauses = [Span { from: at("2027-01-13T08:00:00Z"), to: at("2027-01-14T08:00:00Z") }]; // 09:00 to Thursday 09:00
        // A 4 h target: 1 h before the pause, 3 h after it → Thursday 12:00 local.
        assert_eq!(cal.due(start, 240, &pauses, None), Some(at("2027-01-14T11:00:00Z")));
        assert_eq!(cal.minutes_outside(start, at("2027-01-14T11:00:00Z"), &pauses), 240);
        // Still paused: no due time.
        assert_eq!(cal.due(start, 240, &[], Some(at("2027-01-13T08:00:00Z"))), None);
        // A target reached before the pause began is not moved by it.
        assert_eq!(cal.due(start, 30, &pauses, None), Some(at("2027-01-13T07:30:00Z")));
    }

    #[test]
    fn overlapping_pauses_are_counted_once() {
        let cal = Calendar::always();
        let start = at("2027-01-13T00:00:00Z");
        let pauses = [
            Span { from: at("2027-01-13T01:00:00Z"), to: at("2027-01-13T03:00:00Z") },
            Span { from: at("2027-01-13T02:00:00Z"), to: at("2027-01-13T04:00:00Z") },
        ];
        assert_eq!(cal.minutes_outside(start, at("2027-01-13T05:00:00Z"), &pauses), 120);
        assert_eq!(cal.due(start, 120, &pauses, None), Some(at("2027-01-13T05:00:00Z")));
    }

    #[test]
    fn times_of_day_are_hh_mm_up_to_the_days_end_and_zones_are_iana_names() {
        assert_eq!(parse_time_of_day("08:30"), Some(510));
        assert_eq!(parse_time_of_day("24:00"), Some(DAY_END));
        for bad in ["24:01", "8:30", "08:60", "0830", "", "ab:cd"] {
            assert_eq!(parse_time_of_day(bad), None, "{bad}");
        }
        assert_eq!(format_time_of_day(510), "08:30");
        assert_eq!(time_zone("Europe/Ljubljana"), Some(chrono_tz::Europe::Ljubljana));
        assert_eq!(time_zone("Mars/Olympus"), None);
    }

    #[test]
    fn a_week_with_backwards_or_overlapping_ranges_is_refused() {
        let mut week: [Vec<Range>; 7] = Default::default();
        week[0] = vec![Range::new(8 * 60, 12 * 60), Range::new(11 * 60, 13 * 60)];
        week[2] = vec![Range::new(17 * 60, 9 * 60)];
        week[4] = vec![Range::new(0, DAY_END)];
        assert_eq!(check_week(&week), Err(vec![WeekProblem::Overlap(0), WeekProblem::Backwards(2)]));
        assert_eq!(check_week(&ljubljana().week), Ok(()));
    }

    #[test]
    fn a_calendar_without_working_time_never_falls_due() {
        let closed = Calendar { week: Default::default(), ..ljubljana() };
        assert_eq!(closed.add_minutes(at("2027-01-13T07:00:00Z"), 10), None);
        assert_eq!(closed.minutes_between(at("2027-01-13T07:00:00Z"), at("2027-02-13T07:00:00Z")), 0);
    }
}
