//! The desk's reports (`/reports/...`): over a period (`period`, or `from` and `to`), by day,
//! week or month of a time zone, narrowed to a team, an agent, a customer, a channel or a
//! category; JSON for frontends and CSV for spreadsheets. Each row is a bucket; `total` is
//! the whole period, worked out over it (a median of the month is not a sum of days).

mod agents;
mod flow;
mod intake;
mod sla;
mod times;

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use servdesk_documents::csv::{Format, Writer};
use servdesk_domain::reports::Spread;
use servdesk_usecases::reports::{Asked, Request};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::conventions::export::{ExportParams, Representation, csv_download, representation};
use crate::conventions::periods::PeriodParams;
use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// `day` (the default), `week` (Monday to Sunday) or `month`.
    #[param(example = "week")]
    pub group_by: Option<String>,
    /// Where days begin: an IANA time zone; the installation's (`SERVDESK_TIME_ZONE`) when absent.
    #[param(example = "Europe/Ljubljana")]
    pub time_zone: Option<String>,
    /// Only tickets of this team.
    pub team_id: Option<Uuid>,
    /// Only tickets on this person's desk (the agents report: only this person's work).
    pub agent_id: Option<Uuid>,
    /// Only this customer's calls and tickets.
    pub customer_id: Option<Uuid>,
    /// Only calls and tickets that came by this channel.
    #[param(example = "email")]
    pub channel: Option<String>,
    /// Only tickets of this category.
    pub category_id: Option<Uuid>,
}

/// What a report covers, as worked out from the request.
#[derive(Serialize, ToSchema)]
pub struct ReportPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// `day`, `week` or `month`.
    pub group_by: String,
    pub time_zone: String,
}

/// Reads a report request: the period (at most `SERVDESK_REPORT_MAX_DAYS`), what is asked
/// and in which representation.
fn ask(
    state: &AppState,
    req: &HttpRequest,
    period: &PeriodParams,
    params: &ReportParams,
    export: &ExportParams,
) -> ApiResult<(Request, Representation, ReportPeriod)> {
    let days = period.span(state.config.report_max_days)?;
    let asked = Asked {
        group_by: params.group_by.as_deref(),
        time_zone: params.time_zone.as_deref(),
        team_id: params.team_id,
        agent_id: params.agent_id,
        customer_id: params.customer_id,
        channel: params.channel.as_deref(),
        category_id: params.category_id,
    };
    let request = Request::new(&state.desk, days, &asked)?;
    let representation = representation(req, &state.config, export, &["json", "csv"])?;
    let covered = ReportPeriod {
        from: days.first,
        to: days.last,
        group_by: request.grouping.as_str().to_owned(),
        time_zone: request.zone.name().to_owned(),
    };
    Ok((request, representation, covered))
}

/// A report as answered: JSON as it is, or a spreadsheet of its rows and total.
trait Tabular: Serialize {
    /// What its file is called (`tickets` → `tickets-2027-01-01-2027-01-31.csv`).
    const NAME: &'static str;

    fn period(&self) -> &ReportPeriod;

    fn sheet(&self, format: Format) -> String;
}

/// The report in the representation asked for.
fn answer<R: Tabular>(representation: Representation, report: R) -> HttpResponse {
    match representation {
        Representation::Csv(format) => {
            let period = report.period();
            csv_download(&format!("{}-{}-{}.csv", R::NAME, period.from, period.to), report.sheet(format))
        }
        _ => HttpResponse::Ok().json(report),
    }
}

/// A count with its median and 90th percentile, in minutes.
#[derive(Serialize, ToSchema, Clone, Copy)]
pub struct SpreadOut {
    pub count: u64,
    /// `null` when there is nothing to measure.
    pub median_minutes: Option<f64>,
    pub p90_minutes: Option<f64>,
}

impl From<Spread> for SpreadOut {
    fn from(s: Spread) -> Self {
        Self { count: s.count, median_minutes: s.median, p90_minutes: s.p90 }
    }
}

/// A figure as a spreadsheet cell, with the export's decimal mark.
fn number(v: Option<f64>, format: Format) -> String {
    v.map(|v| v.to_string().replace('.', &format.decimal_mark.to_string())).unwrap_or_default()
}

/// A row's first and last day.
type Days = (NaiveDate, NaiveDate);

/// The rows of a sheet: each bucket's (`bucket`), then the totals (`total`), with their days.
fn rows_and_total<'a, T>(rows: &'a [T], total: &'a [T], days: impl Fn(&T) -> Days + Copy) -> impl Iterator<Item = (&'a str, Days, &'a T)> {
    rows.iter().map(move |r| ("bucket", days(r), r)).chain(total.iter().map(move |r| ("total", days(r), r)))
}

/// A CSV download of a report: a header, then per row `row` (`bucket` or `total`), its first
/// and last day, and its figures.
fn csv<'a, T: 'a>(
    format: Format,
    columns: &[&str],
    rows: impl IntoIterator<Item = (&'a str, Days, &'a T)>,
    cells: impl Fn(&T) -> Vec<String>,
) -> String {
    let mut w = Writer::new(format.delimiter);
    let mut header = vec!["row", "from", "to"];
    header.extend_from_slice(columns);
    w.row(&header);
    for (kind, (first, last), figures) in rows {
        let mut row = vec![kind.to_owned(), first.to_string(), last.to_string()];
        row.extend(cells(figures));
        w.row(&row);
    }
    w.finish()
}

/// A report's route: `GET /reports/<name>` with the period, report and export parameters,
/// answered by the use case `run` as `body` (its `of`, see [`Tabular`]) — the same for all. The
/// module brings `actix_web::get` (the route attribute the OpenAPI derive reads by name).
macro_rules! report_route {
    ($(#[doc = $doc:literal])* $name:ident, path: $path:literal, id: $id:literal, body: $body:ty, run: $run:path $(,)?) => {
        $(#[doc = $doc])*
        #[utoipa::path(
            operation_id = $id,
            tag = crate::openapi::tags::REPORTS,
            params(crate::conventions::periods::PeriodParams, super::ReportParams, crate::conventions::export::ExportParams),
            responses(
                (status = 200, description = "the report", content(($body = "application/json"), (String = "text/csv"))),
                crate::openapi::ReportProblems
            ),
            security(("bearer" = []), ("api_key" = []))
        )]
        #[get($path)]
        pub async fn $name(
            _auth: crate::auth::Authorized<crate::auth::can::ReportsRead>,
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            period: actix_web::web::Query<crate::conventions::periods::PeriodParams>,
            params: actix_web::web::Query<super::ReportParams>,
            export: actix_web::web::Query<crate::conventions::export::ExportParams>,
        ) -> crate::error::ApiResult<actix_web::HttpResponse> {
            let (request, representation, covered) = super::ask(&state, &req, &period, &params, &export)?;
            let report = $run(&state.desk, &request).await?;
            Ok(super::answer(representation, <$body>::of(covered, request.whole(), report)))
        }
    };
}

use report_route;

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(intake::intake).service(flow::flow).service(times::times).service(agents::agents).service(sla::sla);
}
