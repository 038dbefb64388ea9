//! Billing runs: the row, its status moves (each a conditional update, so two callers cannot
//! both move it) and its progress.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use servdesk_domain::billing::periods::Month;
use servdesk_domain::billing::runs::{BillingRun, RunStatus};
use uuid::Uuid;

use crate::entities::billing_runs as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};

#[derive(Default)]
pub struct RunFilter {
    pub month: Option<Month>,
    pub status: Option<RunStatus>,
}

fn to_run(m: row::Model) -> Result<BillingRun, StoreError> {
    let corrupt = |what: &str, text: &str| StoreError::corrupt("billing_runs", format!("{what} {text:?}"));
    Ok(BillingRun {
        month: Month::parse(&m.period).ok_or_else(|| corrupt("period", &m.period))?,
        status: RunStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        id: m.id,
        customer_id: m.customer_id,
        currency: m.currency,
        customers_total: i64::from(m.customers_total),
        customers_done: i64::from(m.customers_done),
        statements_count: i64::from(m.statements_count),
        error: m.error,
        requested_by: m.requested_by,
        computed_at: m.computed_at,
        finalized_at: m.finalized_at,
        finalized_by: m.finalized_by,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn count(n: i64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub async fn create(conn: &impl ConnectionTrait, run: &BillingRun) -> Result<(), StoreError> {
    row::ActiveModel {
        id: Set(run.id),
        period: Set(run.month.to_string()),
        period_first: Set(run.month.first_day()),
        period_last: Set(run.month.last_day()),
        customer_id: Set(run.customer_id),
        status: Set(run.status.as_str().to_owned()),
        currency: Set(run.currency.clone()),
        customers_total: Set(0),
        customers_done: Set(0),
        statements_count: Set(0),
        error: Set(None),
        requested_by: Set(run.requested_by),
        computed_at: Set(None),
        finalized_at: Set(None),
        finalized_by: Set(None),
        version: Set(run.version),
        created_at: Set(run.created_at),
        updated_at: Set(run.updated_at),
    }
    .insert(conn)
    .await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<BillingRun, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_run).ok_or(StoreError::NotFound)?
}

pub async fn list(conn: &impl ConnectionTrait, filter: &RunFilter, req: PageRequest) -> Result<Page<BillingRun>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(month) = filter.month {
        select = select.filter(row::Column::Period.eq(month.to_string()));
    }
    if let Some(status) = filter.status {
        select = select.filter(row::Column::Status.eq(status.as_str()));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_run)
}

/// What a status move writes besides the status.
#[derive(Default)]
pub struct Move {
    pub error: Option<Option<String>>,
    pub computed_at: Option<DateTime<Utc>>,
    pub finalized: Option<(DateTime<Utc>, Option<Uuid>)>,
    pub statements_count: Option<i64>,
    pub reset_progress: bool,
}

/// Moves the run to `to` if it is in one of `from`; returns whether it moved.
pub async fn transition(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &[RunStatus],
    to: RunStatus,
    extra: Move,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut update = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(to.as_str()))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now));
    if let Some(error) = extra.error {
        update = update.col_expr(row::Column::Error, Expr::value(error));
    }
    if let Some(at) = extra.computed_at {
        update = update.col_expr(row::Column::ComputedAt, Expr::value(at));
    }
    if let Some((at, by)) = extra.finalized {
        update = update.col_expr(row::Column::FinalizedAt, Expr::value(at)).col_expr(row::Column::FinalizedBy, Expr::value(by));
    }
    if let Some(n) = extra.statements_count {
        update = update.col_expr(row::Column::StatementsCount, Expr::value(count(n)));
    }
    if extra.reset_progress {
        update = update
            .col_expr(row::Column::CustomersDone, Expr::value(0))
            .col_expr(row::Column::CustomersTotal, Expr::value(0))
            .col_expr(row::Column::StatementsCount, Expr::value(0));
    }
    let result =
        update.filter(row::Column::Id.eq(id)).filter(row::Column::Status.is_in(from.iter().map(|s| s.as_str()))).exec(conn).await?;
    Ok(result.rows_affected == 1)
}

/// Records how far a computing run has come (not a version change: progress is not an edit).
pub async fn progress(conn: &impl ConnectionTrait, id: Uuid, done: i64, total: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::CustomersDone, Expr::value(count(done)))
        .col_expr(row::Column::CustomersTotal, Expr::value(count(total)))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
