//! `GET /reports/tickets`: tickets in and out, and the backlog.

use actix_web::get;
use chrono::NaiveDate;
use serde::Serialize;
use servdesk_domain::reports::Bucket;
use servdesk_persistence::reports::flow::Flow;
use utoipa::ToSchema;

use super::{ReportPeriod, Tabular, csv, report_route, rows_and_total};
use servdesk_documents::csv::Format;
use servdesk_usecases::reports::Report;

/// One bucket's ticket flow (or the whole period's).
#[derive(Serialize, ToSchema)]
pub struct FlowRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Tickets created in it (the list's `created_from`/`created_to`).
    pub opened: i64,
    /// Tickets whose closing (status class `closed`) falls in it, as they stand now.
    pub closed: i64,
    /// Tickets cancelled in it.
    pub cancelled: i64,
    /// Reopenings in it.
    pub reopened: i64,
    /// Tickets open (neither closed nor cancelled) at its end.
    pub backlog: i64,
}

impl FlowRow {
    fn of(bucket: Bucket, f: Flow) -> Self {
        Self {
            from: bucket.first_day,
            to: bucket.last_day,
            opened: f.opened,
            closed: f.closed,
            cancelled: f.cancelled,
            reopened: f.reopened,
            backlog: f.backlog,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct FlowReport {
    pub period: ReportPeriod,
    pub rows: Vec<FlowRow>,
    /// The period's sums, and the backlog at its end.
    pub total: FlowRow,
}

impl FlowReport {
    fn of(period: ReportPeriod, whole: Bucket, report: Report<Flow>) -> Self {
        Self { period, rows: report.rows.into_iter().map(|(b, f)| FlowRow::of(b, f)).collect(), total: FlowRow::of(whole, report.total) }
    }
}

impl Tabular for FlowReport {
    const NAME: &'static str = "tickets";

    fn period(&self) -> &ReportPeriod {
        &self.period
    }

    fn sheet(&self, format: Format) -> String {
        let rows = rows_and_total(&self.rows, std::slice::from_ref(&self.total), |r| (r.from, r.to));
        csv(format, &["opened", "closed", "cancelled", "reopened", "backlog"], rows, |f| {
            [f.opened, f.closed, f.cancelled, f.reopened, f.backlog].iter().map(i64::to_string).collect()
        })
    }
}

report_route! {
    /// Tickets opened, closed, cancelled and reopened per bucket, and the backlog at each
    /// bucket's end — counted as the ticket list filters, so both agree.
    flow,
    path: "/reports/tickets",
    id: "report_tickets",
    body: FlowReport,
    run: servdesk_usecases::reports::flow,
}
