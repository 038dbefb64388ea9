//! Tasks (work orders) of a ticket: their status machine, what a ticket's progress is, and
//! when completing a task closes its ticket.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::errors::{Code, DomainError, code, field};

named_enum! {
    /// Where a task is. `done` and `cancelled` are final.
    TaskStatus {
        New = "new",
        Scheduled = "scheduled",
        InProgress = "in_progress",
        OnHold = "on_hold",
        Done = "done",
        Cancelled = "cancelled",
    }
}

impl TaskStatus {
    /// Still to be worked on (not done, not cancelled).
    pub fn is_open(self) -> bool {
        !matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

/// A work order of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub paid: bool,
    /// Warranty work of its own (its time and materials bill at zero), besides the ticket's flag.
    pub warranty: bool,
    pub notify_assignee: bool,
    pub status: TaskStatus,
    pub completed_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    /// Custom field values by key (see `custom_fields`).
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a task cannot go from {from} to {to}")]
pub struct TransitionRefused {
    pub from: TaskStatus,
    pub to: TaskStatus,
}

/// The moves a task may make: `new -> scheduled -> in_progress <-> on_hold -> done`, work
/// started without a schedule (`new -> in_progress`), a schedule withdrawn
/// (`scheduled -> new`), and `cancelled` from any open state. Final states stay final.
pub fn check_transition(from: TaskStatus, to: TaskStatus) -> Result<(), TransitionRefused> {
    use TaskStatus::*;
    let allowed = match (from, to) {
        (New, Scheduled | InProgress) => true,
        (Scheduled, InProgress | New) => true,
        (InProgress, OnHold | Done) => true,
        (OnHold, InProgress | Done) => true,
        (f, Cancelled) => f.is_open(),
        _ => false,
    };
    if allowed { Ok(()) } else { Err(TransitionRefused { from, to }) }
}

/// A ticket's progress: done tasks out of those not cancelled, and checked checklist lines out
/// of all (the ticket's own and its tasks').
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    pub tasks_done: u32,
    pub tasks_total: u32,
    pub checklist_checked: u32,
    pub checklist_total: u32,
}

impl Progress {
    pub fn of(tasks: &[TaskStatus], checklist: &[bool]) -> Self {
        Self {
            tasks_done: count(tasks.iter().filter(|s| **s == TaskStatus::Done)),
            tasks_total: count(tasks.iter().filter(|s| **s != TaskStatus::Cancelled)),
            checklist_checked: count(checklist.iter().filter(|c| **c)),
            checklist_total: count(checklist.iter()),
        }
    }

    /// Done tasks as a whole percentage (`None` without tasks to do).
    pub fn tasks_percent(&self) -> Option<u32> {
        (self.tasks_total > 0).then(|| self.tasks_done * 100 / self.tasks_total)
    }
}

fn count<T>(items: impl Iterator<Item = T>) -> u32 {
    u32::try_from(items.count()).unwrap_or(u32::MAX)
}

/// Whether the ticket closes now that one of its tasks moved to `changed_to`: only when that
/// move completed the task, the ticket had tasks, and none of them (`after`, the statuses
/// after the move) is still open. Cancelling never closes a ticket.
pub fn completion_closes_ticket(changed_to: TaskStatus, after: &[TaskStatus]) -> bool {
    changed_to == TaskStatus::Done && !after.is_empty() && !after.iter().any(|s| s.is_open())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the planned end must be after the planned start")]
pub struct WindowInverted;

impl DomainError for TransitionRefused {
    fn code(&self) -> Code {
        code::INVALID_TRANSITION
    }
}

impl DomainError for WindowInverted {
    fn code(&self) -> Code {
        field::BEFORE_START
    }

    fn field(&self) -> Option<&'static str> {
        Some("planned_end")
    }
}

/// Why a task's own fields refuse a change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaskRefused {
    #[error("task {number} is {status}; it can no longer change")]
    Closed { number: String, status: TaskStatus },
    #[error("the task type belongs to another task category")]
    TypeOfAnotherCategory,
    #[error("this person does not work tasks (finance reads time and costs only)")]
    CannotWorkTasks,
}

/// Whether a person of `role` can be given a task: someone who may work one.
pub fn check_assignee(role: crate::Role) -> Result<(), TaskRefused> {
    if role.allows(crate::Permission::TasksWork) { Ok(()) } else { Err(TaskRefused::CannotWorkTasks) }
}

impl DomainError for TaskRefused {
    fn code(&self) -> Code {
        match self {
            Self::Closed { .. } => code::TASK_CLOSED,
            Self::TypeOfAnotherCategory => field::WRONG_CATEGORY,
            Self::CannotWorkTasks => field::NOT_ASSIGNABLE,
        }
    }

    fn field(&self) -> Option<&'static str> {
        match self {
            Self::Closed { .. } => None,
            Self::TypeOfAnotherCategory => Some("type_id"),
            Self::CannotWorkTasks => Some("assignee_id"),
        }
    }
}

impl Task {
    /// A done or cancelled task keeps what it was.
    pub fn check_changeable(&self) -> Result<(), TaskRefused> {
        if self.status.is_open() { Ok(()) } else { Err(TaskRefused::Closed { number: self.number.clone(), status: self.status }) }
    }
}

/// A task type must be one of the task's category's types (`type_category`: the type's
/// parent; a type needs its category named).
pub fn check_type(category_id: Option<Uuid>, type_category: Option<Uuid>) -> Result<(), TaskRefused> {
    if category_id.is_some() && type_category == category_id { Ok(()) } else { Err(TaskRefused::TypeOfAnotherCategory) }
}

/// A planned window needs its end after its start; either end may be left open.
pub fn check_window(start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> Result<(), WindowInverted> {
    match (start, end) {
        (Some(s), Some(e)) if e <= s => Err(WindowInverted),
        _ => Ok(()),
    }
}

/// A planned window given to a `new` task schedules it; taking the window away from a
/// `scheduled` one puts it back to `new`. Work under way keeps its status.
pub fn status_after_planning(status: TaskStatus, planned_start: Option<DateTime<Utc>>) -> TaskStatus {
    match (status, planned_start) {
        (TaskStatus::New, Some(_)) => TaskStatus::Scheduled,
        (TaskStatus::Scheduled, None) => TaskStatus::New,
        (other, _) => other,
    }
}

/// A task's planned window on one assignee's calendar; an open end counts as the start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub task_id: Uuid,
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
}

/// The tasks whose windows overlap another's (of one assignee). Windows that only touch
/// (one ends when the next starts) do not overlap.
pub fn overlapping(windows: &[Window]) -> std::collections::HashSet<Uuid> {
    let mut sorted: Vec<(DateTime<Utc>, DateTime<Utc>, Uuid)> =
        windows.iter().map(|w| (w.start, w.end.unwrap_or(w.start).max(w.start), w.task_id)).collect();
    sorted.sort();
    let mut found = std::collections::HashSet::new();
    // The window reaching furthest so far: anything starting before its end overlaps it.
    let mut reach: Option<(DateTime<Utc>, Uuid)> = None;
    for (start, end, id) in sorted {
        if let Some((reach_end, reach_id)) = reach
            && start < reach_end
        {
            found.insert(id);
            found.insert(reach_id);
        }
        if reach.is_none_or(|(reach_end, _)| end > reach_end) {
            reach = Some((end, id));
        }
    }
    found
}

/// A past task set beside this one, with what it is judged by: its ticket's equipment.
pub struct Compared<'a> {
    pub task: &'a Task,
    pub equipment_id: Option<Uuid>,
}

/// Why a past task looks like this one, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Similarity {
    pub score: u32,
    pub same_equipment: bool,
    pub same_category: bool,
    pub shared_words: Vec<String>,
}

/// Scores a past task against this one: shared words of title and description (two points
/// each), the same equipment (five: the same machine's history is the best hint), the same
/// task category (one).
pub fn similarity(this: &Compared, past: &Compared) -> Similarity {
    use crate::tickets::{shared, significant_words};
    let words = |t: &Task| significant_words(&format!("{} {}", t.title, t.description.as_deref().unwrap_or("")));
    let shared_words = shared(&words(this.task), &words(past.task));
    let same_equipment = this.equipment_id.is_some() && this.equipment_id == past.equipment_id;
    let same_category = this.task.category_id.is_some() && this.task.category_id == past.task.category_id;
    let score =
        2 * u32::try_from(shared_words.len()).unwrap_or(u32::MAX / 4) + if same_equipment { 5 } else { 0 } + u32::from(same_category);
    Similarity { score, same_equipment, same_category, shared_words }
}

/// Task numbers extend their ticket's: `T-2026-000123/2` is the ticket's second task.
pub fn task_number(ticket_number: &str, n: i64) -> String {
    format!("{ticket_number}/{n}")
}

#[cfg(test)]
mod tests {
    use super::TaskStatus::*;
    use super::*;

    #[test]
    fn a_task_type_must_belong_to_the_tasks_category() {
        let category = Some(Uuid::from_u128(1));
        assert_eq!(check_type(category, category), Ok(()));
        assert_eq!(check_type(category, Some(Uuid::from_u128(2))), Err(TaskRefused::TypeOfAnotherCategory));
        assert_eq!(check_type(None, category), Err(TaskRefused::TypeOfAnotherCategory));
    }

    #[test]
    fn a_refused_type_or_window_names_the_field_it_is_about() {
        assert_eq!(TaskRefused::TypeOfAnotherCategory.field(), Some("type_id"));
        assert_eq!(WindowInverted.field(), Some("planned_end"));
        assert_eq!(TransitionRefused { from: TaskStatus::Done, to: TaskStatus::New }.code(), code::INVALID_TRANSITION);
    }
    use chrono::TimeZone;

    fn hour(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, h, 0, 0).single().unwrap_or_default()
    }

    fn window(n: u128, start: u32, end: Option<u32>) -> Window {
        Window { task_id: Uuid::from_u128(n), start: hour(start), end: end.map(hour) }
    }

    fn task(title: &str, category: Option<u128>) -> Task {
        Task {
            external_ref: None,
            custom_fields: Default::default(),
            id: Uuid::now_v7(),
            ticket_id: Uuid::nil(),
            number: "T-2026-000001/1".into(),
            title: title.into(),
            description: None,
            category_id: category.map(Uuid::from_u128),
            type_id: None,
            planned_start: None,
            planned_end: None,
            customer_id: None,
            location_id: None,
            contact_id: None,
            priority_id: Uuid::nil(),
            assignee_id: None,
            partner_id: None,
            paid: false,
            warranty: false,
            notify_assignee: false,
            status: Done,
            completed_at: None,
            created_by: None,
            version: 1,
            created_at: hour(8),
            updated_at: hour(8),
        }
    }

    #[test]
    fn the_same_machine_outweighs_two_shared_words_and_the_category_counts_one() {
        let this = task("Replace pump seal", Some(1));
        let same_machine = task("Annual service", None);
        let same_words = task("Pump seal leaking", None);
        let same_category = task("Something else", Some(1));
        let equipment = Some(Uuid::from_u128(9));
        let me = Compared { task: &this, equipment_id: equipment };
        let score = |t: &Task, e: Option<Uuid>| similarity(&me, &Compared { task: t, equipment_id: e });
        assert_eq!(score(&same_machine, equipment).score, 5);
        let by_words = score(&same_words, None);
        assert_eq!((by_words.score, by_words.shared_words), (4, vec!["pump".to_owned(), "seal".to_owned()]));
        assert_eq!(score(&same_category, None).score, 1);
        assert_eq!(score(&task("Unrelated work", None), None).score, 0);
    }

    #[test]
    fn planning_a_new_task_schedules_it_and_unplanning_a_scheduled_one_resets_it() {
        assert_eq!(status_after_planning(New, Some(hour(8))), Scheduled);
        assert_eq!(status_after_planning(Scheduled, None), New);
        assert_eq!(status_after_planning(InProgress, None), InProgress);
        assert_eq!(status_after_planning(New, None), New);
    }

    #[test]
    fn windows_that_cross_are_flagged_and_windows_that_touch_are_not() {
        let found = overlapping(&[window(1, 8, Some(10)), window(2, 9, Some(11)), window(3, 11, Some(12))]);
        assert_eq!(found, [Uuid::from_u128(1), Uuid::from_u128(2)].into_iter().collect());
    }

    #[test]
    fn a_long_window_overlaps_every_short_one_inside_it() {
        let found = overlapping(&[window(1, 8, Some(17)), window(2, 9, Some(10)), window(3, 14, Some(15)), window(4, 18, None)]);
        assert_eq!(found, [1u128, 2, 3].into_iter().map(Uuid::from_u128).collect());
    }

    #[test]
    fn an_open_ended_window_is_an_instant_that_overlaps_only_what_spans_it() {
        assert!(overlapping(&[window(1, 8, None), window(2, 8, None)]).is_empty());
        assert_eq!(overlapping(&[window(1, 8, Some(10)), window(2, 9, None)]).len(), 2);
    }

    #[test]
    fn the_usual_path_is_scheduled_started_paused_resumed_and_done() {
        for (from, to) in [(New, Scheduled), (Scheduled, InProgress), (InProgress, OnHold), (OnHold, InProgress), (InProgress, Done)] {
            assert_eq!(check_transition(from, to), Ok(()), "{from} -> {to}");
        }
    }

    #[test]
    fn work_may_start_unscheduled_and_a_schedule_may_be_withdrawn() {
        assert_eq!(check_transition(New, InProgress), Ok(()));
        assert_eq!(check_transition(Scheduled, New), Ok(()));
    }

    #[test]
    fn any_open_task_can_be_cancelled_but_final_states_stay_final() {
        for from in [New, Scheduled, InProgress, OnHold] {
            assert_eq!(check_transition(from, Cancelled), Ok(()));
        }
        for to in TaskStatus::ALL {
            assert!(check_transition(Done, *to).is_err(), "done -> {to}");
            assert!(check_transition(Cancelled, *to).is_err(), "cancelled -> {to}");
        }
    }

    #[test]
    fn a_task_cannot_be_done_before_it_was_started() {
        assert_eq!(check_transition(New, Done), Err(TransitionRefused { from: New, to: Done }));
        assert!(check_transition(Scheduled, Done).is_err());
        assert!(check_transition(InProgress, Scheduled).is_err());
    }

    #[test]
    fn progress_counts_done_tasks_out_of_those_not_cancelled() {
        let p = Progress::of(&[Done, InProgress, Cancelled, Done], &[true, false, true]);
        assert_eq!(p, Progress { tasks_done: 2, tasks_total: 3, checklist_checked: 2, checklist_total: 3 });
        assert_eq!(p.tasks_percent(), Some(66));
        assert_eq!(Progress::of(&[Cancelled], &[]).tasks_percent(), None);
    }

    #[test]
    fn completing_the_last_open_task_closes_the_ticket() {
        assert!(completion_closes_ticket(Done, &[Done, Cancelled, Done]));
        assert!(!completion_closes_ticket(Done, &[Done, OnHold]), "another task is still open");
    }

    #[test]
    fn cancelling_the_last_open_task_never_closes_the_ticket() {
        assert!(!completion_closes_ticket(Cancelled, &[Done, Cancelled]));
        assert!(!completion_closes_ticket(Done, &[]), "no tasks, nothing to complete");
    }

    #[test]
    fn a_planned_window_ends_after_it_starts() {
        let at = |h: u32| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 11, 23, h, 0, 0).single();
        assert_eq!(check_window(at(9), at(11)), Ok(()));
        assert_eq!(check_window(at(11), at(9)), Err(WindowInverted));
        assert_eq!(check_window(at(9), at(9)), Err(WindowInverted));
        assert_eq!(check_window(None, at(9)), Ok(()));
    }

    #[test]
    fn a_task_number_extends_its_tickets() {
        assert_eq!(task_number("T-2026-000123", 2), "T-2026-000123/2");
    }

    #[test]
    fn a_finance_user_cannot_be_given_a_task() {
        assert_eq!(check_assignee(crate::Role::Finance), Err(TaskRefused::CannotWorkTasks));
        assert_eq!(check_assignee(crate::Role::Technician), Ok(()));
        assert_eq!(check_assignee(crate::Role::Partner), Ok(()));
    }
}
