//! Dictionaries: the admin-editable lists tickets and tasks choose from.
//!
//! Ticket statuses carry a *class* (new, open, pending, resolved, closed, cancelled) and
//! behaviour keys off the class, never the name, so a company renames and adds statuses
//! freely. Each class with statuses has exactly one default; priorities have one default.
//! Task types belong to a task category; a task category carries its default checklist.

use chrono::{DateTime, Utc};
use uuid::Uuid;

named_enum! {
    /// Which list an entry belongs to; also the path segment under `/dictionaries`.
    DictionaryKind {
        TicketStatus = "ticket-statuses",
        Priority = "priorities",
        TicketCategory = "ticket-categories",
        TicketType = "ticket-types",
        TaskCategory = "task-categories",
        TaskType = "task-types",
    }
}

named_enum! {
    /// What a ticket status means to the system.
    StatusClass {
        New = "new",
        Open = "open",
        Pending = "pending",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: Uuid,
    pub kind: DictionaryKind,
    pub name: String,
    /// Sort order within the list (and, for priorities, their rank).
    pub position: i32,
    /// Ticket statuses only.
    pub class: Option<StatusClass>,
    /// The default of its list (statuses: of its class).
    pub is_default: bool,
    /// Task types only: their task category.
    pub parent_id: Option<Uuid>,
    /// Task categories only: checklist lines copied into each new task.
    pub default_checklist: Vec<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What makes an entry's shape valid for its kind; each error names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("class: a ticket status needs a class")]
    ClassRequired,
    #[error("class: only ticket statuses have a class")]
    ClassNotAllowed,
    #[error("parent_id: a task type needs its task category")]
    ParentRequired,
    #[error("parent_id: only task types have a parent")]
    ParentNotAllowed,
    #[error("default_checklist: only task categories have a default checklist")]
    ChecklistNotAllowed,
    #[error("is_default: only ticket statuses and priorities have a default")]
    DefaultNotAllowed,
}

impl ShapeError {
    pub fn field(&self) -> &'static str {
        match self {
            Self::ClassRequired | Self::ClassNotAllowed => "class",
            Self::ParentRequired | Self::ParentNotAllowed => "parent_id",
            Self::ChecklistNotAllowed => "default_checklist",
            Self::DefaultNotAllowed => "is_default",
        }
    }
}

impl DictionaryKind {
    pub fn has_default(self) -> bool {
        matches!(self, Self::TicketStatus | Self::Priority)
    }

    /// Checks the kind-specific fields of an entry being written.
    pub fn check_shape(self, class: Option<StatusClass>, parent: Option<Uuid>, has_checklist: bool, is_default: bool) -> Vec<ShapeError> {
        let mut errors = Vec::new();
        match (self, class) {
            (Self::TicketStatus, None) => errors.push(ShapeError::ClassRequired),
            (Self::TicketStatus, Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.push(ShapeError::ClassNotAllowed),
        }
        match (self, parent) {
            (Self::TaskType, None) => errors.push(ShapeError::ParentRequired),
            (Self::TaskType, Some(_)) | (_, None) => {}
            (_, Some(_)) => errors.push(ShapeError::ParentNotAllowed),
        }
        if has_checklist && self != Self::TaskCategory {
            errors.push(ShapeError::ChecklistNotAllowed);
        }
        if is_default && !self.has_default() {
            errors.push(ShapeError::DefaultNotAllowed);
        }
        errors
    }

    /// The entries whose default flag must be cleared when `entry` becomes the default:
    /// the other defaults of its scope (its class for statuses, the whole list otherwise).
    pub fn same_default_scope(self, a: Option<StatusClass>, b: Option<StatusClass>) -> bool {
        self != Self::TicketStatus || a == b
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_status_needs_a_class_and_nothing_else_may_have_one() {
        assert_eq!(DictionaryKind::TicketStatus.check_shape(None, None, false, false), vec![ShapeError::ClassRequired]);
        assert_eq!(DictionaryKind::Priority.check_shape(Some(StatusClass::Open), None, false, false), vec![ShapeError::ClassNotAllowed]);
        assert!(DictionaryKind::TicketStatus.check_shape(Some(StatusClass::Closed), None, false, true).is_empty());
    }

    #[test]
    fn a_task_type_needs_its_category() {
        assert_eq!(DictionaryKind::TaskType.check_shape(None, None, false, false), vec![ShapeError::ParentRequired]);
        assert_eq!(DictionaryKind::TicketType.check_shape(None, Some(Uuid::nil()), false, false), vec![ShapeError::ParentNotAllowed]);
    }

    #[test]
    fn only_task_categories_carry_a_checklist_and_only_statuses_and_priorities_a_default() {
        assert!(DictionaryKind::TaskCategory.check_shape(None, None, true, false).is_empty());
        assert_eq!(
            DictionaryKind::TicketCategory.check_shape(None, None, true, true),
            vec![ShapeError::ChecklistNotAllowed, ShapeError::DefaultNotAllowed]
        );
    }

    #[test]
    fn status_defaults_are_per_class_and_priority_defaults_per_list() {
        assert!(DictionaryKind::TicketStatus.same_default_scope(Some(StatusClass::Open), Some(StatusClass::Open)));
        assert!(!DictionaryKind::TicketStatus.same_default_scope(Some(StatusClass::Open), Some(StatusClass::Closed)));
        assert!(DictionaryKind::Priority.same_default_scope(None, None));
    }
}
