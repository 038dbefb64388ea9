//! A time entry as every area shows it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::time::TimeEntry;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::dto::pay;

#[derive(Serialize, ToSchema)]
pub struct TimeEntryOut {
    pub id: Uuid,
    pub user_id: Uuid,
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    /// Set for measured entries (stopwatch, or start and end given).
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The day the work counts for (the day it started).
    pub work_date: NaiveDate,
    pub minutes: i32,
    pub note: Option<String>,
    /// False under warranty or when marked non-billable.
    pub billable: bool,
    /// The user's cost per hour (minor units) when the entry was written. Pay data: `null`
    /// unless the entry is the caller's own or the caller may see colleagues' costs (admins,
    /// finance, `billing:read` keys).
    pub rate_minor: Option<i64>,
    /// `minutes × rate / 60`, rounded half up to the minor unit (pay data, as `rate_minor`).
    pub cost_minor: Option<i64>,
    /// A stopwatch ran longer than the configured maximum: check it.
    pub needs_review: bool,
    /// `timer`, `manual` or `completion`.
    #[schema(example = "timer")]
    pub source: String,
    pub created_by: Option<Uuid>,
    /// The finalized statement that billed it; a billed entry no longer changes (409
    /// `already_billed`: correct it with a credit note).
    pub billed_statement_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<TimeEntry> for TimeEntryOut {
    fn from(e: TimeEntry) -> Self {
        Self {
            id: e.id,
            user_id: e.user_id,
            ticket_id: e.ticket_id,
            task_id: e.task_id,
            customer_id: e.customer_id,
            started_at: e.started_at,
            ended_at: e.ended_at,
            work_date: e.work_date,
            minutes: e.minutes,
            note: e.note,
            billable: e.billable,
            rate_minor: pay::shown(Some(e.user_id), e.rate_minor),
            cost_minor: pay::shown(Some(e.user_id), e.cost_minor),
            needs_review: e.needs_review,
            source: e.source.as_str().to_owned(),
            created_by: e.created_by,
            billed_statement_id: e.billed_statement_id,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}
