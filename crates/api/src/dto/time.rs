//! Time totals on the wire (shown with tickets, tasks and time lists).

use serde::Serialize;
use servdesk_domain::time::Totals;
use utoipa::ToSchema;

use super::pay;

/// Minutes and labour cost (minor units) of a set of entries. The costs are pay data:
/// `null` unless the caller may see colleagues' costs (admins, finance, `billing:read` keys).
#[derive(Serialize, ToSchema, Default, Clone, Copy)]
pub struct TotalsOut {
    pub entries: i64,
    pub minutes: i64,
    pub cost_minor: Option<i64>,
    pub billable_minutes: i64,
    pub billable_cost_minor: Option<i64>,
}

impl From<Totals> for TotalsOut {
    fn from(t: Totals) -> Self {
        Self {
            entries: t.entries,
            minutes: t.minutes,
            cost_minor: pay::shown(None, t.cost_minor),
            billable_minutes: t.billable_minutes,
            billable_cost_minor: pay::shown(None, t.billable_cost_minor),
        }
    }
}
