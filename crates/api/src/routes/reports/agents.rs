//! `GET /reports/agents`: what each staff member did.

use actix_web::get;
use chrono::NaiveDate;
use serde::Serialize;
use servdesk_domain::reports::Bucket;
use servdesk_persistence::reports::agents::AgentWork;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ReportPeriod, Tabular, csv, report_route, rows_and_total};
use servdesk_documents::csv::Format;
use servdesk_usecases::reports::Breakdown;

/// One staff member's work in one bucket (or the whole period).
#[derive(Serialize, ToSchema)]
pub struct AgentRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub user_id: Uuid,
    pub name: String,
    /// Tickets they replied on, answered first, closed or logged time on.
    pub handled: i64,
    /// Public replies written.
    pub replies: i64,
    /// Tickets whose first response was theirs.
    pub first_responses: i64,
    /// Tickets they closed (as the tickets stand now).
    pub closed: i64,
    /// Minutes logged on days of it.
    pub minutes: i64,
}

impl AgentRow {
    fn of(bucket: Bucket, w: AgentWork) -> Self {
        Self {
            from: bucket.first_day,
            to: bucket.last_day,
            user_id: w.user_id,
            name: w.name,
            handled: w.handled,
            replies: w.replies,
            first_responses: w.first_responses,
            closed: w.closed,
            minutes: w.minutes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AgentsReport {
    pub period: ReportPeriod,
    /// Per bucket, each staff member with any work in it, by name.
    pub rows: Vec<AgentRow>,
    /// Per staff member over the whole period (tickets handled counted once).
    pub total: Vec<AgentRow>,
}

impl AgentsReport {
    fn of(period: ReportPeriod, whole: Bucket, report: Breakdown<AgentWork>) -> Self {
        let rows = report.rows.into_iter().flat_map(|(b, list)| list.into_iter().map(move |w| AgentRow::of(b, w))).collect();
        Self { period, rows, total: report.total.into_iter().map(|w| AgentRow::of(whole, w)).collect() }
    }
}

impl Tabular for AgentsReport {
    const NAME: &'static str = "agents";

    fn period(&self) -> &ReportPeriod {
        &self.period
    }

    fn sheet(&self, format: Format) -> String {
        let columns = ["user_id", "name", "handled", "replies", "first_responses", "closed", "minutes"];
        csv(format, &columns, rows_and_total(&self.rows, &self.total, |r| (r.from, r.to)), |r| {
            let mut cells = vec![r.user_id.to_string(), r.name.clone()];
            cells.extend([r.handled, r.replies, r.first_responses, r.closed, r.minutes].iter().map(i64::to_string));
            cells
        })
    }
}

report_route! {
    /// Per staff member and bucket: tickets handled, public replies, first responses, tickets
    /// closed and time logged. `agent_id` narrows it to one person; the other filters to their
    /// work on the tickets they select.
    agents,
    path: "/reports/agents",
    id: "report_agents",
    body: AgentsReport,
    run: servdesk_usecases::reports::agents,
}
