//! Reports: the period a report covers and its buckets (days, weeks or months of a time
//! zone), the statistics it gives (median and 90th percentile, as PostgreSQL's
//! `percentile_cont` computes them, so both databases give the same figure), and each
//! ticket's measures — time to first response and to close in calendar and business minutes,
//! time in each status class, the outcome of its SLA targets — kept up to date as the ticket
//! changes, so a report reads them instead of replaying timelines.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::billing::periods::Days;
use crate::business_time::{Calendar, DAY_END, local_instant};
use crate::dictionaries::StatusClass;
use crate::sla::{Clock, Target};

named_enum! {
    /// How a report's rows are bucketed.
    Grouping {
        Day = "day",
        /// ISO weeks, Monday first.
        Week = "week",
        Month = "month",
    }
}

/// The longest period a report covers unless the installation says otherwise.
pub const DEFAULT_MAX_DAYS: i64 = 366;

/// One row's stretch of a report: local days, both ends included, and the instants they run
/// between, `[from, until)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Bucket {
    fn of(first_day: NaiveDate, last_day: NaiveDate, zone: Tz) -> Self {
        // The end of the calendar's last day is its last instant (`succ_opt` has no next day).
        let until = match last_day.succ_opt() {
            Some(next) => local_instant(zone, next, 0),
            None => local_instant(zone, last_day, DAY_END - 1),
        };
        Self { first_day, last_day, from: local_instant(zone, first_day, 0), until }
    }

    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.from <= at && at < self.until
    }
}

/// The first day of the bucket `day` falls in.
fn bucket_start(day: NaiveDate, grouping: Grouping) -> NaiveDate {
    match grouping {
        Grouping::Day => day,
        Grouping::Week => day.checked_sub_days(chrono::Days::new(u64::from(day.weekday().num_days_from_monday()))).unwrap_or(day),
        Grouping::Month => day.with_day(1).unwrap_or(day),
    }
}

/// The first day of the next bucket (`None` past the calendar's end).
fn next_bucket_start(start: NaiveDate, grouping: Grouping) -> Option<NaiveDate> {
    match grouping {
        Grouping::Day => start.succ_opt(),
        Grouping::Week => start.checked_add_days(chrono::Days::new(7)),
        Grouping::Month => start.checked_add_months(Months::new(1)),
    }
}

/// The period's buckets in order: whole days, weeks or months of `zone`, the first and last
/// cut to the period (a week report from a Wednesday starts with Wednesday to Sunday).
pub fn buckets(period: Days, grouping: Grouping, zone: Tz) -> Vec<Bucket> {
    let mut out = Vec::new();
    let mut start = period.first;
    while start <= period.last {
        let next = next_bucket_start(bucket_start(start, grouping), grouping);
        let last = next.and_then(|n| n.pred_opt()).map_or(period.last, |l| l.min(period.last));
        out.push(Bucket::of(start, last, zone));
        match next {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

/// The whole period as one bucket (what a report's totals cover).
pub fn whole(period: Days, zone: Tz) -> Bucket {
    Bucket::of(period.first, period.last, zone)
}

/// The `p` percentile of `sorted` values (ascending), interpolating between the two nearest
/// as PostgreSQL's `percentile_cont` does; `None` for no values.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = p.clamp(0.0, 1.0) * last as f64;
    let below = position.floor();
    let (a, b) = (sorted[below as usize], sorted[position.ceil() as usize]);
    Some(a + (b - a) * (position - below))
}

/// Rounds a figure to two decimals (how reports show medians and shares).
pub fn rounded(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// How many values there were, and their median and 90th percentile.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Spread {
    pub count: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl Spread {
    /// The spread of `values` (sorted here).
    pub fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        Self::of_sorted(values.len() as u64, percentile(&values, 0.5), percentile(&values, 0.9))
    }

    /// A spread from figures the database worked out, rounded as [`Spread::of`] rounds.
    pub fn of_sorted(count: u64, median: Option<f64>, p90: Option<f64>) -> Self {
        Self { count, median: median.map(rounded), p90: p90.map(rounded) }
    }
}

/// `part` of `whole` as a percentage with two decimals; `None` of nothing.
pub fn share(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| rounded(part as f64 * 100.0 / whole as f64))
}

named_enum! {
    /// Where one SLA target of a ticket stands, as its measures keep it.
    TargetState {
        /// The clock runs (or holds while pending); past its due time it counts as missed.
        Running = "running",
        Met = "met",
        Missed = "missed",
    }
}

/// One target's outcome on a ticket; `state` is `None` when its policy does not measure it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcome {
    pub state: Option<TargetState>,
    /// When a running clock falls due (`None` while it holds).
    pub due_at: Option<DateTime<Utc>>,
}

impl Outcome {
    fn of(clock: Option<&Clock>) -> Self {
        match clock {
            None => Self::default(),
            Some(c) if c.met_at.is_some() => {
                Self { state: Some(if c.breached { TargetState::Missed } else { TargetState::Met }), due_at: None }
            }
            Some(c) if c.breached => Self { state: Some(TargetState::Missed), due_at: c.due_at },
            Some(c) => Self { state: Some(TargetState::Running), due_at: c.due_at },
        }
    }

    /// The state at `now`: a running clock past its due time is missed.
    pub fn at(&self, now: DateTime<Utc>) -> Option<TargetState> {
        match self.state {
            Some(TargetState::Running) if self.due_at.is_some_and(|d| d <= now) => Some(TargetState::Missed),
            other => other,
        }
    }
}

/// Seconds a ticket spent in each working status class (closed and cancelled end its life).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassSeconds {
    pub new: i64,
    pub open: i64,
    pub pending: i64,
    pub resolved: i64,
}

impl ClassSeconds {
    fn add(&mut self, class: StatusClass, seconds: i64) {
        let slot = match class {
            StatusClass::New => &mut self.new,
            StatusClass::Open => &mut self.open,
            StatusClass::Pending => &mut self.pending,
            StatusClass::Resolved => &mut self.resolved,
            StatusClass::Closed | StatusClass::Cancelled => return,
        };
        *slot += seconds.max(0);
    }
}

/// What a ticket's life measures, kept beside it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measures {
    /// The status class it was last seen in, and since when.
    pub class: Option<StatusClass>,
    pub class_since: Option<DateTime<Utc>>,
    pub seconds_in: ClassSeconds,
    pub first_response_at: Option<DateTime<Utc>>,
    /// The staff member whose action was the first response.
    pub first_response_by: Option<Uuid>,
    /// Reported to first response, in calendar minutes and in business minutes of its
    /// policy's calendar (none without a policy).
    pub first_response_minutes: Option<i64>,
    pub first_response_business_minutes: Option<i64>,
    /// When it was closed or cancelled (cleared when it is reopened), and by whom.
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<Uuid>,
    /// Reported to closed (a cancelled ticket has none).
    pub close_minutes: Option<i64>,
    pub close_business_minutes: Option<i64>,
    pub reopens: i32,
    pub first_response: Outcome,
    pub resolution: Outcome,
    /// The customer's reply waiting for an answer now.
    pub next_response: Outcome,
    /// Replies answered in time and late.
    pub next_responses_met: i32,
    pub next_responses_missed: i32,
}

/// The ticket as it is after an event, what [`Measures::observe`] learns from.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    pub reported_at: DateTime<Utc>,
    pub class: StatusClass,
    pub first_response_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The staff member who acted (none for the system, an API key or a customer).
    pub by: Option<Uuid>,
    pub reopened: bool,
    /// The calendar of its SLA policy (business minutes are measured on it).
    pub calendar: Option<&'a Calendar>,
    pub now: DateTime<Utc>,
}

fn minutes(from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
    (to - from).num_seconds().max(0) / 60
}

impl Measures {
    /// Takes in the ticket's state after an event at `now`.
    pub fn observe(&mut self, o: &Observed) {
        if self.class != Some(o.class) {
            if let (Some(class), Some(since)) = (self.class, self.class_since) {
                self.seconds_in.add(class, (o.now - since).num_seconds());
            }
            self.class = Some(o.class);
            self.class_since = Some(o.now);
        }
        if let (None, Some(at)) = (self.first_response_at, o.first_response_at) {
            self.first_response_at = Some(at);
            self.first_response_by = o.by;
            self.first_response_minutes = Some(minutes(o.reported_at, at));
            self.first_response_business_minutes = o.calendar.map(|c| c.minutes_between(o.reported_at, at));
        }
        if o.reopened {
            self.reopens += 1;
        }
        if self.closed_at != o.closed_at {
            self.closed_at = o.closed_at;
            self.closed_by = o.closed_at.and(o.by);
            let closed = o.closed_at.filter(|_| o.class == StatusClass::Closed);
            self.close_minutes = closed.map(|at| minutes(o.reported_at, at));
            self.close_business_minutes = closed.and_then(|at| o.calendar.map(|c| c.minutes_between(o.reported_at, at)));
        }
    }

    /// Takes in the ticket's SLA clocks after an event. `answered` is the next-response
    /// clock of the customer's reply the event answered, run to the answer.
    pub fn observe_clocks(&mut self, clocks: &[Clock], answered: Option<&Clock>) {
        let of = |target: Target| clocks.iter().find(|c| c.target == target);
        self.first_response = Outcome::of(of(Target::FirstResponse));
        self.resolution = Outcome::of(of(Target::Resolution));
        self.next_response = Outcome::of(of(Target::NextResponse));
        if let Some(answered) = answered {
            if answered.breached {
                self.next_responses_missed += 1;
            } else {
                self.next_responses_met += 1;
            }
        }
    }

    /// Forgets the SLA outcomes (the ticket has no policy any more).
    pub fn clear_clocks(&mut self) {
        self.first_response = Outcome::default();
        self.resolution = Outcome::default();
        self.next_response = Outcome::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_time::Range;
    use chrono::Duration;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn days(first: &str, last: &str) -> Days {
        Days::new(day(first), day(last)).unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_the_first_and_last_are_cut_to_the_period() {
        let period = days("2027-01-06", "2027-01-20");
        let weeks = buckets(period, Grouping::Week, chrono_tz::UTC);
        let days: Vec<_> = weeks.iter().map(|b| (b.first_day, b.last_day)).collect();
        assert_eq!(
            days,
            vec![(day("2027-01-06"), day("2027-01-10")), (day("2027-01-11"), day("2027-01-17")), (day("2027-01-18"), day("2027-01-20"))]
        );
    }

    #[test]
    fn months_are_calendar_months_and_days_follow_local_midnight_across_dst() {
        let period = days("2027-01-15", "2027-03-31");
        let months = buckets(period, Grouping::Month, chrono_tz::Europe::Ljubljana);
        assert_eq!(months.len(), 3);
        assert_eq!(months[1].first_day, day("2027-02-01"));
        assert_eq!(months[1].from, at("2027-01-31T23:00:00Z"));
        // The clocks go forward on 28 March: that day has 23 hours, and April begins at 22:00 UTC.
        let days = buckets(days("2027-03-28", "2027-03-28"), Grouping::Day, chrono_tz::Europe::Ljubljana);
        assert_eq!(days[0].until - days[0].from, Duration::hours(23));
        assert_eq!(months[2].until, at("2027-03-31T22:00:00Z"));
    }

    #[test]
    fn the_whole_period_is_one_bucket_from_its_first_local_midnight_to_the_last() {
        let period = days("2027-01-01", "2027-01-31");
        let all = whole(period, chrono_tz::Europe::Rome);
        assert_eq!((all.from, all.until), (at("2026-12-31T23:00:00Z"), at("2027-01-31T23:00:00Z")));
        assert!(all.contains(at("2027-01-31T22:59:59Z")) && !all.contains(at("2027-01-31T23:00:00Z")));
    }

    #[test]
    fn a_period_at_the_ends_of_the_calendar_is_bucketed_without_overflowing() {
        let last = Days::new(NaiveDate::MAX - Duration::days(40), NaiveDate::MAX).unwrap();
        for grouping in Grouping::ALL {
            let all = buckets(last, *grouping, chrono_tz::UTC);
            assert_eq!(all.last().map(|b| b.last_day), Some(NaiveDate::MAX), "{grouping}");
            assert!(all.iter().all(|b| b.from < b.until));
        }
        let first = Days::new(NaiveDate::MIN, NaiveDate::MIN + Duration::days(3)).unwrap();
        assert_eq!(buckets(first, Grouping::Week, chrono_tz::UTC)[0].first_day, NaiveDate::MIN);
    }

    #[test]
    fn percentiles_interpolate_between_neighbours_as_percentile_cont_does() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7.0], 0.9), Some(7.0));
        assert_eq!(percentile(&[10.0, 20.0, 30.0, 40.0], 0.5), Some(25.0));
        // 0.9 × 3 = 2.7: seven tenths of the way from 30 to 40.
        assert_eq!(rounded(percentile(&[10.0, 20.0, 30.0, 40.0], 0.9).unwrap()), 37.0);
        let s = Spread::of(vec![40.0, 10.0, 30.0, 20.0, 1000.0]);
        assert_eq!((s.count, s.median, s.p90), (5, Some(30.0), Some(616.0)));
    }

    #[test]
    fn a_share_of_nothing_is_no_figure() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(2, 3), Some(66.67));
    }

    fn office() -> Calendar {
        let nine_to_five = vec![Range::new(9 * 60, 17 * 60)];
        Calendar {
            time_zone: chrono_tz::UTC,
            week: [nine_to_five.clone(), nine_to_five.clone(), nine_to_five.clone(), nine_to_five.clone(), nine_to_five, vec![], vec![]],
            holidays: Vec::new(),
        }
    }

    fn observed(class: StatusClass, now: &str) -> Observed<'static> {
        Observed {
            reported_at: at("2027-01-15T16:00:00Z"),
            class,
            first_response_at: None,
            closed_at: None,
            by: None,
            reopened: false,
            calendar: None,
            now: at(now),
        }
    }

    #[test]
    fn time_in_each_class_adds_up_from_one_move_to_the_next() {
        let mut m = Measures::default();
        m.observe(&observed(StatusClass::New, "2027-01-15T16:00:00Z"));
        m.observe(&observed(StatusClass::Open, "2027-01-15T16:30:00Z"));
        m.observe(&observed(StatusClass::Pending, "2027-01-15T17:00:00Z"));
        m.observe(&observed(StatusClass::Open, "2027-01-15T19:00:00Z"));
        m.observe(&observed(StatusClass::Open, "2027-01-15T19:30:00Z"));
        m.observe(&observed(StatusClass::Resolved, "2027-01-15T20:00:00Z"));
        assert_eq!(m.seconds_in, ClassSeconds { new: 1800, open: 5400, pending: 7200, resolved: 0 });
        assert_eq!(m.class_since, Some(at("2027-01-15T20:00:00Z")));
    }

    #[test]
    fn the_first_response_is_measured_once_in_calendar_and_business_minutes_and_credited_to_who_gave_it() {
        let calendar = office();
        let agent = Uuid::now_v7();
        let mut m = Measures::default();
        // Reported Friday 16:00, answered Monday 09:30: 65.5 hours, 90 business minutes.
        let answer = Observed {
            first_response_at: Some(at("2027-01-18T09:30:00Z")),
            by: Some(agent),
            calendar: Some(&calendar),
            ..observed(StatusClass::Open, "2027-01-18T09:30:00Z")
        };
        m.observe(&answer);
        assert_eq!((m.first_response_minutes, m.first_response_business_minutes), (Some(3930), Some(90)));
        assert_eq!(m.first_response_by, Some(agent));
        m.observe(&Observed { by: Some(Uuid::now_v7()), first_response_at: Some(at("2027-01-19T09:00:00Z")), ..answer });
        assert_eq!(m.first_response_by, Some(agent));
    }

    #[test]
    fn closing_measures_the_time_to_close_and_reopening_clears_it() {
        let who = Uuid::now_v7();
        let mut m = Measures::default();
        let closed = Observed {
            closed_at: Some(at("2027-01-16T16:00:00Z")),
            by: Some(who),
            ..observed(StatusClass::Closed, "2027-01-16T16:00:00Z")
        };
        m.observe(&closed);
        assert_eq!((m.close_minutes, m.closed_by, m.close_business_minutes), (Some(1440), Some(who), None));
        m.observe(&Observed { reopened: true, ..observed(StatusClass::Open, "2027-01-17T10:00:00Z") });
        assert_eq!((m.close_minutes, m.closed_at, m.reopens), (None, None, 1));
        let cancelled =
            Observed { closed_at: Some(at("2027-01-18T10:00:00Z")), ..observed(StatusClass::Cancelled, "2027-01-18T10:00:00Z") };
        m.observe(&cancelled);
        assert_eq!((m.closed_at, m.close_minutes), (Some(at("2027-01-18T10:00:00Z")), None));
    }

    fn clock(target: Target, due: &str, met: Option<&str>, breached: bool) -> Clock {
        Clock { target, target_minutes: 60, due_at: Some(at(due)), warn_at: None, met_at: met.map(at), elapsed_minutes: 0, breached }
    }

    #[test]
    fn a_running_target_counts_as_missed_once_past_its_due_time() {
        let mut m = Measures::default();
        m.observe_clocks(&[clock(Target::Resolution, "2027-01-15T12:00:00Z", None, false)], None);
        assert_eq!(m.resolution.at(at("2027-01-15T11:59:00Z")), Some(TargetState::Running));
        assert_eq!(m.resolution.at(at("2027-01-15T12:00:00Z")), Some(TargetState::Missed));
        assert_eq!(m.first_response.at(at("2027-01-15T12:00:00Z")), None);
    }

    #[test]
    fn targets_met_late_are_missed_and_each_answered_reply_is_counted() {
        let mut m = Measures::default();
        let late = clock(Target::FirstResponse, "2027-01-15T10:00:00Z", Some("2027-01-15T11:00:00Z"), true);
        let in_time = clock(Target::NextResponse, "2027-01-15T13:00:00Z", None, false);
        m.observe_clocks(&[late], Some(&in_time));
        m.observe_clocks(&[late], Some(&Clock { breached: true, ..in_time }));
        assert_eq!(m.first_response.at(at("2027-01-15T11:00:00Z")), Some(TargetState::Missed));
        assert_eq!((m.next_responses_met, m.next_responses_missed), (1, 1));
    }
}
