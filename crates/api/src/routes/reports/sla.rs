//! `GET /reports/sla`: how the tickets fared against their SLA policies.

use actix_web::get;
use chrono::NaiveDate;
use serde::Serialize;
use servdesk_domain::reports::{Bucket, share};
use servdesk_persistence::reports::sla::Compliance;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{ReportPeriod, Tabular, csv, number, report_route, rows_and_total};
use servdesk_documents::csv::Format;
use servdesk_usecases::reports::Breakdown;

/// One target of one policy in one bucket (or the whole period).
#[derive(Serialize, ToSchema)]
pub struct SlaRow {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub policy_id: Uuid,
    pub policy_name: Option<String>,
    /// Tickets opened in it under the policy.
    pub tickets: i64,
    /// `first_response`, `next_response` (each customer reply answered, and the one waiting
    /// now) or `resolution`.
    pub target: String,
    pub met: i64,
    /// Met late, or running past the due time.
    pub missed: i64,
    /// Running and not yet due (or holding while pending).
    pub running: i64,
    /// Met of met and missed, in percent; `null` when none is decided yet.
    pub compliance_percent: Option<f64>,
}

fn rows_of(bucket: Bucket, c: Compliance) -> impl Iterator<Item = SlaRow> {
    c.targets.into_iter().map(move |(target, tally)| SlaRow {
        from: bucket.first_day,
        to: bucket.last_day,
        policy_id: c.policy_id,
        policy_name: c.policy_name.clone(),
        tickets: c.tickets,
        target: target.as_str().to_owned(),
        met: tally.met,
        missed: tally.missed,
        running: tally.running,
        compliance_percent: share(u64::try_from(tally.met).unwrap_or(0), u64::try_from(tally.met + tally.missed).unwrap_or(0)),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SlaReport {
    pub period: ReportPeriod,
    /// Per bucket, policy and measured target.
    pub rows: Vec<SlaRow>,
    /// Per policy and target over the whole period.
    pub total: Vec<SlaRow>,
}

impl SlaReport {
    fn of(period: ReportPeriod, whole: Bucket, report: Breakdown<Compliance>) -> Self {
        let rows = report.rows.into_iter().flat_map(|(b, list)| list.into_iter().flat_map(move |c| rows_of(b, c))).collect();
        Self { period, rows, total: report.total.into_iter().flat_map(|c| rows_of(whole, c)).collect() }
    }
}

impl Tabular for SlaReport {
    const NAME: &'static str = "sla";

    fn period(&self) -> &ReportPeriod {
        &self.period
    }

    fn sheet(&self, format: Format) -> String {
        let columns = ["policy_id", "policy_name", "tickets", "target", "met", "missed", "running", "compliance_percent"];
        csv(format, &columns, rows_and_total(&self.rows, &self.total, |r| (r.from, r.to)), |r| {
            vec![
                r.policy_id.to_string(),
                r.policy_name.clone().unwrap_or_default(),
                r.tickets.to_string(),
                r.target.clone(),
                r.met.to_string(),
                r.missed.to_string(),
                r.running.to_string(),
                number(r.compliance_percent, format),
            ]
        })
    }
}

report_route! {
    /// SLA compliance of the tickets opened in each bucket, per policy and target, as of now: a
    /// running clock past its due time counts as missed.
    sla,
    path: "/reports/sla",
    id: "report_sla",
    body: SlaReport,
    run: servdesk_usecases::reports::sla,
}
