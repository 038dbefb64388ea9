//! Checklists: plain to-do lines on a ticket or a task. Who checked a line and when is kept;
//! a checked line is a record of work done and is not deleted.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::errors::{Code, DomainError, code};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChecklistItem {
    pub id: Uuid,
    pub ticket_id: Uuid,
    /// Set for a task's line; `None` for the ticket's own.
    pub task_id: Option<Uuid>,
    /// 1-based place in its list.
    pub position: i32,
    pub text: String,
    pub checked: bool,
    pub checked_by: Option<Uuid>,
    pub checked_at: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a checked line is a record of work done; uncheck it first")]
pub struct CheckedLineKept;

impl DomainError for CheckedLineKept {
    fn code(&self) -> Code {
        code::CHECKLIST_ITEM_CHECKED
    }
}

/// A checked line stays on the checklist.
pub fn check_delete(item: &ChecklistItem) -> Result<(), CheckedLineKept> {
    if item.checked { Err(CheckedLineKept) } else { Ok(()) }
}

/// The list's ids in their new order after moving `id` to `position` (1-based, clamped to
/// the list). `None` when `id` is not in the list.
pub fn moved(order: &[Uuid], id: Uuid, position: i32) -> Option<Vec<Uuid>> {
    let from = order.iter().position(|x| *x == id)?;
    let mut out = order.to_vec();
    out.remove(from);
    let to = usize::try_from(position.max(1) - 1).unwrap_or(0).min(out.len());
    out.insert(to, id);
    Some(out)
}

/// The longest checklist line kept.
pub const MAX_LINE_CHARS: usize = 500;

/// The lines a new task gets from its category's default checklist: a copy (the task owns it
/// from then on; later template edits leave it alone), in the template's order, trimmed,
/// without blank lines, each cut to [`MAX_LINE_CHARS`].
pub fn lines_from_template(template: &[String]) -> Vec<String> {
    template.iter().map(|l| l.trim()).filter(|l| !l.is_empty()).map(|l| l.chars().take(MAX_LINE_CHARS).collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(n: usize) -> Vec<Uuid> {
        (0..n).map(|_| Uuid::now_v7()).collect()
    }

    #[test]
    fn moving_a_line_shifts_the_ones_between() {
        let list = ids(4);
        assert_eq!(moved(&list, list[3], 1), Some(vec![list[3], list[0], list[1], list[2]]));
        assert_eq!(moved(&list, list[0], 3), Some(vec![list[1], list[2], list[0], list[3]]));
    }

    #[test]
    fn a_position_past_either_end_is_clamped() {
        let list = ids(3);
        assert_eq!(moved(&list, list[0], 99), Some(vec![list[1], list[2], list[0]]));
        assert_eq!(moved(&list, list[2], -5), Some(vec![list[2], list[0], list[1]]));
        assert_eq!(moved(&list, Uuid::now_v7(), 1), None);
    }

    #[test]
    fn a_task_copies_its_templates_lines_in_order_trimmed_without_blanks() {
        let template = vec!["  Inspect ".to_owned(), String::new(), "Test run".to_owned(), "x".repeat(600)];
        let copy = lines_from_template(&template);
        assert_eq!(copy[..2], ["Inspect".to_owned(), "Test run".to_owned()]);
        assert_eq!(copy.len(), 3);
        assert_eq!(copy[2].chars().count(), MAX_LINE_CHARS);
    }

    #[test]
    fn only_unchecked_lines_can_be_deleted() {
        let now = Utc::now();
        let mut item = ChecklistItem {
            id: Uuid::now_v7(),
            ticket_id: Uuid::now_v7(),
            task_id: None,
            position: 1,
            text: "Inspect".into(),
            checked: false,
            checked_by: None,
            checked_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        assert_eq!(check_delete(&item), Ok(()));
        item.checked = true;
        assert_eq!(check_delete(&item), Err(CheckedLineKept));
    }
}
