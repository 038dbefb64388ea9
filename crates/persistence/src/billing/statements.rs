//! Statements and their lines; finalizing a run's statements (numbering them and marking
//! every source they bill, so nothing is billed twice); the invoice the ERP posts back.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, ExprTrait, QueryFilter, QueryOrder, Statement as Sql,
};
use servdesk_domain::billing::labour::WorkBasis;
use servdesk_domain::billing::periods::Days;
use servdesk_domain::billing::rates::RateSource;
use servdesk_domain::billing::runs::{Invoice, Statement};
use servdesk_domain::billing::statements::{Billed, Line, LineKind, totals};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::db::{id_list, placeholder};
use crate::entities::{billed_fee_periods as billed_row, statement_lines as line_row, statements as row};
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::pg_arrays::{self, Column, Type};
use crate::sequences;

/// Rows per multi-row INSERT: 30 line columns × 1,000 (and 18 statement columns × 1,000)
/// stay under both databases' limits on bind parameters (SQLite's 32,766).
const LINES_PER_INSERT: usize = 1_000;
const STATEMENTS_PER_INSERT: usize = 1_000;

#[derive(Default)]
pub struct StatementFilter {
    pub run_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Only finalized (true) or only drafts (false).
    pub is_final: Option<bool>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Total {
    currency: String,
    amount_minor: i64,
}

fn corrupt(what: &str, text: &str) -> StoreError {
    StoreError::corrupt("statements", format!("{what} {text:?}"))
}

fn to_statement(m: row::Model) -> Result<Statement, StoreError> {
    let totals: Vec<Total> = serde_json::from_str(&m.totals).map_err(|e| corrupt("totals", &e.to_string()))?;
    let invoice = match (m.invoice_number, m.invoice_issued_on, m.invoiced_at) {
        (Some(number), Some(issued_on), Some(recorded_at)) => {
            Some(Invoice { number, issued_on, external_ref: m.invoice_external_ref, recorded_at })
        }
        _ => None,
    };
    Ok(Statement {
        id: m.id,
        run_id: m.run_id,
        customer_id: m.customer_id,
        number: m.number,
        is_final: m.status == "final",
        period: Days { first: m.period_first, last: m.period_last },
        totals: totals.into_iter().map(|t| (t.currency, t.amount_minor)).collect(),
        lines_count: i64::from(m.lines_count),
        late_lines: i64::from(m.late_lines),
        unpriced_lines: i64::from(m.unpriced_lines),
        invoice,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn to_line(m: line_row::Model) -> Result<Line, StoreError> {
    let period = match (m.period_first, m.period_last) {
        (Some(first), Some(last)) => Some(Days { first, last }),
        _ => None,
    };
    let days = match (m.days_first, m.days_last) {
        (Some(first), Some(last)) => Some(Days { first, last }),
        _ => None,
    };
    Ok(Line {
        kind: LineKind::parse(&m.kind).ok_or_else(|| corrupt("line kind", &m.kind))?,
        basis: match m.basis.as_deref() {
            Some(b) => Some(WorkBasis::parse(b).ok_or_else(|| corrupt("basis", b))?),
            None => None,
        },
        rate_source: match m.rate_source.as_deref() {
            Some(r) => Some(RateSource::parse(r).ok_or_else(|| corrupt("rate source", r))?),
            None => None,
        },
        description: m.description,
        contract_id: m.contract_id,
        service_id: m.service_id,
        period,
        days,
        ticket_id: m.ticket_id,
        task_id: m.task_id,
        time_entry_id: m.time_entry_id,
        material_id: m.material_id,
        user_id: m.user_id,
        date: m.work_date,
        minutes: m.minutes,
        included_minutes: m.included_minutes,
        allowance_from: m.allowance_from,
        billed_minutes: m.billed_minutes,
        quantity_milli: m.quantity_milli,
        unit: m.unit,
        unit_price_minor: m.unit_price_minor,
        rate_id: m.rate_id,
        amount_minor: m.amount_minor,
        currency: m.currency,
        late: m.late,
        unpriced: m.unpriced,
    })
}

fn line_model(statement_id: Uuid, position: usize, l: &Line) -> line_row::ActiveModel {
    line_row::ActiveModel {
        statement_id: Set(statement_id),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
        kind: Set(l.kind.as_str().to_owned()),
        basis: Set(l.basis.map(|b| b.as_str().to_owned())),
        description: Set(l.description.clone()),
        contract_id: Set(l.contract_id),
        service_id: Set(l.service_id),
        period_first: Set(l.period.map(|p| p.first)),
        period_last: Set(l.period.map(|p| p.last)),
        days_first: Set(l.days.map(|d| d.first)),
        days_last: Set(l.days.map(|d| d.last)),
        ticket_id: Set(l.ticket_id),
        task_id: Set(l.task_id),
        time_entry_id: Set(l.time_entry_id),
        material_id: Set(l.material_id),
        user_id: Set(l.user_id),
        work_date: Set(l.date),
        minutes: Set(l.minutes),
        included_minutes: Set(l.included_minutes),
        allowance_from: Set(l.allowance_from),
        billed_minutes: Set(l.billed_minutes),
        quantity_milli: Set(l.quantity_milli),
        unit: Set(l.unit.clone()),
        unit_price_minor: Set(l.unit_price_minor),
        rate_source: Set(l.rate_source.map(|r| r.as_str().to_owned())),
        rate_id: Set(l.rate_id),
        amount_minor: Set(l.amount_minor),
        currency: Set(l.currency.clone()),
        late: Set(l.late),
        unpriced: Set(l.unpriced),
    }
}

/// Writes draft statements of run `run_id`, one per `(customer, lines)`, with their lines:
/// a few multi-row INSERTs however many there are.
pub async fn insert_drafts(
    conn: &impl ConnectionTrait,
    run_id: Uuid,
    period: Days,
    drafts: &[(Uuid, Vec<Line>)],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if drafts.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = drafts.iter().map(|_| Uuid::now_v7()).collect();
    let statements = drafts.iter().zip(&ids).map(|((customer_id, lines), id)| {
        let sums: Vec<Total> = totals(lines).into_iter().map(|(currency, amount_minor)| Total { currency, amount_minor }).collect();
        let n = |f: &dyn Fn(&Line) -> bool| i32::try_from(lines.iter().filter(|l| f(l)).count()).unwrap_or(i32::MAX);
        row::ActiveModel {
            id: Set(*id),
            run_id: Set(run_id),
            customer_id: Set(*customer_id),
            number: Set(None),
            status: Set("draft".to_owned()),
            period_first: Set(period.first),
            period_last: Set(period.last),
            totals: Set(serde_json::to_string(&sums).unwrap_or_else(|_| "[]".to_owned())),
            lines_count: Set(n(&|_| true)),
            late_lines: Set(n(&|l| l.late)),
            unpriced_lines: Set(n(&|l| l.unpriced)),
            invoice_number: Set(None),
            invoice_issued_on: Set(None),
            invoice_external_ref: Set(None),
            invoiced_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
    });
    let statements: Vec<row::ActiveModel> = statements.collect();
    for chunk in statements.chunks(STATEMENTS_PER_INSERT) {
        row::Entity::insert_many(chunk.to_vec()).exec_without_returning(conn).await?;
    }
    if conn.get_database_backend() == DbBackend::Postgres {
        let mut batch: Vec<(Uuid, usize, &Line)> = Vec::with_capacity(PG_LINES_PER_INSERT);
        for ((_, lines), id) in drafts.iter().zip(&ids) {
            for (i, line) in lines.iter().enumerate() {
                batch.push((*id, i + 1, line));
                if batch.len() == PG_LINES_PER_INSERT {
                    insert_lines_unnest(conn, &batch).await?;
                    batch.clear();
                }
            }
        }
        if !batch.is_empty() {
            insert_lines_unnest(conn, &batch).await?;
        }
        return Ok(());
    }
    let mut batch = Vec::with_capacity(LINES_PER_INSERT);
    for ((_, lines), id) in drafts.iter().zip(&ids) {
        for (i, line) in lines.iter().enumerate() {
            batch.push(line_model(*id, i + 1, line));
            if batch.len() == LINES_PER_INSERT {
                line_row::Entity::insert_many(std::mem::take(&mut batch)).exec_without_returning(conn).await?;
            }
        }
    }
    if !batch.is_empty() {
        line_row::Entity::insert_many(batch).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Rows per `UNNEST` insert on PostgreSQL (30 parameters whatever the count).
const PG_LINES_PER_INSERT: usize = 5_000;

/// Inserts lines on PostgreSQL as one binary array per column: the 1,000,000 lines of a large
/// run in a few hundred statements of 30 parameters each.
async fn insert_lines_unnest(conn: &impl ConnectionTrait, rows: &[(Uuid, usize, &Line)]) -> Result<(), StoreError> {
    let n = rows.len();
    let col = |name, kind| Column::new(name, kind, n);
    let mut statement_id = col("statement_id", Type::Uuid);
    let mut position = col("position", Type::Int);
    let mut kind = col("kind", Type::Text);
    let mut basis = col("basis", Type::Text);
    let mut description = col("description", Type::Text);
    let mut contract_id = col("contract_id", Type::Uuid);
    let mut service_id = col("service_id", Type::Uuid);
    let mut period_first = col("period_first", Type::Date);
    let mut period_last = col("period_last", Type::Date);
    let mut days_first = col("days_first", Type::Date);
    let mut days_last = col("days_last", Type::Date);
    let mut ticket_id = col("ticket_id", Type::Uuid);
    let mut task_id = col("task_id", Type::Uuid);
    let mut time_entry_id = col("time_entry_id", Type::Uuid);
    let mut material_id = col("material_id", Type::Uuid);
    let mut user_id = col("user_id", Type::Uuid);
    let mut work_date = col("work_date", Type::Date);
    let mut minutes = col("minutes", Type::BigInt);
    let mut included_minutes = col("included_minutes", Type::BigInt);
    let mut allowance_from = col("allowance_from", Type::Date);
    let mut billed_minutes = col("billed_minutes", Type::BigInt);
    let mut quantity_milli = col("quantity_milli", Type::BigInt);
    let mut unit = col("unit", Type::Text);
    let mut unit_price_minor = col("unit_price_minor", Type::BigInt);
    let mut rate_source = col("rate_source", Type::Text);
    let mut rate_id = col("rate_id", Type::Uuid);
    let mut amount_minor = col("amount_minor", Type::BigInt);
    let mut currency = col("currency", Type::Text);
    let mut late = col("late", Type::Bool);
    let mut unpriced = col("unpriced", Type::Bool);
    for (statement, at, l) in rows {
        statement_id.uuid(Some(*statement));
        position.int(i32::try_from(*at).unwrap_or(i32::MAX));
        kind.text(Some(l.kind.as_str()));
        basis.text(l.basis.map(|b| b.as_str()));
        description.text(Some(&l.description));
        contract_id.uuid(l.contract_id);
        service_id.uuid(l.service_id);
        period_first.date(l.period.map(|p| p.first));
        period_last.date(l.period.map(|p| p.last));
        days_first.date(l.days.map(|d| d.first));
        days_last.date(l.days.map(|d| d.last));
        ticket_id.uuid(l.ticket_id);
        task_id.uuid(l.task_id);
        time_entry_id.uuid(l.time_entry_id);
        material_id.uuid(l.material_id);
        user_id.uuid(l.user_id);
        work_date.date(l.date);
        minutes.bigint(Some(l.minutes));
        included_minutes.bigint(Some(l.included_minutes));
        allowance_from.date(l.allowance_from);
        billed_minutes.bigint(Some(l.billed_minutes));
        quantity_milli.bigint(l.quantity_milli);
        unit.text(l.unit.as_deref());
        unit_price_minor.bigint(l.unit_price_minor);
        rate_source.text(l.rate_source.map(|r| r.as_str()));
        rate_id.uuid(l.rate_id);
        amount_minor.bigint(Some(l.amount_minor));
        currency.text(Some(&l.currency));
        late.bool(l.late);
        unpriced.bool(l.unpriced);
    }
    let columns = vec![
        statement_id,
        position,
        kind,
        basis,
        description,
        contract_id,
        service_id,
        period_first,
        period_last,
        days_first,
        days_last,
        ticket_id,
        task_id,
        time_entry_id,
        material_id,
        user_id,
        work_date,
        minutes,
        included_minutes,
        allowance_from,
        billed_minutes,
        quantity_milli,
        unit,
        unit_price_minor,
        rate_source,
        rate_id,
        amount_minor,
        currency,
        late,
        unpriced,
    ];
    let (sql, values) = pg_arrays::insert("statement_lines", columns);
    conn.execute_raw(Sql::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    Ok(())
}

/// Removes a run's draft statements (before it is computed again).
pub async fn delete_drafts_of_run(conn: &impl ConnectionTrait, run_id: Uuid) -> Result<(), StoreError> {
    let backend = conn.get_database_backend();
    // Lines first: SQLite enforces the cascade only with foreign keys on, and a bulk delete
    // by statement is one statement either way.
    let p = placeholder(backend, 1);
    conn.execute_raw(Sql::from_sql_and_values(
        backend,
        format!("DELETE FROM statement_lines WHERE statement_id IN (SELECT id FROM statements WHERE run_id = {p} AND status = 'draft')"),
        [run_id.into()],
    ))
    .await?;
    row::Entity::delete_many().filter(row::Column::RunId.eq(run_id)).filter(row::Column::Status.eq("draft")).exec(conn).await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Statement, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_statement).ok_or(StoreError::NotFound)?
}

pub async fn lines(conn: &impl ConnectionTrait, statement_id: Uuid) -> Result<Vec<Line>, StoreError> {
    line_row::Entity::find()
        .filter(line_row::Column::StatementId.eq(statement_id))
        .order_by_asc(line_row::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(to_line)
        .collect()
}

pub async fn list(conn: &impl ConnectionTrait, filter: &StatementFilter, req: PageRequest) -> Result<Page<Statement>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(v) = filter.run_id {
        select = select.filter(row::Column::RunId.eq(v));
    }
    if let Some(v) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(v));
    }
    if let Some(v) = filter.is_final {
        select = select.filter(row::Column::Status.eq(if v { "final" } else { "draft" }));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_statement)
}

/// The ids of a run's statements, in creation order.
pub async fn ids_of_run(conn: &impl ConnectionTrait, run_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
    Ok(row::Entity::find()
        .filter(row::Column::RunId.eq(run_id))
        .order_by_asc(row::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect())
}

/// What finalized statements billed of these contracts: their periods and included minutes.
pub async fn billed_of_contracts(conn: &impl ConnectionTrait, contract_ids: &[Uuid]) -> Result<Billed, StoreError> {
    let mut billed = Billed::default();
    for chunk in contract_ids.chunks(500) {
        for p in billed_row::Entity::find().filter(billed_row::Column::ContractId.is_in(chunk.iter().copied())).all(conn).await? {
            billed.periods.insert((p.contract_id, p.period_first));
        }
        let backend = conn.get_database_backend();
        let (ids, values) = id_list(backend, chunk, 1);
        let sql = format!(
            "SELECT l.contract_id, l.allowance_from, CAST(SUM(l.included_minutes) AS BIGINT) AS used \
               FROM statement_lines l JOIN statements s ON s.id = l.statement_id \
              WHERE s.status = 'final' AND l.allowance_from IS NOT NULL AND l.contract_id IN ({ids}) \
              GROUP BY l.contract_id, l.allowance_from"
        );
        for r in conn.query_all_raw(Sql::from_sql_and_values(backend, sql, values)).await? {
            let contract: Uuid = r.try_get_by_index(0)?;
            let from: NaiveDate = r.try_get_by_index(1)?;
            let used: i64 = r.try_get_by_index(2)?;
            billed.included_minutes.insert((contract, from), used);
        }
    }
    Ok(billed)
}

/// Finalizes a run's statements inside the caller's transaction: numbers them (`ST-…` of
/// `year`) and marks every source they bill. A source another run billed meanwhile — or one
/// changed or removed since the draft was computed — is `already_billed`/`draft_outdated`,
/// and the caller's transaction must roll back.
pub async fn finalize_run(
    conn: &impl ConnectionTrait,
    run_id: Uuid,
    computed_at: DateTime<Utc>,
    year: i32,
    now: DateTime<Utc>,
) -> Result<Vec<Statement>, StoreError> {
    let backend = conn.get_database_backend();
    let p = |n| placeholder(backend, n);
    // Numbers in statement (creation) order, reserved at once and written by one statement.
    let count = ids_of_run(conn, run_id).await?.len();
    if count > 0 {
        let first = sequences::reserve(conn, "statement", year, i64::try_from(count).unwrap_or(i64::MAX)).await?;
        let value = format!("({} - 1 + r.n)", p(3));
        // `T-2026-000123`: at least six digits, as `numbering::format` writes them.
        let padded = if backend == DbBackend::Postgres {
            format!("CASE WHEN {value} < 1000000 THEN lpad(CAST({value} AS text), 6, '0') ELSE CAST({value} AS text) END")
        } else {
            format!("printf('%06d', {value})")
        };
        let sql = format!(
            "UPDATE statements SET number = {prefix} || {padded}, status = 'final', version = statements.version + 1, updated_at = {now} \
               FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM statements WHERE run_id = {run}) r \
              WHERE statements.id = r.id",
            prefix = p(4),
            now = p(2),
            run = p(1),
        );
        let prefix = format!("ST-{year}-");
        conn.execute_raw(Sql::from_sql_and_values(backend, sql, [run_id.into(), now.into(), first.into(), prefix.into()])).await?;
    }
    let run_lines = format!(
        "SELECT l.{{col}} FROM statement_lines l JOIN statements s ON s.id = l.statement_id WHERE s.run_id = {} AND l.{{col}} IS NOT NULL",
        p(1)
    );
    for (table, col) in [("time_entries", "time_entry_id"), ("task_materials", "material_id")] {
        let lines_of_run = run_lines.replace("{col}", col);
        let count = |condition: &str, extra: Vec<sea_orm::Value>| {
            let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) FROM {table} WHERE id IN ({lines_of_run}){condition}");
            let mut values: Vec<sea_orm::Value> = vec![run_id.into()];
            values.extend(extra);
            async move {
                let row = conn.query_one_raw(Sql::from_sql_and_values(backend, sql, values)).await?;
                Ok::<i64, StoreError>(row.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0))
            }
        };
        let billed_elsewhere = count(" AND billed_statement_id IS NOT NULL", vec![]).await?;
        if billed_elsewhere > 0 {
            return Err(StoreError::conflict(
                code::ALREADY_BILLED,
                format!("{billed_elsewhere} {table} of the run were billed by another run meanwhile; recompute it"),
            ));
        }
        if table == "time_entries" {
            let changed = count(&format!(" AND updated_at > {}", p(2)), vec![computed_at.into()]).await?;
            if changed > 0 {
                return Err(StoreError::conflict(
                    code::DRAFT_OUTDATED,
                    format!("{changed} time entries changed since the run was computed; recompute it"),
                ));
            }
        }
        let expected: i64 = conn
            .query_one_raw(Sql::from_sql_and_values(
                backend,
                format!("SELECT CAST(COUNT(*) AS BIGINT) FROM ({lines_of_run}) x"),
                [run_id.into()],
            ))
            .await?
            .map(|r| r.try_get_by_index(0))
            .transpose()?
            .unwrap_or(0);
        // Billing bumps an entry's version: an edit that read it before fails its If-Match.
        let (touch, values): (String, Vec<sea_orm::Value>) = if table == "time_entries" {
            (format!(", version = {table}.version + 1, updated_at = {}", p(2)), vec![run_id.into(), now.into()])
        } else {
            (String::new(), vec![run_id.into()])
        };
        // One join, not a lookup per row: PostgreSQL and SQLite (3.33+) both take UPDATE … FROM.
        let sql = format!(
            "UPDATE {table} SET billed_statement_id = l.statement_id{touch} \
               FROM statement_lines l JOIN statements s ON s.id = l.statement_id \
              WHERE s.run_id = {r} AND l.{col} = {table}.id AND {table}.billed_statement_id IS NULL",
            r = p(1),
        );
        let marked = conn.execute_raw(Sql::from_sql_and_values(backend, sql, values)).await?.rows_affected();
        if i64::try_from(marked).unwrap_or(i64::MAX) != expected {
            return Err(StoreError::conflict(
                code::DRAFT_OUTDATED,
                format!(
                    "{} of the run's {expected} {table} were removed or billed meanwhile; recompute it",
                    expected - i64::try_from(marked).unwrap_or(0)
                ),
            ));
        }
    }
    let sql = format!(
        "INSERT INTO billed_fee_periods (contract_id, period_first, statement_id) \
         SELECT DISTINCT l.contract_id, l.period_first, l.statement_id FROM statement_lines l JOIN statements s ON s.id = l.statement_id \
          WHERE s.run_id = {} AND l.kind = 'flat_fee'",
        p(1)
    );
    conn.execute_raw(Sql::from_sql_and_values(backend, sql, [run_id.into()])).await.map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::conflict(code::ALREADY_BILLED, "a contract period of the run was billed by another run meanwhile; recompute it")
        } else {
            e.into()
        }
    })?;
    let finalized = row::Entity::find().filter(row::Column::RunId.eq(run_id)).order_by_asc(row::Column::Id).all(conn).await?;
    finalized.into_iter().map(to_statement).collect()
}

/// Records the ERP's invoice for a final statement (again with the same values is a no-op;
/// different ones replace it).
pub async fn record_invoice(conn: &impl ConnectionTrait, id: Uuid, invoice: &Invoice, now: DateTime<Utc>) -> Result<Statement, StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::InvoiceNumber, Expr::value(invoice.number.clone()))
        .col_expr(row::Column::InvoiceIssuedOn, Expr::value(invoice.issued_on))
        .col_expr(row::Column::InvoiceExternalRef, Expr::value(invoice.external_ref.clone()))
        .col_expr(row::Column::InvoicedAt, Expr::value(invoice.recorded_at))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    get(conn, id).await
}
