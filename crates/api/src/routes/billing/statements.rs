//! Statements: one per customer and run, readable as JSON, CSV (for the ERP) or PDF (to
//! print); the ERP posts back the invoice it issued.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use servdesk_documents::statement::{self as render, Sheet};
use servdesk_domain::billing::labour::WorkBasis;
use servdesk_domain::billing::rates::RateSource;
use servdesk_domain::billing::statements::{Line, LineKind};
use servdesk_persistence::billing::statements::{self as store, StatementFilter};
use servdesk_usecases::billing::statements as usecase;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::versioned;
use crate::conventions::export::{ExportParams, Representation, attachment, representation};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::validation::{self, clean};
use crate::dto::billing::StatementOut;
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, tags};
use crate::state::AppState;
use crate::wire;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(get_one).service(invoice);
}

#[derive(Serialize, ToSchema)]
pub struct StatementLineOut {
    pub position: i64,
    #[schema(schema_with = wire::line_kind)]
    pub kind: LineKind,
    #[schema(schema_with = wire::work_basis_or_null)]
    pub basis: Option<WorkBasis>,
    pub description: String,
    /// The source: `contract_period` (with `contract_id`, `service_id`, `period_from/to`),
    /// `time_entry` or `material`.
    #[schema(example = "time_entry")]
    pub source: String,
    pub source_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub service_id: Option<Uuid>,
    /// Flat fees: the billing period and the days of it charged.
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    pub days_from: Option<NaiveDate>,
    pub days_to: Option<NaiveDate>,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// Work and materials: the day it counts for.
    pub date: Option<NaiveDate>,
    /// Work: its real duration (warranty work too).
    pub minutes: i64,
    /// Work: minutes taken from the contract's included ones (billed at zero).
    pub included_minutes: i64,
    pub billed_minutes: i64,
    /// Materials: thousandths of the unit.
    pub quantity_milli: Option<i64>,
    pub unit: Option<String>,
    /// Per hour (work), per unit (materials), per period (flat fees): the rate frozen here.
    pub unit_price_minor: Option<i64>,
    #[schema(schema_with = wire::rate_source_or_null)]
    pub rate_source: Option<RateSource>,
    pub rate_id: Option<Uuid>,
    pub amount_minor: i64,
    pub currency: String,
    pub late: bool,
    pub unpriced: bool,
}

fn line_out(position: usize, l: Line) -> StatementLineOut {
    let (source, source_id) = match l.kind {
        LineKind::FlatFee => ("contract_period", l.contract_id),
        LineKind::Work => ("time_entry", l.time_entry_id),
        LineKind::Material => ("material", l.material_id),
    };
    StatementLineOut {
        position: position as i64,
        kind: l.kind,
        basis: l.basis,
        description: l.description,
        source: source.to_owned(),
        source_id,
        contract_id: l.contract_id,
        service_id: l.service_id,
        period_from: l.period.map(|p| p.first),
        period_to: l.period.map(|p| p.last),
        days_from: l.days.map(|d| d.first),
        days_to: l.days.map(|d| d.last),
        ticket_id: l.ticket_id,
        task_id: l.task_id,
        user_id: l.user_id,
        date: l.date,
        minutes: l.minutes,
        included_minutes: l.included_minutes,
        billed_minutes: l.billed_minutes,
        quantity_milli: l.quantity_milli,
        unit: l.unit,
        unit_price_minor: l.unit_price_minor,
        rate_source: l.rate_source,
        rate_id: l.rate_id,
        amount_minor: l.amount_minor,
        currency: l.currency,
        late: l.late,
        unpriced: l.unpriced,
    }
}

#[derive(Serialize, ToSchema)]
pub struct StatementWithLines {
    #[serde(flatten)]
    pub statement: StatementOut,
    pub customer_name: String,
    pub lines: Vec<StatementLineOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatementFilterParams {
    pub run_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Only finalized (`true`) or only drafts (`false`).
    pub is_final: Option<bool>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"number": "FV/2027/01/0042", "issued_on": "2027-02-03", "external_ref": "erp:inv:98123"}))]
pub struct RecordInvoice {
    #[validate(custom(function = "validation::not_blank"), length(max = 100))]
    #[schema(max_length = 100, min_length = 1, pattern = r"\S")]
    pub number: String,
    pub issued_on: NaiveDate,
    /// The ERP's own id of the invoice.
    #[validate(length(max = 200))]
    #[schema(max_length = 200)]
    pub external_ref: Option<String>,
}

/// Lists statements (without their lines).
#[utoipa::path(
    operation_id = "list_statements",
    tag = tags::BILLING,
    params(PageParams, StatementFilterParams),
    responses((status = 200, body = Paged<StatementOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/statements")]
pub async fn list(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<StatementFilterParams>,
) -> ApiResult<web::Json<Paged<StatementOut>>> {
    let filter = StatementFilter { run_id: filter.run_id, customer_id: filter.customer_id, is_final: filter.is_final };
    let page = store::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, StatementOut::from)))
}

fn filename(sheet: &Sheet, extension: &str) -> String {
    let name = sheet.statement.number.clone().unwrap_or_else(|| format!("draft-{}", sheet.statement.id));
    format!("{name}.{extension}")
}

/// A statement with its lines. `Accept: text/csv` gives the ERP export (one row per line,
/// UTF-8, delimiter and decimal mark by `delimiter`/`decimal` or the installation's
/// defaults); `Accept: application/pdf` the printable statement; JSON otherwise.
#[utoipa::path(
    operation_id = "get_statement",
    tag = tags::BILLING,
    params(("id" = Uuid, Path), ExportParams),
    responses(
        (status = 200, description = "the statement", content(
            (StatementWithLines = "application/json"),
            (String = "text/csv"),
            (Vec<u8> = "application/pdf")
        ), headers(("ETag" = String))),
        NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/statements/{id}")]
pub async fn get_one(
    _auth: Authorized<can::BillingRead>,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    params: web::Query<ExportParams>,
) -> ApiResult<HttpResponse> {
    let representation = representation(&req, &state.config, &params, &["json", "csv", "pdf"])?;
    let sheet = usecase::sheet(&state.desk, id.into_inner()).await?;
    let version = sheet.statement.version;
    Ok(match representation {
        Representation::Csv(format) => HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header(("Content-Disposition", attachment(&filename(&sheet, "csv"), false)))
            .body(render::csv(&sheet, format)),
        Representation::Pdf => HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header(("Content-Disposition", attachment(&filename(&sheet, "pdf"), true)))
            .body(render::render_pdf(&sheet)),
        Representation::Json => {
            let customer_name = sheet.customer_name.clone();
            let lines = sheet.lines.into_iter().enumerate().map(|(i, l)| line_out(i + 1, l)).collect();
            let body = StatementWithLines { statement: StatementOut::from(sheet.statement), customer_name, lines };
            versioned(HttpResponse::Ok(), version, &body)
        }
    })
}

/// Records the invoice the ERP issued for a finalized statement (the same again changes
/// nothing; another number replaces it).
#[utoipa::path(
    operation_id = "record_statement_invoice",
    tag = tags::BILLING,
    params(("id" = Uuid, Path)),
    request_body = RecordInvoice,
    responses(
        (status = 200, body = StatementOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`statement_not_final`: its run is not finalized", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/statements/{id}/invoice")]
pub async fn invoice(
    _auth: Authorized<can::BillingManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<RecordInvoice>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let statement =
        usecase::record_invoice(&state.desk, id.into_inner(), body.number.trim().to_owned(), body.issued_on, clean(body.external_ref))
            .await?;
    Ok(versioned(HttpResponse::Ok(), statement.version, &StatementOut::from(statement)))
}
