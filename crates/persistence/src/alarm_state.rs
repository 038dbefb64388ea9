//! A monitoring alarm's counters, kept on the ticket it opened or on its call while that
//! waits for triage: the same write on either table.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};
use uuid::Uuid;

use crate::error::StoreError;

/// The columns an alarm's state lives in.
pub(crate) struct AlarmColumns<C> {
    pub id: C,
    pub count: C,
    pub last_seen_at: C,
    pub resolved_at: C,
    pub version: C,
    pub updated_at: C,
}

/// What the device reported.
pub(crate) enum Report {
    /// It fired again: one more, and no longer cleared.
    Fired,
    /// It cleared.
    Cleared,
}

/// Records `report` on row `id`, moving its version on.
pub(crate) async fn record<E: EntityTrait>(
    conn: &impl ConnectionTrait,
    cols: AlarmColumns<E::Column>,
    id: Uuid,
    report: Report,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let update = E::update_many()
        .col_expr(cols.version, Expr::col(cols.version).add(1))
        .col_expr(cols.updated_at, Expr::value(now))
        .filter(cols.id.eq(id));
    let update = match report {
        Report::Fired => update
            .col_expr(cols.count, Expr::col(cols.count).add(1))
            .col_expr(cols.last_seen_at, Expr::value(now))
            .col_expr(cols.resolved_at, Expr::value(Option::<DateTime<Utc>>::None)),
        Report::Cleared => update.col_expr(cols.resolved_at, Expr::value(now)),
    };
    update.exec(conn).await?;
    Ok(())
}
