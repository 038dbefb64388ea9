//! What a billing run reads: the customers with something to bill, and their unbilled time
//! entries and materials up to the month's end, joined with what prices them (the ticket's
//! and task's flags and categories, the equipment's contract, the user's role). Read for a
//! chunk of customers at a time, so a run over many customers never holds them all.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, Statement};
use servdesk_domain::Role;
use servdesk_domain::billing::contracts::WorkScope;
use servdesk_domain::billing::statements::{MaterialItem, WorkItem};
use uuid::Uuid;

use crate::db::{id_list, placeholder};
use crate::error::StoreError;

/// Customers with unbilled work or materials up to `last` (inclusive), besides those with
/// contracts the caller knows; one customer when `only` is given.
pub async fn customers_with_unbilled(
    conn: &impl ConnectionTrait,
    last: NaiveDate,
    only: Option<Uuid>,
) -> Result<BTreeSet<Uuid>, StoreError> {
    let backend = conn.get_database_backend();
    let p = |n| placeholder(backend, n);
    let (filter_e, filter_m) = match only {
        Some(_) => (format!(" AND customer_id = {}", p(3)), format!(" AND COALESCE(k.customer_id, t.customer_id) = {}", p(3))),
        None => (String::new(), String::new()),
    };
    let sql = format!(
        "SELECT DISTINCT customer_id FROM time_entries \
          WHERE billed_statement_id IS NULL AND customer_id IS NOT NULL AND work_date <= {p1}{filter_e} \
         UNION \
         SELECT DISTINCT COALESCE(k.customer_id, t.customer_id) FROM task_materials m \
           JOIN tasks k ON k.id = m.task_id JOIN tickets t ON t.id = m.ticket_id \
          WHERE m.billed_statement_id IS NULL AND m.created_at < {p2} AND COALESCE(k.customer_id, t.customer_id) IS NOT NULL{filter_m}",
        p1 = p(1),
        p2 = p(2),
    );
    let mut values: Vec<sea_orm::Value> = vec![last.into(), end_of(last).into()];
    if let Some(customer) = only {
        values.push(customer.into());
    }
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.into_iter().map(|r| Ok(r.try_get_by_index::<Uuid>(0)?)).collect()
}

/// The first instant after the day `last`.
fn end_of(last: NaiveDate) -> DateTime<Utc> {
    last.succ_opt().unwrap_or(last).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()
}

/// Unbilled time entries up to `last` of the customers from `first_customer` to
/// `last_customer` (by id, inclusive: one index range, not a list), with the customer they
/// are billed to.
pub async fn unbilled_work(
    conn: &impl ConnectionTrait,
    first_customer: Uuid,
    last_customer: Uuid,
    last: NaiveDate,
) -> Result<Vec<(Uuid, WorkItem)>, StoreError> {
    let backend = conn.get_database_backend();
    let values: Vec<sea_orm::Value> = vec![last.into(), first_customer.into(), last_customer.into()];
    let sql = format!(
        "SELECT e.id, e.user_id, u.role, e.work_date, e.minutes, e.billable, e.ticket_id, e.task_id, e.customer_id, e.note, \
                COALESCE(k.number, t.number), t.warranty OR COALESCE(k.warranty, FALSE), t.paid, COALESCE(k.paid, FALSE), \
                COALESCE(k.location_id, t.location_id), q.contract_id, t.category_id, k.category_id \
           FROM time_entries e \
           JOIN tickets t ON t.id = e.ticket_id \
           JOIN users u ON u.id = e.user_id \
           LEFT JOIN tasks k ON k.id = e.task_id \
           LEFT JOIN equipment q ON q.id = t.equipment_id \
          WHERE e.billed_statement_id IS NULL AND e.work_date <= {p1} AND e.customer_id >= {p2} AND e.customer_id <= {p3} \
          ORDER BY e.customer_id, e.work_date, e.id",
        p1 = placeholder(backend, 1),
        p2 = placeholder(backend, 2),
        p3 = placeholder(backend, 3),
    );
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.into_iter()
        .map(|r| {
            let customer: Uuid = r.try_get_by_index(8)?;
            let role: String = r.try_get_by_index(2)?;
            let ticket_category: Option<Uuid> = r.try_get_by_index(16)?;
            let task_category: Option<Uuid> = r.try_get_by_index(17)?;
            let minutes: i32 = r.try_get_by_index(4)?;
            let item = WorkItem {
                time_entry_id: r.try_get_by_index(0)?,
                user_id: r.try_get_by_index(1)?,
                role: Role::parse(&role),
                work_date: r.try_get_by_index(3)?,
                minutes: i64::from(minutes),
                marked_billable: r.try_get_by_index(5)?,
                ticket_id: r.try_get_by_index(6)?,
                task_id: r.try_get_by_index(7)?,
                note: r.try_get_by_index(9)?,
                reference: r.try_get_by_index(10)?,
                warranty: r.try_get_by_index(11)?,
                paid: r.try_get_by_index::<bool>(12)? || r.try_get_by_index::<bool>(13)?,
                scope: WorkScope {
                    customer_id: Some(customer),
                    location_id: r.try_get_by_index(14)?,
                    equipment_contract_id: r.try_get_by_index(15)?,
                    category_ids: task_category.into_iter().chain(ticket_category).collect(),
                },
                rate_category_id: task_category.or(ticket_category),
            };
            Ok((customer, item))
        })
        .collect()
}

/// Unbilled materials of `customers` used up to `last`.
pub async fn unbilled_materials(
    conn: &impl ConnectionTrait,
    customers: &[Uuid],
    last: NaiveDate,
) -> Result<Vec<(Uuid, MaterialItem)>, StoreError> {
    if customers.is_empty() {
        return Ok(Vec::new());
    }
    let backend = conn.get_database_backend();
    let (ids, mut values) = id_list(backend, customers, 2);
    values.insert(0, end_of(last).into());
    let sql = format!(
        "SELECT m.id, m.ticket_id, m.task_id, k.number, m.description, m.quantity_milli, m.unit, m.unit_price_minor, m.total_minor, \
                t.warranty OR k.warranty, COALESCE(k.customer_id, t.customer_id), m.created_at \
           FROM task_materials m JOIN tasks k ON k.id = m.task_id JOIN tickets t ON t.id = m.ticket_id \
          WHERE m.billed_statement_id IS NULL AND m.created_at < {p1} AND COALESCE(k.customer_id, t.customer_id) IN ({ids}) \
          ORDER BY m.created_at, m.id",
        p1 = placeholder(backend, 1),
    );
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.into_iter()
        .map(|r| {
            let customer: Uuid = r.try_get_by_index(10)?;
            let at: DateTime<Utc> = r.try_get_by_index(11)?;
            let item = MaterialItem {
                material_id: r.try_get_by_index(0)?,
                ticket_id: r.try_get_by_index(1)?,
                task_id: r.try_get_by_index(2)?,
                reference: r.try_get_by_index(3)?,
                description: r.try_get_by_index(4)?,
                quantity_milli: r.try_get_by_index(5)?,
                unit: r.try_get_by_index(6)?,
                unit_price_minor: r.try_get_by_index(7)?,
                total_minor: r.try_get_by_index(8)?,
                warranty: r.try_get_by_index(9)?,
                date: at.date_naive(),
            };
            Ok((customer, item))
        })
        .collect()
}
