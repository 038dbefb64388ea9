//! Ticket actions, for what has rules: status changes, assignment, claiming from a team
//! queue, hand-over, closing and reopening. Each is one transaction with its timeline event
//! and the notices it calls for; the rules themselves are the domain's.

use std::collections::HashMap;

use servdesk_domain::Actor;
use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::errors::{code, field};
use servdesk_domain::tickets::{self as rules, CloseDecision, Ticket};
use servdesk_domain::timeline::{Assigned, Change, Claimed, Closing, HandedOver, StatusMove, StatusRef, TicketEvent};
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::{DatabaseTransaction, TransactionTrait, dictionaries, tasks, teams, tickets};
use uuid::Uuid;

use super::{Rollup, move_to_class, move_to_status, progress};
use crate::access::visibility;
use crate::clean;
use crate::{Desk, Error, FieldError, Result, notify, now, references};

/// A ticket as the caller sees it after an action: with the statuses and the rollups it is
/// shown with.
pub struct Shown {
    pub ticket: Ticket,
    pub statuses: Vec<Entry>,
    pub rollups: HashMap<Uuid, Rollup>,
}

/// The ticket a caller acts on, read inside the action's transaction.
struct Loaded {
    txn: DatabaseTransaction,
    ticket: Ticket,
    statuses: Vec<Entry>,
}

impl Loaded {
    async fn new(desk: &Desk, principal: &Principal, id: Uuid) -> Result<Self> {
        let txn = desk.db.begin().await?;
        tickets::lock(&txn, id).await?;
        let visibility = visibility(&txn, principal).await?;
        let ticket = tickets::get_visible(&txn, id, &visibility).await?;
        let statuses = dictionaries::list(&txn, DictionaryKind::TicketStatus, None, None).await?;
        Ok(Self { txn, ticket, statuses })
    }

    fn class(&self, status_id: Uuid) -> Result<StatusClass> {
        self.statuses
            .iter()
            .find(|s| s.id == status_id)
            .and_then(|s| s.class)
            .ok_or_else(|| Error::internal(format!("status {status_id} has no class")))
    }

    fn status_ref(&self, status_id: Uuid) -> StatusRef {
        let name = self.statuses.iter().find(|s| s.id == status_id).map(|s| s.name.clone());
        StatusRef { id: status_id, name }
    }

    /// A move from the ticket's status to `to` by a person, with their note.
    fn moved(&self, to: Uuid, note: Option<String>) -> StatusMove {
        StatusMove { from: self.status_ref(self.ticket.status_id), to: self.status_ref(to), note: clean(note), reason: None }
    }

    /// Records the event and the notices, commits, returns the ticket to show.
    async fn finish(self, mut ticket: Ticket, event: TicketEvent, principal: &Principal) -> Result<Shown> {
        let at = now();
        if let Some(standing) = tickets::append_event(&self.txn, ticket.id, Actor::of(principal), &event, at).await? {
            ticket.sla = standing;
        }
        notify::ticket_changed(&self.txn, &self.ticket, &ticket, &self.statuses, principal.user_id(), at).await?;
        let rollups = progress(&self.txn, [&ticket]).await?;
        crate::commit(self.txn).await?;
        Ok(Shown { ticket, statuses: self.statuses, rollups })
    }
}

/// Moves a ticket to another status within its open life (closing has its own action).
pub async fn change_status(
    desk: &Desk,
    principal: &Principal,
    id: Uuid,
    expected_version: Option<i64>,
    status_id: Uuid,
    note: Option<String>,
) -> Result<Shown> {
    let loaded = Loaded::new(desk, principal, id).await?;
    references::dictionary(&loaded.txn, "status_id", DictionaryKind::TicketStatus, Some(status_id)).await?;
    let (from, to) = (loaded.class(loaded.ticket.status_id)?, loaded.class(status_id)?);
    rules::check_status_change(from, to).map_err(|e| Error::domain(&e))?;
    let stamps = rules::stamps_after(loaded.ticket.stamps(), from, to, now());
    let ticket = tickets::set_status(&loaded.txn, &loaded.ticket, expected_version, status_id, stamps, now()).await?;
    let event = TicketEvent::StatusChanged(loaded.moved(status_id, note));
    loaded.finish(ticket, event, principal).await
}

/// Puts a ticket in a team queue and/or on a person (`None` leaves a part as it is).
pub async fn assign(
    desk: &Desk,
    principal: &Principal,
    id: Uuid,
    expected_version: Option<i64>,
    team_id: Option<Option<Uuid>>,
    assignee_id: Option<Option<Uuid>>,
    note: Option<String>,
) -> Result<Shown> {
    let loaded = Loaded::new(desk, principal, id).await?;
    let team_id = team_id.unwrap_or(loaded.ticket.team_id);
    let assignee_id = assignee_id.unwrap_or(loaded.ticket.assignee_id);
    references::team(&loaded.txn, team_id).await?;
    references::ticket_assignee(&loaded.txn, assignee_id).await?;
    let ticket = tickets::set_assignment(&loaded.txn, &loaded.ticket, expected_version, team_id, assignee_id, now()).await?;
    let event = TicketEvent::Assigned(Assigned {
        team: Change { before: loaded.ticket.team_id, after: team_id },
        assignee: Change { before: loaded.ticket.assignee_id, after: assignee_id },
        note: clean(note),
    });
    loaded.finish(ticket, event, principal).await
}

/// The caller takes an unassigned ticket from the queue of a team they belong to.
pub async fn claim(desk: &Desk, principal: &Principal, id: Uuid) -> Result<Shown> {
    let user_id = principal.user_id().ok_or_else(Error::forbidden)?;
    let loaded = Loaded::new(desk, principal, id).await?;
    let user_teams = teams::of_user(&loaded.txn, user_id).await?;
    let to = loaded.ticket.claim(user_id, &user_teams).map_err(|e| Error::domain(&e))?;
    let ticket = tickets::set_assignment(&loaded.txn, &loaded.ticket, None, to.team_id, to.assignee_id, now()).await?;
    loaded.finish(ticket, TicketEvent::Claimed(Claimed { assignee: user_id }), principal).await
}

/// Hands a ticket over to a colleague with a note (its assignee, or a coordinator).
pub async fn hand_over(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>, to: Uuid, note: &str) -> Result<Shown> {
    let user_id = principal.user_id().ok_or_else(Error::forbidden)?;
    let loaded = Loaded::new(desk, principal, id).await?;
    let coordinates = principal.can(Permission::TicketsCoordinate);
    let next = loaded.ticket.hand_over(user_id, coordinates, to).map_err(|e| Error::domain(&e))?;
    references::ticket_assignee(&loaded.txn, Some(to)).await?;
    let ticket = tickets::set_assignment(&loaded.txn, &loaded.ticket, expected_version, next.team_id, next.assignee_id, now()).await?;
    let event = TicketEvent::HandedOver(HandedOver { from: loaded.ticket.assignee_id, to, note: note.trim().to_owned() });
    loaded.finish(ticket, event, principal).await
}

/// How a ticket is closed.
#[derive(Default)]
pub struct CloseRequest {
    pub note: Option<String>,
    /// A status of class `closed` or `cancelled`; the default status of class `closed` if none.
    pub status_id: Option<Uuid>,
    pub cancel_open_tasks: bool,
}

/// Closes a ticket: to the status asked for (of class `closed` or `cancelled`), or the
/// default status of class `closed`. Open tasks are cancelled with it when asked; otherwise
/// they refuse the close, each listed in the error.
pub async fn close(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>, request: CloseRequest) -> Result<Shown> {
    let CloseRequest { note, status_id, cancel_open_tasks } = request;
    let loaded = Loaded::new(desk, principal, id).await?;
    let from = loaded.class(loaded.ticket.status_id)?;
    let target = match status_id {
        Some(status_id) => {
            references::dictionary(&loaded.txn, "status_id", DictionaryKind::TicketStatus, Some(status_id)).await?;
            let class = loaded.class(status_id)?;
            if !rules::is_closed(class) {
                return Err(Error::invalid_field(
                    "status_id",
                    field::NOT_A_CLOSING_STATUS,
                    "close to a status of class closed or cancelled",
                ));
            }
            Some((status_id, class))
        }
        None => None,
    };
    let open: Vec<_> = tasks::of_ticket(&loaded.txn, loaded.ticket.id).await?.into_iter().filter(|t| t.status.is_open()).collect();
    let decision = CloseDecision::check(from, open.len(), cancel_open_tasks).map_err(|e| {
        let listed =
            open.iter().map(|t| FieldError::new("cancel_open_tasks", field::OPEN_TASK, format!("{} {} ({})", t.number, t.title, t.status)));
        let error = Error::domain(&e);
        if error.code == code::OPEN_TASKS { error.with_errors(listed.collect()) } else { error }
    })?;
    if decision.cancel_open_tasks {
        crate::tasks::cancel_open(&loaded.txn, principal, &open, now()).await?;
    }
    let (ticket, closed_id) = match target {
        Some(target) => (move_to_status(&loaded.txn, &loaded.ticket, from, target, expected_version, now()).await?, target.0),
        None => {
            let (ticket, closed) = move_to_class(&loaded.txn, &loaded.ticket, from, StatusClass::Closed, expected_version, now()).await?;
            (ticket, closed.id)
        }
    };
    let cancelled: Vec<_> = open.iter().filter(|_| decision.cancel_open_tasks).map(|t| t.number.clone()).collect();
    let StatusMove { from, to, note, reason } = loaded.moved(closed_id, note);
    let event = TicketEvent::Closed(Closing { from, to, note, reason, cancelled_tasks: cancelled });
    loaded.finish(ticket, event, principal).await
}

/// Reopens a closed ticket within the policy's reopen window (the default status of class
/// `open`).
pub async fn reopen(desk: &Desk, principal: &Principal, id: Uuid, expected_version: Option<i64>, note: Option<String>) -> Result<Shown> {
    let loaded = Loaded::new(desk, principal, id).await?;
    let from = loaded.class(loaded.ticket.status_id)?;
    rules::check_reopen(from, loaded.ticket.closed_at, desk.policy.reopen_window, now()).map_err(|e| Error::domain(&e))?;
    let (ticket, open) = move_to_class(&loaded.txn, &loaded.ticket, from, StatusClass::Open, expected_version, now()).await?;
    let event = TicketEvent::Reopened(loaded.moved(open.id, note));
    loaded.finish(ticket, event, principal).await
}
