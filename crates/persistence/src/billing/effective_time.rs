//! Effective time per customer over any span: the seed's time-per-customer view, grouped by
//! customer and optionally by user and by category (the task's, else the ticket's).

use sea_orm::{ConnectionTrait, Statement};
use servdesk_domain::billing::periods::Days;
use uuid::Uuid;

use crate::db::placeholder;
use crate::error::StoreError;

/// What rows are grouped by besides the customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Grouping {
    pub user: bool,
    pub category: bool,
}

/// One group's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveTime {
    /// `None`: time on tickets without a customer.
    pub customer_id: Option<Uuid>,
    pub customer_name: Option<String>,
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
    pub category_id: Option<Uuid>,
    pub category_name: Option<String>,
    pub entries: i64,
    pub minutes: i64,
    pub billable_minutes: i64,
    /// On finalized statements.
    pub billed_minutes: i64,
    pub cost_minor: i64,
    /// What the statements charged for that time, per currency (ISO code, minor units).
    pub billed: Vec<(String, i64)>,
}

/// The groups of `span`, by customer name (then user and category names).
pub async fn report(
    conn: &impl ConnectionTrait,
    span: Days,
    grouping: Grouping,
    customer_id: Option<Uuid>,
) -> Result<Vec<EffectiveTime>, StoreError> {
    let backend = conn.get_database_backend();
    let p = |n| placeholder(backend, n);
    let (user_cols, user_join) = if grouping.user {
        ("e.user_id, u.name", "JOIN users u ON u.id = e.user_id")
    } else {
        ("CAST(NULL AS TEXT), CAST(NULL AS TEXT)", "")
    };
    let (category_cols, category_join) = if grouping.category {
        (
            "d.id, d.name",
            "JOIN tickets t ON t.id = e.ticket_id LEFT JOIN tasks k ON k.id = e.task_id \
             LEFT JOIN dictionary_entries d ON d.id = COALESCE(k.category_id, t.category_id)",
        )
    } else {
        ("CAST(NULL AS TEXT), CAST(NULL AS TEXT)", "")
    };
    let mut group = vec!["e.customer_id", "c.name"];
    if grouping.user {
        group.extend(["e.user_id", "u.name"]);
    }
    if grouping.category {
        group.extend(["d.id", "d.name"]);
    }
    let customer_filter = if customer_id.is_some() { format!(" AND e.customer_id = {}", p(3)) } else { String::new() };
    let sql = format!(
        "SELECT e.customer_id, c.name, {user_cols}, {category_cols}, CAST(COUNT(*) AS BIGINT), CAST(SUM(e.minutes) AS BIGINT), \
                CAST(SUM(CASE WHEN e.billable THEN e.minutes ELSE 0 END) AS BIGINT), \
                CAST(SUM(CASE WHEN e.billed_statement_id IS NOT NULL THEN e.minutes ELSE 0 END) AS BIGINT), \
                CAST(SUM(e.cost_minor) AS BIGINT) \
           FROM time_entries e LEFT JOIN customers c ON c.id = e.customer_id {user_join} {category_join} \
          WHERE e.work_date >= {} AND e.work_date <= {}{customer_filter} \
          GROUP BY {} ORDER BY {}",
        p(1),
        p(2),
        group.join(", "),
        group
            .iter()
            .filter(|g| g.ends_with("name"))
            .chain(group.iter().filter(|g| !g.ends_with("name")))
            .copied()
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mut values: Vec<sea_orm::Value> = vec![span.first.into(), span.last.into()];
    if let Some(customer) = customer_id {
        values.push(customer.into());
    }
    // The prices of the billed time: the statement lines of the entries, by the same groups
    // and the currency.
    let ids: Vec<&str> = group.iter().filter(|g| !g.ends_with("name")).copied().collect();
    let id_cols = [
        "e.customer_id",
        if grouping.user { "e.user_id" } else { "CAST(NULL AS TEXT)" },
        if grouping.category { "d.id" } else { "CAST(NULL AS TEXT)" },
    ];
    let prices = format!(
        "SELECT {}, l.currency, CAST(SUM(l.amount_minor) AS BIGINT) \
           FROM time_entries e JOIN statement_lines l ON l.statement_id = e.billed_statement_id AND l.time_entry_id = e.id \
                {user_join} {category_join} \
          WHERE e.work_date >= {} AND e.work_date <= {}{customer_filter} \
          GROUP BY {}, l.currency ORDER BY l.currency",
        id_cols.join(", "),
        p(1),
        p(2),
        ids.join(", ")
    );
    let mut billed: std::collections::HashMap<[Option<Uuid>; 3], Vec<(String, i64)>> = std::collections::HashMap::new();
    for r in conn.query_all_raw(Statement::from_sql_and_values(backend, prices, values.clone())).await? {
        let key = [uuid_at(&r, 0)?, uuid_at(&r, 1)?, uuid_at(&r, 2)?];
        billed.entry(key).or_default().push((r.try_get_by_index(3)?, r.try_get_by_index(4)?));
    }
    let rows = conn.query_all_raw(Statement::from_sql_and_values(backend, sql, values)).await?;
    rows.into_iter()
        .map(|r| {
            let uuid_at = |i: usize| uuid_at(&r, i);
            let key = [uuid_at(0)?, uuid_at(2)?, uuid_at(4)?];
            Ok(EffectiveTime {
                billed: billed.remove(&key).unwrap_or_default(),
                customer_id: uuid_at(0)?,
                customer_name: r.try_get_by_index(1)?,
                user_id: uuid_at(2)?,
                user_name: r.try_get_by_index(3)?,
                category_id: uuid_at(4)?,
                category_name: r.try_get_by_index(5)?,
                entries: r.try_get_by_index(6)?,
                minutes: r.try_get_by_index(7)?,
                billable_minutes: r.try_get_by_index(8)?,
                billed_minutes: r.try_get_by_index(9)?,
                cost_minor: r.try_get_by_index(10)?,
            })
        })
        .collect()
}

/// A uuid column of a grouped row: the grouped-away columns are NULL text, the real ones uuids.
fn uuid_at(r: &sea_orm::QueryResult, i: usize) -> Result<Option<Uuid>, StoreError> {
    match r.try_get_by_index::<Option<Uuid>>(i) {
        Ok(v) => Ok(v),
        Err(_) => Ok(r.try_get_by_index::<Option<String>>(i)?.and_then(|s| Uuid::parse_str(&s).ok())),
    }
}
