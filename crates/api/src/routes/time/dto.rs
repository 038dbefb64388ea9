//! Time on the wire: the requests and responses of this area.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::time::{self as rules, Timer};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::dto::TotalsOut;
pub use crate::dto::time_entries::TimeEntryOut;

#[derive(Serialize, ToSchema)]
pub struct TimerOut {
    pub ticket_id: Uuid,
    pub task_id: Option<Uuid>,
    pub started_at: DateTime<Utc>,
    pub note: Option<String>,
    /// Whole minutes so far.
    pub elapsed_minutes: i64,
    /// Running longer than the configured maximum (the entry will be flagged for review).
    pub overdue: bool,
}

impl TimerOut {
    pub(super) fn new(t: Timer, now: DateTime<Utc>, max: Duration) -> Self {
        Self {
            elapsed_minutes: rules::minutes_between(t.started_at, now),
            overdue: rules::needs_review(t.started_at, now, max),
            ticket_id: t.ticket_id,
            task_id: t.task_id,
            started_at: t.started_at,
            note: t.note,
        }
    }
}

/// The caller's stopwatch, and the entry a switch wrote when it stopped the previous one.
#[derive(Serialize, ToSchema)]
pub struct TimerView {
    /// `null` when no stopwatch runs.
    pub timer: Option<TimerOut>,
    /// The entry written for the stopwatch `switch: true` stopped.
    pub stopped: Option<TimeEntryOut>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"task_id": "01933b5e-0000-7000-8000-000000000041", "note": "Diagnosis", "switch": true}))]
pub struct StartTimer {
    /// The ticket worked on (or give `task_id`).
    pub ticket_id: Option<Uuid>,
    /// The task worked on; its ticket is implied.
    pub task_id: Option<Uuid>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// When work actually began, if the stopwatch is started late (not in the future).
    pub started_at: Option<DateTime<Utc>>,
    /// Stop the running stopwatch (writing its entry) instead of answering 409.
    #[serde(default)]
    pub switch: bool,
}

#[derive(Deserialize, ToSchema, Validate, Default)]
#[schema(example = json!({"note": "Replaced the sensor"}))]
pub struct StopTimer {
    /// Replaces the note given at start.
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// When work actually ended, if stopped late (after the start, not in the future).
    pub ended_at: Option<DateTime<Utc>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"ticket_id": "01933b5e-0000-7000-8000-000000000040", "work_date": "2026-11-20", "minutes": 45, "note": "Phone support"}))]
pub struct CreateEntry {
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// Someone else's time (coordinators); default: the caller.
    pub user_id: Option<Uuid>,
    /// With `ended_at`: a measured entry.
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// With `minutes`: a declared entry.
    pub work_date: Option<NaiveDate>,
    pub minutes: Option<i32>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Default true; warranty work is never billable.
    pub billable: Option<bool>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"minutes": 30, "work_date": "2026-11-20", "billable": false}))]
pub struct UpdateEntry {
    /// To change the span, give fields of one form: `started_at`/`ended_at` (a measured span)
    /// or `work_date`/`minutes` (a declared one). What is left out is kept from the entry when
    /// it has the same form (a new `ended_at` keeps the start; new `minutes` keep the day).
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub work_date: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub minutes: Option<i32>,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub billable: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryFilterParams {
    /// Others' entries need the right to read all time.
    pub user_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub task_id: Option<Uuid>,
    /// First work day included.
    pub from: Option<NaiveDate>,
    /// Last work day included.
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub needs_review: Option<bool>,
}

/// A page of entries and the totals of everything the filter matches.
#[derive(Serialize, ToSchema)]
pub struct EntryPage {
    pub items: Vec<TimeEntryOut>,
    pub next_cursor: Option<String>,
    pub totals: TotalsOut,
}
