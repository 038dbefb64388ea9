//! Billing runs and the statements they write.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::periods::{Days, Month};

named_enum! {
    /// Where a billing run is: queued and running as a job, then a draft until finalized (or
    /// failed, to be recomputed).
    RunStatus {
        Queued = "queued",
        Running = "running",
        Draft = "draft",
        Failed = "failed",
        Finalized = "finalized",
    }
}

impl RunStatus {
    /// Whether the run can be computed again (its statements replaced).
    pub fn is_recomputable(self) -> bool {
        matches!(self, RunStatus::Draft | RunStatus::Failed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BillingRun {
    pub id: Uuid,
    pub month: Month,
    /// A run for one customer; `None`: all customers.
    pub customer_id: Option<Uuid>,
    pub status: RunStatus,
    /// The installation's currency when the run was started (materials, unpriced work).
    pub currency: String,
    pub customers_total: i64,
    pub customers_done: i64,
    pub statements_count: i64,
    pub error: Option<String>,
    pub requested_by: Option<Uuid>,
    pub computed_at: Option<DateTime<Utc>>,
    pub finalized_at: Option<DateTime<Utc>>,
    pub finalized_by: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The invoice the ERP issued for a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    pub number: String,
    pub issued_on: NaiveDate,
    pub external_ref: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub id: Uuid,
    pub run_id: Uuid,
    pub customer_id: Uuid,
    /// `ST-2027-000001`, given when its run is finalized.
    pub number: Option<String>,
    pub is_final: bool,
    pub period: Days,
    /// Net total per currency (tax is the ERP's).
    pub totals: Vec<(String, i64)>,
    pub lines_count: i64,
    pub late_lines: i64,
    pub unpriced_lines: i64,
    pub invoice: Option<Invoice>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
