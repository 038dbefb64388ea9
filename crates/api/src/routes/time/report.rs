//! Effective time per customer over any period, grouped by customer and optionally by user
//! and category: JSON, or CSV for a spreadsheet.

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use servdesk_documents::csv::Writer;
use servdesk_domain::billing::money::decimal;
use servdesk_domain::errors::code;
use servdesk_persistence::billing::effective_time::{self as store, EffectiveTime, Grouping};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::conventions::export::{ExportParams, Representation, attachment, representation};
use crate::conventions::periods::PeriodParams;
use crate::dto::pay;
use crate::error::{ApiError, ApiResult};
use crate::openapi::tags;
use crate::state::AppState;

/// The longest span one report covers.
const MAX_REPORT_DAYS: i64 = 3 * 366;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EffectiveTimeParams {
    /// Group by the customer and also by `user`, `category` or both (`user,category`).
    #[param(example = "user")]
    pub group_by: Option<String>,
    /// Only this customer.
    pub customer_id: Option<Uuid>,
}

#[derive(Serialize, ToSchema)]
pub struct EffectiveTimeRow {
    /// `null`: time on tickets without a customer.
    pub customer_id: Option<Uuid>,
    pub customer_name: Option<String>,
    /// When grouped by user.
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
    /// When grouped by category: the task's category, else the ticket's.
    pub category_id: Option<Uuid>,
    pub category_name: Option<String>,
    pub entries: i64,
    pub minutes: i64,
    /// Not under warranty nor marked non-billable.
    pub billable_minutes: i64,
    /// On finalized statements.
    pub billed_minutes: i64,
    /// Labour cost (pay data: `null` unless the caller sees costs).
    pub cost_minor: Option<i64>,
    /// What the statements charged for the billed time, per currency.
    pub billed: Vec<BilledAmount>,
}

/// An amount charged, in one currency.
#[derive(Serialize, ToSchema, Clone, PartialEq, Eq)]
pub struct BilledAmount {
    /// ISO 4217.
    pub currency: String,
    pub amount_minor: i64,
}

fn amounts(billed: &[(String, i64)]) -> Vec<BilledAmount> {
    billed.iter().map(|(currency, amount_minor)| BilledAmount { currency: currency.clone(), amount_minor: *amount_minor }).collect()
}

/// The sums of amounts per currency, in currency order.
fn summed<'a>(all: impl Iterator<Item = &'a (String, i64)>) -> Vec<BilledAmount> {
    let mut sums: std::collections::BTreeMap<&str, i64> = std::collections::BTreeMap::new();
    for (currency, amount) in all {
        *sums.entry(currency).or_default() += amount;
    }
    sums.into_iter().map(|(currency, amount_minor)| BilledAmount { currency: currency.to_owned(), amount_minor }).collect()
}

#[derive(Serialize, ToSchema)]
pub struct EffectiveTimeReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<EffectiveTimeRow>,
    pub entries: i64,
    pub minutes: i64,
    pub billable_minutes: i64,
    pub billed_minutes: i64,
    pub cost_minor: Option<i64>,
    /// What the statements charged for the billed time, per currency.
    pub billed: Vec<BilledAmount>,
}

fn grouping(text: Option<&str>) -> ApiResult<Grouping> {
    let mut grouping = Grouping::default();
    for part in text.unwrap_or_default().split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "customer" => {}
            "user" => grouping.user = true,
            "category" => grouping.category = true,
            other => return Err(ApiError::new(code::INVALID_QUERY, format!("`group_by` takes user and category, not {other:?}"))),
        }
    }
    Ok(grouping)
}

fn row(t: EffectiveTime) -> EffectiveTimeRow {
    EffectiveTimeRow {
        cost_minor: pay::shown(None, t.cost_minor),
        billed: amounts(&t.billed),
        customer_id: t.customer_id,
        customer_name: t.customer_name,
        user_id: t.user_id,
        user_name: t.user_name,
        category_id: t.category_id,
        category_name: t.category_name,
        entries: t.entries,
        minutes: t.minutes,
        billable_minutes: t.billable_minutes,
        billed_minutes: t.billed_minutes,
    }
}

/// Hours as a decimal with the export's mark (`90` minutes → `1.50`).
fn hours(minutes: i64, mark: char) -> String {
    decimal((minutes * 100 + 30) / 60, "EUR", mark)
}

/// Effective time per customer for a period (`period`, or `from` and `to`), grouped by
/// customer and optionally by user and category. `Accept: text/csv` (or `format=csv`) for a
/// spreadsheet, with hours as decimals.
#[utoipa::path(
    operation_id = "effective_time_report",
    tag = tags::TIME,
    params(PeriodParams, EffectiveTimeParams, ExportParams),
    responses(
        (status = 200, description = "the report", content(
            (EffectiveTimeReport = "application/json"),
            (String = "text/csv")
        )),
        (status = 400, description = "`invalid_query`: neither a period nor both ends of one, or an unknown grouping", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `period` is not a period, `to` is before `from` (`before_start`), the span is longer than three years (`too_long`) or outside 1900–9999 (`range`)", body = crate::error::Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/reports/effective-time")]
pub async fn effective_time(
    _auth: Authorized<can::TimeReadAll>,
    state: web::Data<AppState>,
    req: HttpRequest,
    period: web::Query<PeriodParams>,
    params: web::Query<EffectiveTimeParams>,
    export: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let span = period.span(MAX_REPORT_DAYS)?;
    let grouping = grouping(params.group_by.as_deref())?;
    let representation = representation(&req, &state.config, &export, &["json", "csv"])?;
    let rows = store::report(&state.db, span, grouping, params.customer_id).await?;
    let sum = |f: fn(&EffectiveTime) -> i64| rows.iter().map(f).sum::<i64>();
    let (entries, minutes, billable, billed, cost) =
        (sum(|r| r.entries), sum(|r| r.minutes), sum(|r| r.billable_minutes), sum(|r| r.billed_minutes), sum(|r| r.cost_minor));
    Ok(match representation {
        Representation::Csv(format) => {
            let mark = format.decimal_mark;
            let mut csv = Writer::new(format.delimiter);
            csv.row(&[
                "customer",
                "user",
                "category",
                "entries",
                "hours",
                "billable_hours",
                "billed_hours",
                "minutes",
                "billable_minutes",
                "billed_minutes",
                "billed",
            ]);
            for r in &rows {
                csv.row(&[
                    r.customer_name.clone().unwrap_or_default(),
                    r.user_name.clone().unwrap_or_default(),
                    r.category_name.clone().unwrap_or_default(),
                    r.entries.to_string(),
                    hours(r.minutes, mark),
                    hours(r.billable_minutes, mark),
                    hours(r.billed_minutes, mark),
                    r.minutes.to_string(),
                    r.billable_minutes.to_string(),
                    r.billed_minutes.to_string(),
                    r.billed
                        .iter()
                        .map(|(currency, minor)| format!("{currency} {}", decimal(*minor, currency, mark)))
                        .collect::<Vec<_>>()
                        .join("|"),
                ]);
            }
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header(("Content-Disposition", attachment(&format!("effective-time-{}-{}.csv", span.first, span.last), false)))
                .body(csv.finish())
        }
        _ => HttpResponse::Ok().json(EffectiveTimeReport {
            from: span.first,
            to: span.last,
            entries,
            minutes,
            billable_minutes: billable,
            billed_minutes: billed,
            cost_minor: pay::shown(None, cost),
            billed: summed(rows.iter().flat_map(|r| r.billed.iter())),
            rows: rows.into_iter().map(row).collect(),
        }),
    })
}
