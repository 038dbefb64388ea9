//! Tickets: numbered cases that work and events attach to.
//!
//! A ticket is created in the default status of class `new` and the default priority. When
//! equipment is linked, the warranty flag defaults to whether the reported date falls inside
//! its warranty; a different flag is an override and needs a reason, and both are kept.
//! A serial number on a ticket either names known equipment (which is linked) or, unknown,
//! must fit the format of the product the caller names.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use crate::dictionaries::StatusClass;
use crate::errors::{Code, DomainError, code};

mod assignment;
mod closing;
mod comments;
mod unit;

pub use assignment::{Assignment, AssignmentRefused, check_assignable, check_initial_assignment};
pub use closing::{CloseDecision, after_tasks_done};
pub use comments::{Comment, EmailAuthor};
pub use unit::{SerialError, Warranty, WarrantyError, resolve_serial, warranty};

named_enum! {
    /// Where a call or ticket came from.
    Channel {
        Phone = "phone",
        WalkIn = "walk_in",
        Email = "email",
        Sms = "sms",
        WebForm = "web_form",
        Api = "api",
        Portal = "portal",
    }
}

named_enum! {
    /// What happened to a ticket; each timeline event has one.
    EventKind {
        Created = "created",
        FieldsChanged = "fields_changed",
        StatusChanged = "status_changed",
        Assigned = "assigned",
        Claimed = "claimed",
        HandedOver = "handed_over",
        Closed = "closed",
        Reopened = "reopened",
        CommentAdded = "comment_added",
        AlarmRepeated = "alarm_repeated",
        AlarmResolved = "alarm_resolved",
        CallMerged = "call_merged",
        AttachmentAdded = "attachment_added",
        AttachmentRemoved = "attachment_removed",
        TaskCreated = "task_created",
        TaskStatusChanged = "task_status_changed",
        ChecklistChanged = "checklist_changed",
        TaskUpdated = "task_updated",
        TaskCompleted = "task_completed",
        DocumentAdded = "document_added",
        TimeLogged = "time_logged",
        TimeChanged = "time_changed",
        TimeRemoved = "time_removed",
        MessageFailed = "message_failed",
        RuleApplied = "rule_applied",
        SlaPolicyChanged = "sla_policy_changed",
    }
}

named_enum! {
    /// Who a comment is for: the contact (a reply, sent to them) or the staff (a note).
    CommentVisibility {
        Public = "public",
        Internal = "internal",
    }
}

/// The `@login` mentions in a note, lower-cased, each once, in order. A login is the local
/// part of a colleague's email; `@` inside a word (an email address) is not a mention.
pub fn mentions(body: &str) -> Vec<String> {
    let chars: Vec<char> = body.chars().collect();
    let mut found: Vec<String> = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || matches!(chars[i - 1], '.' | '_' | '-'));
        if *c != '@' || !starts_word {
            continue;
        }
        let login: String = chars[i + 1..].iter().take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-')).collect();
        let login = login.trim_end_matches(['.', '-', '_']).to_lowercase();
        if !login.is_empty() && !found.contains(&login) {
            found.push(login);
        }
    }
    found
}

#[derive(Debug, Clone, PartialEq)]
pub struct Ticket {
    pub id: Uuid,
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub channel: Channel,
    pub call_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub status_id: Uuid,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<NaiveDate>,
    pub reported_at: DateTime<Utc>,
    pub warranty: Warranty,
    pub paid: bool,
    pub tags: Vec<String>,
    pub created_by: Option<Uuid>,
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// It has (or had) tasks, checklist lines or time: its progress and time totals are worth
    /// reading. Most service-desk tickets never do, and their responses skip that query.
    pub has_work: bool,
    /// The contract that covers the ticket's work (its equipment, location or category), as
    /// of its reported date.
    pub contract_id: Option<Uuid>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    /// Custom field values by key (see `custom_fields`).
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    /// Where it stands against its SLA policy, as last worked out (see `sla`).
    pub sla: crate::sla::Standing,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The distinct lower-case words of a text that carry meaning for "similar" (three letters or
/// more), sorted.
pub fn significant_words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() > 2).map(str::to_lowercase).collect();
    w.sort();
    w.dedup();
    w
}

/// The words two sorted word lists share.
pub fn shared(mine: &[String], theirs: &[String]) -> Vec<String> {
    mine.iter().filter(|w| theirs.binary_search(w).is_ok()).cloned().collect()
}

/// Why a past ticket looks like this one, and how much.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Similarity {
    pub score: u32,
    pub same_equipment: bool,
    pub same_customer: bool,
    pub shared_words: Vec<String>,
}

/// Scores a past ticket against this one: shared words of the title and description (two
/// points each), the same equipment (five), the same customer (one). Words of one or two
/// letters carry no weight.
pub fn similarity(this: &Ticket, past: &Ticket) -> Similarity {
    let words = |t: &Ticket| significant_words(&format!("{} {}", t.title, t.description.as_deref().unwrap_or("")));
    let shared_words = shared(&words(this), &words(past));
    let same_equipment = this.equipment_id.is_some() && this.equipment_id == past.equipment_id;
    let same_customer = this.customer_id.is_some() && this.customer_id == past.customer_id;
    let score =
        2 * u32::try_from(shared_words.len()).unwrap_or(u32::MAX / 4) + if same_equipment { 5 } else { 0 } + u32::from(same_customer);
    Similarity { score, same_equipment, same_customer, shared_words }
}

/// The times a ticket's life is measured by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamps {
    pub first_response_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl Ticket {
    pub fn stamps(&self) -> Stamps {
        Stamps { first_response_at: self.first_response_at, resolved_at: self.resolved_at, closed_at: self.closed_at }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("closing has its own action: POST /tickets/{{id}}/close")]
    UseClose,
    #[error("the ticket is closed; reopen it first")]
    Closed,
    #[error("only a closed ticket can be reopened")]
    NotClosed,
    #[error("the reopen window has passed; open a new ticket that refers to this one")]
    ReopenWindowPassed,
    #[error("{0} open task(s): cancel them with the ticket (cancel_open_tasks) or finish them")]
    OpenTasks(usize),
}

impl DomainError for StatusError {
    fn code(&self) -> Code {
        match self {
            Self::UseClose => code::USE_CLOSE,
            Self::Closed => code::TICKET_CLOSED,
            Self::NotClosed => code::TICKET_NOT_CLOSED,
            Self::ReopenWindowPassed => code::REOPEN_WINDOW_PASSED,
            Self::OpenTasks(_) => code::OPEN_TASKS,
        }
    }
}

/// Closed or cancelled: the end of a ticket's life (until reopened).
pub fn is_closed(class: StatusClass) -> bool {
    matches!(class, StatusClass::Closed | StatusClass::Cancelled)
}

/// A status change through `/status`: within the open life of a ticket. Closing (to a
/// status of class `closed` or `cancelled`) and reopening are their own actions with their
/// own rules — coordinators only, open tasks cancelled or finished first — so no other path
/// may lead into either class.
pub fn check_status_change(from: StatusClass, to: StatusClass) -> Result<(), StatusError> {
    if is_closed(from) {
        Err(StatusError::Closed)
    } else if is_closed(to) {
        Err(StatusError::UseClose)
    } else {
        Ok(())
    }
}

/// Reopening: only a closed ticket, and only within `window` of its closing.
pub fn check_reopen(
    from: StatusClass,
    closed_at: Option<DateTime<Utc>>,
    window: chrono::Duration,
    now: DateTime<Utc>,
) -> Result<(), StatusError> {
    if !is_closed(from) {
        return Err(StatusError::NotClosed);
    }
    match closed_at {
        Some(at) if now > at + window => Err(StatusError::ReopenWindowPassed),
        _ => Ok(()),
    }
}

/// The stamps after moving from class `from` to `to` at `now`: the first move out of `new`
/// is the first response; reaching `resolved` stamps resolution (kept through closing);
/// reaching `closed` or `cancelled` stamps closing; going back to work clears both.
pub fn stamps_after(current: Stamps, from: StatusClass, to: StatusClass, now: DateTime<Utc>) -> Stamps {
    let first_response_at = current.first_response_at.or((from == StatusClass::New && to != StatusClass::New).then_some(now));
    let (resolved_at, closed_at) = match to {
        StatusClass::Resolved => (current.resolved_at.or(Some(now)), None),
        StatusClass::Closed | StatusClass::Cancelled => (current.resolved_at.or(Some(now)), Some(now)),
        StatusClass::New | StatusClass::Open | StatusClass::Pending => (None, None),
    };
    Stamps { first_response_at, resolved_at, closed_at }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs)
    }

    const NONE: Stamps = Stamps { first_response_at: None, resolved_at: None, closed_at: None };

    pub(crate) fn ticket(title: &str, equipment: Option<Uuid>, customer: Option<Uuid>) -> Ticket {
        Ticket {
            external_ref: None,
            custom_fields: Default::default(),
            sla: Default::default(),
            id: Uuid::now_v7(),
            number: "T-1".into(),
            title: title.into(),
            description: None,
            details: None,
            channel: Channel::Phone,
            call_id: None,
            customer_id: customer,
            location_id: None,
            contact_id: None,
            equipment_id: equipment,
            serial_number: None,
            category_id: None,
            type_id: None,
            priority_id: Uuid::nil(),
            status_id: Uuid::nil(),
            team_id: None,
            assignee_id: None,
            expected_close_on: None,
            reported_at: DateTime::<Utc>::UNIX_EPOCH,
            warranty: Warranty { flag: false, default: false, override_reason: None },
            paid: false,
            tags: vec![],
            created_by: None,
            first_response_at: None,
            resolved_at: None,
            closed_at: None,
            has_work: false,
            contract_id: None,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_same_equipment_outweighs_a_shared_word_and_short_words_do_not_count() {
        let unit = Some(Uuid::now_v7());
        let this = ticket("Pump P-7 leaks", unit, None);
        let same_unit = similarity(&this, &ticket("Annual service", unit, None));
        let same_word = similarity(&this, &ticket("Pump noisy", None, None));
        assert!(same_unit.score > same_word.score);
        assert_eq!(same_word.shared_words, ["pump"]);
        assert_eq!(similarity(&this, &ticket("P-7", None, None)).score, 0);
    }

    #[test]
    fn mentions_are_logins_after_an_at_sign_each_once() {
        assert_eq!(mentions("@ana.kos please check, cc @Bo and @ana.kos."), ["ana.kos", "bo"]);
    }

    #[test]
    fn an_email_address_is_not_a_mention() {
        assert!(mentions("write to ana@example.com").is_empty());
        assert!(mentions("@ alone").is_empty());
    }

    #[test]
    fn the_first_move_out_of_new_is_the_first_response_and_it_is_never_moved() {
        let s = stamps_after(NONE, StatusClass::New, StatusClass::Open, at(10));
        assert_eq!(s.first_response_at, Some(at(10)));
        let later = stamps_after(s, StatusClass::Open, StatusClass::Pending, at(20));
        assert_eq!(later.first_response_at, Some(at(10)));
    }

    #[test]
    fn closing_stamps_closed_and_keeps_an_earlier_resolution() {
        let resolved = stamps_after(NONE, StatusClass::Open, StatusClass::Resolved, at(5));
        let closed = stamps_after(resolved, StatusClass::Resolved, StatusClass::Closed, at(9));
        assert_eq!((closed.resolved_at, closed.closed_at), (Some(at(5)), Some(at(9))));
    }

    #[test]
    fn going_back_to_work_clears_resolution_and_closing() {
        let closed = Stamps { first_response_at: Some(at(1)), resolved_at: Some(at(2)), closed_at: Some(at(3)) };
        let reopened = stamps_after(closed, StatusClass::Closed, StatusClass::Open, at(4));
        assert_eq!(reopened, Stamps { first_response_at: Some(at(1)), resolved_at: None, closed_at: None });
    }

    #[test]
    fn a_closed_ticket_does_not_change_status_and_closing_has_its_own_action() {
        assert_eq!(check_status_change(StatusClass::Closed, StatusClass::Open), Err(StatusError::Closed));
        assert_eq!(check_status_change(StatusClass::Open, StatusClass::Closed), Err(StatusError::UseClose));
        assert_eq!(check_status_change(StatusClass::Open, StatusClass::Resolved), Ok(()));
    }

    #[test]
    fn cancelling_a_ticket_is_a_close_and_takes_the_close_action() {
        assert_eq!(check_status_change(StatusClass::Open, StatusClass::Cancelled), Err(StatusError::UseClose));
        assert_eq!(check_status_change(StatusClass::Cancelled, StatusClass::Open), Err(StatusError::Closed));
    }

    #[test]
    fn reopening_is_allowed_only_within_the_window() {
        let window = chrono::Duration::days(30);
        let closed = at(0);
        assert_eq!(check_reopen(StatusClass::Closed, Some(closed), window, closed + chrono::Duration::days(30)), Ok(()));
        assert_eq!(
            check_reopen(StatusClass::Closed, Some(closed), window, closed + chrono::Duration::days(31)),
            Err(StatusError::ReopenWindowPassed)
        );
        assert_eq!(check_reopen(StatusClass::Open, None, window, closed), Err(StatusError::NotClosed));
    }
}
