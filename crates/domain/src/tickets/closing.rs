//! Ending a ticket's life: a coordinator closes it at any time, but never past open work —
//! its open tasks are cancelled with it when asked, or the close is refused listing them. When
//! the last open task is done, the ticket moves on by itself to the class the installation
//! chose (closed, or resolved for the customer to confirm).

use super::{StatusError, is_closed};
use crate::dictionaries::StatusClass;
use crate::policy::Policy;

/// What closing a ticket takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseDecision {
    /// The open tasks are cancelled with the ticket.
    pub cancel_open_tasks: bool,
}

impl CloseDecision {
    /// Whether a ticket of class `from` with `open_tasks` open tasks may be closed; with
    /// `cancel_open_tasks` they are cancelled with it, else open work refuses the close.
    pub fn check(from: StatusClass, open_tasks: usize, cancel_open_tasks: bool) -> Result<Self, StatusError> {
        if is_closed(from) {
            return Err(StatusError::Closed);
        }
        if open_tasks > 0 && !cancel_open_tasks {
            return Err(StatusError::OpenTasks(open_tasks));
        }
        Ok(Self { cancel_open_tasks: open_tasks > 0 })
    }
}

/// Where a ticket of class `from` goes when its last open task is done: the policy's class,
/// unless it is there already or was closed or cancelled meanwhile.
pub fn after_tasks_done(from: StatusClass, policy: &Policy) -> Option<StatusClass> {
    let to = policy.tasks_done_class;
    (from != to && !is_closed(from)).then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_a_ticket_with_open_tasks_is_refused_unless_they_are_cancelled_with_it() {
        assert_eq!(CloseDecision::check(StatusClass::Open, 2, false), Err(StatusError::OpenTasks(2)));
        assert_eq!(CloseDecision::check(StatusClass::Open, 2, true), Ok(CloseDecision { cancel_open_tasks: true }));
    }

    #[test]
    fn a_ticket_without_open_work_closes_from_any_class_of_its_open_life() {
        for from in [StatusClass::New, StatusClass::Open, StatusClass::Pending, StatusClass::Resolved] {
            assert_eq!(CloseDecision::check(from, 0, false), Ok(CloseDecision { cancel_open_tasks: false }));
        }
    }

    #[test]
    fn a_closed_or_cancelled_ticket_is_not_closed_again() {
        assert_eq!(CloseDecision::check(StatusClass::Closed, 0, true), Err(StatusError::Closed));
        assert_eq!(CloseDecision::check(StatusClass::Cancelled, 0, true), Err(StatusError::Closed));
    }

    #[test]
    fn when_its_tasks_are_done_a_ticket_goes_to_the_policys_class() {
        let policy = Policy::default();
        assert_eq!(after_tasks_done(StatusClass::Open, &policy), Some(StatusClass::Closed));
        let resolved = Policy { tasks_done_class: StatusClass::Resolved, ..Policy::default() };
        assert_eq!(after_tasks_done(StatusClass::Pending, &resolved), Some(StatusClass::Resolved));
    }

    #[test]
    fn a_ticket_already_there_or_ended_meanwhile_stays_where_it_is() {
        let resolved = Policy { tasks_done_class: StatusClass::Resolved, ..Policy::default() };
        assert_eq!(after_tasks_done(StatusClass::Resolved, &resolved), None);
        assert_eq!(after_tasks_done(StatusClass::Cancelled, &Policy::default()), None);
        assert_eq!(after_tasks_done(StatusClass::Closed, &resolved), None);
    }
}
