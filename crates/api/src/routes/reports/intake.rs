//! `GET /reports/calls`: what came in and what became of it.

use actix_web::get;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;
use servdesk_domain::reports::Bucket;
use servdesk_persistence::reports::calls::Intake;
use utoipa::ToSchema;

use super::{ReportPeriod, Tabular, csv, report_route, rows_and_total};
use servdesk_documents::csv::Format;
use servdesk_usecases::reports::Report;

/// One bucket's intake (or the whole period's).
#[derive(Serialize, ToSchema)]
pub struct IntakeRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Calls received (by their arrival).
    pub received: i64,
    /// Of those: still waiting for triage, opened as a ticket, merged into one, dismissed.
    pub untriaged: i64,
    pub converted: i64,
    pub merged: i64,
    pub dismissed: i64,
    /// Dismissals by reason: `spam`, `duplicate`, `not_ours`, `mistake`.
    pub dismissed_by_reason: BTreeMap<String, i64>,
    /// Tickets opened (by their creation), from calls or directly.
    pub tickets_opened: i64,
    /// Of those, the ones that got tasks: requests that became work orders.
    pub tickets_with_tasks: i64,
}

impl IntakeRow {
    fn of(bucket: Bucket, i: Intake) -> Self {
        Self {
            from: bucket.first_day,
            to: bucket.last_day,
            received: i.received,
            untriaged: i.untriaged,
            converted: i.converted,
            merged: i.merged,
            dismissed: i.dismissed,
            dismissed_by_reason: i.dismissed_by_reason,
            tickets_opened: i.tickets_opened,
            tickets_with_tasks: i.tickets_with_tasks,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IntakeReport {
    pub period: ReportPeriod,
    pub rows: Vec<IntakeRow>,
    pub total: IntakeRow,
}

impl IntakeReport {
    fn of(period: ReportPeriod, whole: Bucket, report: Report<Intake>) -> Self {
        Self {
            period,
            rows: report.rows.into_iter().map(|(b, i)| IntakeRow::of(b, i)).collect(),
            total: IntakeRow::of(whole, report.total),
        }
    }
}

impl Tabular for IntakeReport {
    const NAME: &'static str = "calls";

    fn period(&self) -> &ReportPeriod {
        &self.period
    }

    fn sheet(&self, format: Format) -> String {
        let mut columns = vec!["received", "untriaged", "converted", "merged", "dismissed"];
        let reason_columns: Vec<String> = REASONS.iter().map(|r| format!("dismissed_{r}")).collect();
        columns.extend(reason_columns.iter().map(String::as_str));
        columns.extend(["tickets_opened", "tickets_with_tasks"]);
        csv(format, &columns, rows_and_total(&self.rows, std::slice::from_ref(&self.total), |r| (r.from, r.to)), |i| {
            let mut cells = vec![i.received, i.untriaged, i.converted, i.merged, i.dismissed];
            cells.extend(REASONS.iter().map(|r| i.dismissed_by_reason.get(*r).copied().unwrap_or(0)));
            cells.extend([i.tickets_opened, i.tickets_with_tasks]);
            cells.iter().map(i64::to_string).collect()
        })
    }
}

const REASONS: [&str; 4] = ["spam", "duplicate", "not_ours", "mistake"];

report_route! {
    /// Calls received per bucket and what triage made of them (dismissals by reason), and the
    /// tickets opened with how many got tasks. Calls have no team, agent or category: those
    /// filters narrow the ticket figures only.
    intake,
    path: "/reports/calls",
    id: "report_calls",
    body: IntakeReport,
    run: servdesk_usecases::reports::intake,
}
