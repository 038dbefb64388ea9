//! `GET /reports/response-times`: how fast the desk answers and closes.

use actix_web::get;
use chrono::NaiveDate;
use serde::Serialize;
use servdesk_domain::reports::{Bucket, ClassSeconds, rounded};
use servdesk_persistence::reports::times::Times;
use utoipa::ToSchema;

use super::{ReportPeriod, SpreadOut, Tabular, csv, number, report_route, rows_and_total};
use servdesk_documents::csv::Format;
use servdesk_usecases::reports::Report;

/// Minutes per working status class.
#[derive(Serialize, ToSchema)]
pub struct ClassMinutes {
    pub new: f64,
    pub open: f64,
    pub pending: f64,
    pub resolved: f64,
}

/// One bucket's times (or the whole period's).
#[derive(Serialize, ToSchema)]
pub struct TimesRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Reported to first response (a public reply by staff, or the first move out of a
    /// `new` status; automatic messages never count), over the tickets first answered in it.
    pub first_response: SpreadOut,
    /// The same in business minutes of each ticket's SLA calendar (tickets with a policy).
    pub first_response_business: SpreadOut,
    /// Reported to closed, over the tickets closed in it (not cancelled ones).
    pub close: SpreadOut,
    pub close_business: SpreadOut,
    /// The tickets closed in it, and the minutes they spent in each status class on average.
    pub closed: i64,
    pub mean_minutes_in: ClassMinutes,
}

fn mean(seconds: i64, of: i64) -> f64 {
    if of == 0 { 0.0 } else { rounded(seconds as f64 / 60.0 / of as f64) }
}

impl TimesRow {
    fn of(bucket: Bucket, t: Times) -> Self {
        let ClassSeconds { new, open, pending, resolved } = t.seconds_in;
        Self {
            from: bucket.first_day,
            to: bucket.last_day,
            first_response: t.first_response.into(),
            first_response_business: t.first_response_business.into(),
            close: t.close.into(),
            close_business: t.close_business.into(),
            closed: t.closed,
            mean_minutes_in: ClassMinutes {
                new: mean(new, t.closed),
                open: mean(open, t.closed),
                pending: mean(pending, t.closed),
                resolved: mean(resolved, t.closed),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TimesReport {
    pub period: ReportPeriod,
    pub rows: Vec<TimesRow>,
    /// Over the whole period (medians of all its tickets).
    pub total: TimesRow,
}

impl TimesReport {
    fn of(period: ReportPeriod, whole: Bucket, report: Report<Times>) -> Self {
        Self { period, rows: report.rows.into_iter().map(|(b, t)| TimesRow::of(b, t)).collect(), total: TimesRow::of(whole, report.total) }
    }
}

impl Tabular for TimesReport {
    const NAME: &'static str = "response-times";

    fn period(&self) -> &ReportPeriod {
        &self.period
    }

    fn sheet(&self, format: Format) -> String {
        csv(format, &COLUMNS, rows_and_total(&self.rows, std::slice::from_ref(&self.total), |r| (r.from, r.to)), |r| {
            let mut cells = Vec::new();
            for s in [r.first_response, r.first_response_business, r.close, r.close_business] {
                cells.extend([s.count.to_string(), number(s.median_minutes, format), number(s.p90_minutes, format)]);
            }
            cells.push(r.closed.to_string());
            let m = &r.mean_minutes_in;
            cells.extend([m.new, m.open, m.pending, m.resolved].map(|v| number(Some(v), format)));
            cells
        })
    }
}

const COLUMNS: [&str; 17] = [
    "first_responses",
    "first_response_median_minutes",
    "first_response_p90_minutes",
    "first_responses_business",
    "first_response_median_business_minutes",
    "first_response_p90_business_minutes",
    "closes",
    "close_median_minutes",
    "close_p90_minutes",
    "closes_business",
    "close_median_business_minutes",
    "close_p90_business_minutes",
    "closed",
    "mean_minutes_new",
    "mean_minutes_open",
    "mean_minutes_pending",
    "mean_minutes_resolved",
];

report_route! {
    /// Time to first response and to close, median and 90th percentile, in calendar and
    /// business minutes; and the time the tickets closed spent in each status class.
    times,
    path: "/reports/response-times",
    id: "report_response_times",
    body: TimesReport,
    run: servdesk_usecases::reports::times,
}
