//! Who works a ticket: a team queue and an assignee. A member of the ticket's team claims it
//! from the queue while nobody has it; its assignee (or a coordinator) hands it over to a
//! colleague with a note.

use uuid::Uuid;

use super::Ticket;
use crate::Role;
use crate::errors::{Code, DomainError, code, field};

/// A ticket's queue and assignee after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentRefused {
    #[error("someone already has this ticket; ask a coordinator or a hand-over")]
    AlreadyAssigned,
    #[error("only members of the ticket's team can claim it from the queue")]
    NotInTeam,
    #[error("only the ticket's assignee (or a coordinator) can hand it over")]
    NotAssignee,
    #[error("only coordinators put a new ticket on someone else or in a team they are not in")]
    NotCoordinator,
    #[error("finance and partner users do not work tickets (they could not even see it)")]
    CannotWorkTickets,
}

impl DomainError for AssignmentRefused {
    fn code(&self) -> Code {
        match self {
            Self::AlreadyAssigned => code::ALREADY_ASSIGNED,
            Self::NotInTeam => code::NOT_IN_TEAM,
            Self::NotAssignee => code::NOT_ASSIGNEE,
            Self::NotCoordinator => code::FORBIDDEN,
            Self::CannotWorkTickets => field::NOT_ASSIGNABLE,
        }
    }

    fn field(&self) -> Option<&'static str> {
        matches!(self, Self::CannotWorkTickets).then_some("assignee_id")
    }
}

/// Whether a person of `role` can be given a ticket: someone who sees and works it.
pub fn check_assignable(role: Role) -> Result<(), AssignmentRefused> {
    if matches!(role, Role::Finance | Role::Partner) { Err(AssignmentRefused::CannotWorkTickets) } else { Ok(()) }
}

/// The queue and assignee a new ticket may start with: coordinators any; anyone else only
/// themselves and a team they are in (`user_teams`) — as they could by claiming it — since
/// assigning is a coordinator's action.
pub fn check_initial_assignment(
    by: Option<Uuid>,
    coordinates: bool,
    user_teams: &[Uuid],
    wanted: Assignment,
) -> Result<(), AssignmentRefused> {
    if coordinates {
        return Ok(());
    }
    let own_team = wanted.team_id.is_none_or(|t| user_teams.contains(&t));
    let self_assigned = wanted.assignee_id.is_none() || wanted.assignee_id == by;
    if own_team && self_assigned { Ok(()) } else { Err(AssignmentRefused::NotCoordinator) }
}

impl Ticket {
    /// `user` takes the ticket from its team's queue; `user_teams` are the teams they are in.
    pub fn claim(&self, user: Uuid, user_teams: &[Uuid]) -> Result<Assignment, AssignmentRefused> {
        if self.assignee_id.is_some() {
            return Err(AssignmentRefused::AlreadyAssigned);
        }
        match self.team_id {
            Some(team) if user_teams.contains(&team) => Ok(Assignment { team_id: self.team_id, assignee_id: Some(user) }),
            _ => Err(AssignmentRefused::NotInTeam),
        }
    }

    /// `by` hands the ticket over to `to`, staying in its team queue; `coordinates` says `by`
    /// may hand over anyone's ticket.
    pub fn hand_over(&self, by: Uuid, coordinates: bool, to: Uuid) -> Result<Assignment, AssignmentRefused> {
        if self.assignee_id != Some(by) && !coordinates {
            return Err(AssignmentRefused::NotAssignee);
        }
        Ok(Assignment { team_id: self.team_id, assignee_id: Some(to) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::tests;

    fn ticket() -> Ticket {
        tests::ticket("Leak", None, None)
    }

    #[test]
    fn an_agent_may_open_a_ticket_on_themselves_in_their_own_team_only() {
        let (me, team, other) = (Some(Uuid::from_u128(1)), Uuid::from_u128(7), Uuid::from_u128(8));
        let mine = Assignment { team_id: Some(team), assignee_id: me };
        assert_eq!(check_initial_assignment(me, false, &[team], mine), Ok(()));
        assert_eq!(check_initial_assignment(me, false, &[team], Assignment { team_id: None, assignee_id: None }), Ok(()));
        let elsewhere = Assignment { team_id: Some(other), assignee_id: None };
        assert_eq!(check_initial_assignment(me, false, &[team], elsewhere), Err(AssignmentRefused::NotCoordinator));
        let colleague = Assignment { team_id: None, assignee_id: Some(Uuid::from_u128(2)) };
        assert_eq!(check_initial_assignment(me, false, &[team], colleague), Err(AssignmentRefused::NotCoordinator));
        assert_eq!(check_initial_assignment(me, true, &[], colleague), Ok(()));
    }

    #[test]
    fn finance_and_partner_users_cannot_be_given_a_ticket() {
        assert_eq!(check_assignable(Role::Finance), Err(AssignmentRefused::CannotWorkTickets));
        assert_eq!(check_assignable(Role::Partner), Err(AssignmentRefused::CannotWorkTickets));
        assert_eq!(check_assignable(Role::Technician), Ok(()));
    }

    #[test]
    fn a_team_member_claims_an_unassigned_ticket_from_the_queue() {
        let team = Uuid::from_u128(7);
        let user = Uuid::from_u128(1);
        let t = Ticket { team_id: Some(team), assignee_id: None, ..ticket() };
        assert_eq!(t.claim(user, &[team]), Ok(Assignment { team_id: Some(team), assignee_id: Some(user) }));
    }

    #[test]
    fn a_ticket_someone_has_cannot_be_claimed() {
        let team = Uuid::from_u128(7);
        let t = Ticket { team_id: Some(team), assignee_id: Some(Uuid::from_u128(2)), ..ticket() };
        assert_eq!(t.claim(Uuid::from_u128(1), &[team]), Err(AssignmentRefused::AlreadyAssigned));
    }

    #[test]
    fn only_members_of_the_tickets_team_claim_it_and_a_ticket_in_no_queue_is_nobodys_to_claim() {
        let t = Ticket { team_id: Some(Uuid::from_u128(7)), ..ticket() };
        assert_eq!(t.claim(Uuid::from_u128(1), &[Uuid::from_u128(8)]), Err(AssignmentRefused::NotInTeam));
        let queueless = Ticket { team_id: None, ..ticket() };
        assert_eq!(queueless.claim(Uuid::from_u128(1), &[Uuid::from_u128(8)]), Err(AssignmentRefused::NotInTeam));
    }

    #[test]
    fn the_assignee_hands_over_and_the_ticket_stays_in_its_queue() {
        let (me, colleague, team) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(7));
        let t = Ticket { team_id: Some(team), assignee_id: Some(me), ..ticket() };
        assert_eq!(t.hand_over(me, false, colleague), Ok(Assignment { team_id: Some(team), assignee_id: Some(colleague) }));
    }

    #[test]
    fn someone_elses_ticket_is_handed_over_only_by_a_coordinator() {
        let t = Ticket { assignee_id: Some(Uuid::from_u128(3)), ..ticket() };
        assert_eq!(t.hand_over(Uuid::from_u128(1), false, Uuid::from_u128(2)), Err(AssignmentRefused::NotAssignee));
        assert!(t.hand_over(Uuid::from_u128(1), true, Uuid::from_u128(2)).is_ok());
    }
}
