//! Time worked on tickets and tasks: the stopwatch, manual entries, what an entry costs and
//! whether it is billable.
//!
//! Money is kept in minor units (cents) as integers; rates are per hour.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use crate::errors::{Code, DomainError, field};

named_enum! {
    /// How an entry came to be.
    EntrySource {
        Timer = "timer",
        Manual = "manual",
        Completion = "completion",
    }
}

/// A stretch of work by one person on a ticket (and optionally one of its tasks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeEntry {
    pub id: Uuid,
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The day the work counts for: the day it started.
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub note: Option<String>,
    pub billable: bool,
    /// The user's cost rate per hour when the entry was written.
    pub rate_minor: i64,
    pub cost_minor: i64,
    /// Longer than the stopwatch maximum: someone should look at it.
    pub needs_review: bool,
    pub source: EntrySource,
    pub created_by: Option<Uuid>,
    /// The finalized statement that billed it: from then on it stays as billed.
    pub billed_statement_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A billed entry is part of a finalized statement: correcting it means a credit note in
/// the ERP, not an edit here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlreadyBilled;

impl std::fmt::Display for AlreadyBilled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the entry is on a finalized statement; correct it with a credit note")
    }
}

impl crate::errors::DomainError for AlreadyBilled {
    fn code(&self) -> crate::errors::Code {
        crate::errors::code::ALREADY_BILLED
    }
}

impl TimeEntry {
    /// Whether the entry may still be changed or removed.
    pub fn check_changeable(&self) -> Result<(), AlreadyBilled> {
        if self.billed_statement_id.is_some() { Err(AlreadyBilled) } else { Ok(()) }
    }
}

/// A running stopwatch (at most one per user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timer {
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub started_at: DateTime<Utc>,
    pub note: Option<String>,
}

/// The labour cost of `minutes` at `rate_minor` per hour: `minutes × rate / 60`, rounded half
/// up to the minor unit (so 1 minute at 1.00/h is 0.02, and 1 minute at 0.30/h is 0.01).
pub fn cost_minor(minutes: i64, rate_minor: i64) -> i64 {
    let sixtieths = i128::from(minutes) * i128::from(rate_minor);
    // Half up for non-negative amounts; half away from zero for the negative ones (never
    // expected, but a correction entry must mirror the entry it corrects).
    let rounded = if sixtieths >= 0 { (sixtieths + 30) / 60 } else { (sixtieths - 30) / 60 };
    i64::try_from(rounded).unwrap_or(if rounded > 0 { i64::MAX } else { i64::MIN })
}

/// Whole minutes between two instants, a half minute or more counting as one.
pub fn minutes_between(start: DateTime<Utc>, end: DateTime<Utc>) -> i64 {
    ((end - start).num_seconds().max(0) + 30) / 60
}

/// Whether work is billed: not when the ticket is under warranty (billed at zero) or the
/// entry was marked non-billable.
pub fn is_billable(marked_billable: bool, under_warranty: bool) -> bool {
    marked_billable && !under_warranty
}

/// How far ahead of the server's clock a device's clock may run: a time up to this far in
/// the future is accepted as now-ish.
pub const CLOCK_SKEW: Duration = Duration::minutes(1);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimerRefused {
    #[error("a stopwatch cannot start in the future")]
    StartsInTheFuture,
    #[error("the stopwatch started after that")]
    EndsBeforeStart,
    #[error("time cannot be logged in the future")]
    EndsInTheFuture,
}

impl DomainError for TimerRefused {
    fn code(&self) -> Code {
        match self {
            Self::StartsInTheFuture | Self::EndsInTheFuture => field::IN_THE_FUTURE,
            Self::EndsBeforeStart => field::BEFORE_START,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            Self::StartsInTheFuture => "started_at",
            Self::EndsBeforeStart | Self::EndsInTheFuture => "ended_at",
        })
    }
}

/// A stopped stopwatch: the span it covered, flagged for review when it ran past the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stopped {
    pub span: Span,
    pub needs_review: bool,
}

impl Timer {
    /// A stopwatch may start now or earlier (a forgotten start), never later.
    pub fn check_start(started_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), TimerRefused> {
        if started_at > now + CLOCK_SKEW { Err(TimerRefused::StartsInTheFuture) } else { Ok(()) }
    }

    /// Stops the stopwatch at `end` (now when not given). The work happened: a stopwatch
    /// forgotten over night gives one entry across midnight, flagged when longer than `max`
    /// instead of refused.
    pub fn stop(&self, end: Option<DateTime<Utc>>, now: DateTime<Utc>, max: Duration) -> Result<Stopped, TimerRefused> {
        let end = match end {
            Some(end) if end <= self.started_at => return Err(TimerRefused::EndsBeforeStart),
            Some(end) if end > now + CLOCK_SKEW => return Err(TimerRefused::EndsInTheFuture),
            Some(end) => end,
            None => now,
        };
        let minutes = i32::try_from(minutes_between(self.started_at, end)).unwrap_or(i32::MAX);
        let span = Span { started_at: Some(self.started_at), ended_at: Some(end), work_date: self.started_at.date_naive(), minutes };
        Ok(Stopped { span, needs_review: needs_review(self.started_at, end, max) })
    }
}

impl Stopped {
    /// A stopwatch still running when its ticket was closed (at `closed_at`): the work on the
    /// ticket ended with it, so the entry ends there too, and a coordinator reviews it — a
    /// stopwatch left running on a closed ticket would otherwise write any length of time.
    pub fn until_closed(mut self, closed_at: DateTime<Utc>) -> Self {
        if let (Some(start), Some(end)) = (self.span.started_at, self.span.ended_at)
            && closed_at > start
            && closed_at < end
        {
            self.span.ended_at = Some(closed_at);
            self.span.minutes = i32::try_from(minutes_between(start, closed_at)).unwrap_or(i32::MAX);
        }
        self.needs_review = true;
        self
    }
}

/// Whether a stopwatch ran longer than the allowed maximum (forgotten, most likely).
pub fn needs_review(start: DateTime<Utc>, end: DateTime<Utc>, max: Duration) -> bool {
    end - start > max
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanRefused {
    #[error("the end must be after the start")]
    Inverted,
    #[error("an entry covers at most 24 hours")]
    TooLong,
    #[error("give either started_at and ended_at, or work_date and minutes")]
    Incomplete,
    #[error("minutes must be between 1 and 1440")]
    MinutesOutOfRange,
    #[error("time cannot be logged in the future")]
    InTheFuture,
    #[error("time more than a year back cannot be logged (a mistyped year?)")]
    TooOld,
}

/// How far back time may be logged: past a year the entry is a typo (`0026`, `2016`)
/// far more often than late paperwork, and months that far back are billed already.
pub const MAX_AGE_DAYS: i64 = 366;

impl DomainError for SpanRefused {
    fn code(&self) -> Code {
        match self {
            Self::Inverted => field::BEFORE_START,
            Self::TooLong => field::TOO_LONG,
            Self::Incomplete => field::INCOMPLETE_SPAN,
            Self::MinutesOutOfRange => field::OUT_OF_RANGE,
            Self::InTheFuture => field::IN_THE_FUTURE,
            Self::TooOld => field::TOO_OLD,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            Self::Inverted | Self::TooLong => "ended_at",
            Self::MinutesOutOfRange => "minutes",
            Self::Incomplete | Self::InTheFuture | Self::TooOld => "started_at",
        })
    }
}

/// When and how long: measured from a start and an end, or declared as minutes on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: NaiveDate,
    pub minutes: i32,
}

/// Checks a manual entry's times. Work is logged after it happened (a minute of clock skew
/// is forgiven); one entry spans at most a day.
pub fn span(
    started_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    work_date: Option<NaiveDate>,
    minutes: Option<i32>,
    now: DateTime<Utc>,
) -> Result<Span, SpanRefused> {
    let skew = Duration::minutes(1);
    match (started_at, ended_at, work_date, minutes) {
        (Some(start), Some(end), None, None) => {
            if end <= start {
                return Err(SpanRefused::Inverted);
            }
            if end - start > Duration::hours(24) {
                return Err(SpanRefused::TooLong);
            }
            if end > now + skew {
                return Err(SpanRefused::InTheFuture);
            }
            if start < now - Duration::days(MAX_AGE_DAYS) {
                return Err(SpanRefused::TooOld);
            }
            let minutes = i32::try_from(minutes_between(start, end)).unwrap_or(i32::MAX);
            Ok(Span { started_at: Some(start), ended_at: Some(end), work_date: start.date_naive(), minutes })
        }
        (None, None, Some(day), Some(minutes)) => {
            if !(1..=1440).contains(&minutes) {
                return Err(SpanRefused::MinutesOutOfRange);
            }
            if day > (now + skew).date_naive() {
                return Err(SpanRefused::InTheFuture);
            }
            if day < (now - Duration::days(MAX_AGE_DAYS)).date_naive() {
                return Err(SpanRefused::TooOld);
            }
            Ok(Span { started_at: None, ended_at: None, work_date: day, minutes })
        }
        _ => Err(SpanRefused::Incomplete),
    }
}

impl Span {
    /// The span a correction asks for: the fields it gives, completed from this span in the
    /// same form, so a new end keeps the start and new minutes keep the day. Fields of the
    /// other form replace the span's form (minutes on a measured entry make it declared);
    /// both forms at once are refused, as on a new entry.
    pub fn corrected(
        &self,
        started_at: Option<DateTime<Utc>>,
        ended_at: Option<DateTime<Utc>>,
        work_date: Option<NaiveDate>,
        minutes: Option<i32>,
        now: DateTime<Utc>,
    ) -> Result<Span, SpanRefused> {
        let measured = started_at.is_some() || ended_at.is_some();
        let declared = work_date.is_some() || minutes.is_some();
        match (measured, declared) {
            (true, false) => span(started_at.or(self.started_at), ended_at.or(self.ended_at), None, None, now),
            (false, true) => span(None, None, work_date.or(Some(self.work_date)), minutes.or(Some(self.minutes)), now),
            (false, false) => Ok(*self),
            (true, true) => span(started_at, ended_at, work_date, minutes, now),
        }
    }
}

/// Totals of a set of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub entries: i64,
    pub minutes: i64,
    pub cost_minor: i64,
    pub billable_minutes: i64,
    pub billable_cost_minor: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timer_started(at: DateTime<Utc>) -> Timer {
        Timer { user_id: Uuid::nil(), ticket_id: Uuid::nil(), task_id: None, started_at: at, note: None }
    }

    #[test]
    fn time_more_than_a_year_back_is_a_typo_and_refused() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(3000);
        let year_one = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
        assert_eq!(span(None, None, Some(year_one), Some(60), now), Err(SpanRefused::TooOld));
        let long_ago = now - Duration::days(400);
        assert_eq!(span(Some(long_ago), Some(long_ago + Duration::hours(1)), None, None, now), Err(SpanRefused::TooOld));
        assert!(span(None, None, Some((now - Duration::days(300)).date_naive()), Some(60), now).is_ok());
    }

    #[test]
    fn a_stopwatch_cannot_start_in_the_future_but_a_minute_of_clock_skew_is_now() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        assert_eq!(Timer::check_start(now + Duration::minutes(5), now), Err(TimerRefused::StartsInTheFuture));
        assert_eq!(Timer::check_start(now + Duration::seconds(30), now), Ok(()));
        assert_eq!(Timer::check_start(now - Duration::hours(3), now), Ok(()));
    }

    #[test]
    fn a_stopwatch_stopped_after_its_ticket_closed_ends_at_the_close_and_is_reviewed() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        let stopped = timer_started(now - Duration::hours(5)).stop(None, now, Duration::hours(12)).unwrap();
        let capped = stopped.until_closed(now - Duration::hours(4));
        assert_eq!((capped.span.minutes, capped.span.ended_at), (60, Some(now - Duration::hours(4))));
        assert!(capped.needs_review);
    }

    #[test]
    fn stopping_a_stopwatch_covers_the_time_since_it_started() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        let stopped = timer_started(now - Duration::minutes(90)).stop(None, now, Duration::hours(12)).unwrap();
        assert_eq!(stopped.span.minutes, 90);
        assert_eq!(stopped.span.ended_at, Some(now));
        assert!(!stopped.needs_review);
    }

    #[test]
    fn a_stopwatch_stopped_before_it_started_or_in_the_future_is_refused() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(1);
        let timer = timer_started(now - Duration::hours(1));
        assert_eq!(timer.stop(Some(now - Duration::hours(2)), now, Duration::hours(12)), Err(TimerRefused::EndsBeforeStart));
        assert_eq!(timer.stop(Some(now + Duration::hours(1)), now, Duration::hours(12)), Err(TimerRefused::EndsInTheFuture));
    }

    #[test]
    fn a_stopwatch_forgotten_past_the_limit_is_kept_and_flagged_for_review() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(2);
        let stopped = timer_started(now - Duration::hours(14)).stop(None, now, Duration::hours(12)).unwrap();
        assert_eq!(stopped.span.minutes, 14 * 60);
        assert!(stopped.needs_review);
    }
    use chrono::TimeZone;

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, s).single().unwrap_or_default()
    }

    #[test]
    fn cost_is_minutes_times_rate_over_sixty_rounded_half_up() {
        assert_eq!(cost_minor(60, 4500), 4500);
        assert_eq!(cost_minor(1, 4500), 75);
        // 1 × 30 / 60 = 0.5 -> 1; 1 × 29 / 60 = 0.483 -> 0; 1 × 90 / 60 = 1.5 -> 2.
        assert_eq!(cost_minor(1, 30), 1);
        assert_eq!(cost_minor(1, 29), 0);
        assert_eq!(cost_minor(1, 90), 2);
        // 7 × 1999 / 60 = 233.216 -> 233; 37 × 4250 / 60 = 2620.83 -> 2621.
        assert_eq!(cost_minor(7, 1999), 233);
        assert_eq!(cost_minor(37, 4250), 2621);
    }

    #[test]
    fn cost_of_no_time_or_no_rate_is_zero() {
        assert_eq!(cost_minor(0, 4500), 0);
        assert_eq!(cost_minor(90, 0), 0);
    }

    #[test]
    fn negative_cost_rounds_half_away_from_zero_mirroring_the_positive() {
        assert_eq!(cost_minor(-1, 30), -1);
        assert_eq!(cost_minor(-1, 29), 0);
    }

    #[test]
    fn huge_values_saturate_instead_of_overflowing() {
        assert_eq!(cost_minor(i64::MAX, i64::MAX), i64::MAX);
    }

    #[test]
    fn minutes_round_half_a_minute_up() {
        assert_eq!(minutes_between(at(10, 0, 0), at(10, 0, 29)), 0);
        assert_eq!(minutes_between(at(10, 0, 0), at(10, 0, 30)), 1);
        assert_eq!(minutes_between(at(10, 0, 0), at(11, 30, 0)), 90);
        assert_eq!(minutes_between(at(11, 0, 0), at(10, 0, 0)), 0);
    }

    #[test]
    fn warranty_or_a_non_billable_mark_makes_work_unbillable() {
        assert!(is_billable(true, false));
        assert!(!is_billable(true, true));
        assert!(!is_billable(false, false));
    }

    #[test]
    fn a_stopwatch_running_past_the_maximum_needs_review() {
        let max = Duration::hours(12);
        assert!(!needs_review(at(8, 0, 0), at(20, 0, 0), max));
        assert!(needs_review(at(8, 0, 0), at(20, 0, 1), max));
    }

    #[test]
    fn a_span_across_midnight_is_one_entry_counted_on_its_first_day() {
        let start = Utc.with_ymd_and_hms(2026, 11, 19, 23, 30, 0).single().unwrap_or_default();
        let s = span(Some(start), Some(at(0, 45, 0)), None, None, at(12, 0, 0));
        assert_eq!(s.map(|s| (s.minutes, s.work_date)), Ok((75, start.date_naive())));
    }

    #[test]
    fn a_correction_keeps_what_it_does_not_change_in_the_entry_s_form() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(3000);
        let start = now - Duration::hours(3);
        let measured = span(Some(start), Some(start + Duration::hours(1)), None, None, now).unwrap();
        let later = measured.corrected(None, Some(start + Duration::minutes(90)), None, None, now).unwrap();
        assert_eq!((later.started_at, later.minutes), (Some(start), 90));
        let declared = measured.corrected(None, None, None, Some(45), now).unwrap();
        assert_eq!((declared.started_at, declared.work_date, declared.minutes), (None, start.date_naive(), 45));
        let moved = declared.corrected(None, None, Some(start.date_naive() - Duration::days(1)), None, now).unwrap();
        assert_eq!(moved.minutes, 45);
        assert_eq!(declared.corrected(None, None, None, None, now), Ok(declared));
    }

    #[test]
    fn a_correction_giving_both_forms_or_half_a_span_on_a_declared_entry_is_refused() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(3000);
        let declared = span(None, None, Some(now.date_naive()), Some(30), now).unwrap();
        assert_eq!(declared.corrected(None, Some(now), None, None, now), Err(SpanRefused::Incomplete));
        assert_eq!(declared.corrected(Some(now - Duration::hours(1)), Some(now), None, Some(5), now), Err(SpanRefused::Incomplete));
        assert_eq!(declared.corrected(None, None, None, Some(0), now), Err(SpanRefused::MinutesOutOfRange));
    }

    #[test]
    fn a_span_needs_start_and_end_or_day_and_minutes() {
        let now = at(12, 0, 0);
        let day = now.date_naive();
        assert_eq!(span(Some(at(9, 0, 0)), None, None, None, now), Err(SpanRefused::Incomplete));
        assert_eq!(span(Some(at(9, 0, 0)), Some(at(10, 0, 0)), Some(day), Some(60), now), Err(SpanRefused::Incomplete));
        assert_eq!(span(None, None, Some(day), Some(45), now).map(|s| s.minutes), Ok(45));
    }

    #[test]
    fn inverted_overlong_future_or_empty_spans_are_refused() {
        let now = at(12, 0, 0);
        assert_eq!(span(Some(at(10, 0, 0)), Some(at(9, 0, 0)), None, None, now), Err(SpanRefused::Inverted));
        let long_ago = now - Duration::hours(30);
        assert_eq!(span(Some(long_ago), Some(now), None, None, now), Err(SpanRefused::TooLong));
        assert_eq!(span(Some(at(11, 0, 0)), Some(at(13, 0, 0)), None, None, now), Err(SpanRefused::InTheFuture));
        let tomorrow = now.date_naive().succ_opt().unwrap_or_default();
        assert_eq!(span(None, None, Some(tomorrow), Some(30), now), Err(SpanRefused::InTheFuture));
        assert_eq!(span(None, None, Some(now.date_naive()), Some(0), now), Err(SpanRefused::MinutesOutOfRange));
        assert_eq!(span(None, None, Some(now.date_naive()), Some(1441), now), Err(SpanRefused::MinutesOutOfRange));
    }
}
