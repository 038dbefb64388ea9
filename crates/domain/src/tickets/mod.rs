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
use crate::directory::{Equipment, Product};
use crate::errors::{Code, DomainError, code, field};

mod assignment;
mod closing;
mod comments;

pub use assignment::{Assignment, AssignmentRefused};
pub use closing::{CloseDecision, after_tasks_done};
pub use comments::{Comment, EmailAuthor};

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
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The warranty decision: the flag in force, what it would be by the equipment, and the
/// reason when the two differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warranty {
    pub flag: bool,
    pub default: bool,
    pub override_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarrantyError {
    #[error("overriding the warranty flag needs a reason")]
    ReasonRequired,
}

impl DomainError for WarrantyError {
    fn code(&self) -> Code {
        field::WARRANTY_REASON_REQUIRED
    }

    fn field(&self) -> Option<&'static str> {
        Some("warranty_reason")
    }
}

/// Decides the warranty flag: by the equipment's warranty on the reported date, unless the
/// caller asks for the other value and says why.
pub fn warranty(
    equipment: Option<&Equipment>,
    reported_on: NaiveDate,
    requested: Option<bool>,
    reason: Option<&str>,
) -> Result<Warranty, WarrantyError> {
    let default = equipment.is_some_and(|e| e.under_warranty_on(reported_on));
    match requested {
        Some(flag) if flag != default => {
            let reason = reason.map(str::trim).filter(|r| !r.is_empty()).ok_or(WarrantyError::ReasonRequired)?;
            Ok(Warranty { flag, default, override_reason: Some(reason.to_owned()) })
        }
        _ => Ok(Warranty { flag: default, default, override_reason: None }),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SerialError {
    #[error("no equipment has this serial number; name its product to check the serial against the product's format")]
    ProductRequired,
    #[error("several products have a unit with this serial number; name the product")]
    Ambiguous,
    #[error("does not match the serial number format {0} of the product")]
    PatternMismatch(String),
}

impl DomainError for SerialError {
    fn code(&self) -> Code {
        match self {
            Self::ProductRequired | Self::Ambiguous => field::PRODUCT_REQUIRED,
            Self::PatternMismatch(_) => field::SERIAL_PATTERN,
        }
    }

    fn field(&self) -> Option<&'static str> {
        Some(match self {
            Self::ProductRequired | Self::Ambiguous => "product_id",
            Self::PatternMismatch(_) => "serial_number",
        })
    }
}

/// Resolves a ticket's serial number against the units that carry it (`known`) and the
/// product the caller named: the linked unit, or `None` for a valid unregistered serial.
pub fn resolve_serial<'a>(serial: &str, known: &'a [Equipment], product: Option<&Product>) -> Result<Option<&'a Equipment>, SerialError> {
    let mut candidates = known.iter().filter(|e| e.serial_number == serial && product.is_none_or(|p| p.id == e.product_id));
    match (candidates.next(), candidates.next()) {
        (Some(unit), None) => Ok(Some(unit)),
        (Some(_), Some(_)) => Err(SerialError::Ambiguous),
        (None, _) => match product {
            None => Err(SerialError::ProductRequired),
            Some(p) if p.accepts_serial(serial) => Ok(None),
            Some(p) => Err(SerialError::PatternMismatch(p.serial_pattern.as_ref().map_or_else(String::new, |s| s.as_str().to_owned()))),
        },
    }
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

/// A status change through `/status`: within the open life of a ticket. Closing and
/// reopening are their own actions with their own rules.
pub fn check_status_change(from: StatusClass, to: StatusClass) -> Result<(), StatusError> {
    if is_closed(from) {
        Err(StatusError::Closed)
    } else if to == StatusClass::Closed {
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
    use crate::directory::SerialPattern;

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::seconds(secs)
    }

    const NONE: Stamps = Stamps { first_response_at: None, resolved_at: None, closed_at: None };

    pub(crate) fn ticket(title: &str, equipment: Option<Uuid>, customer: Option<Uuid>) -> Ticket {
        Ticket {
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
        assert_eq!(check_status_change(StatusClass::Open, StatusClass::Cancelled), Ok(()));
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

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn unit(product_id: Uuid, serial: &str, warranty_end: Option<NaiveDate>) -> Equipment {
        Equipment {
            id: Uuid::now_v7(),
            product_id,
            serial_number: serial.into(),
            customer_id: None,
            location_id: None,
            installed_on: None,
            warranty_end,
            warranty_end_overridden: false,
            notes: None,
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn product(pattern: &str) -> Product {
        Product {
            id: Uuid::now_v7(),
            name: "X1".into(),
            sku: None,
            default_warranty_months: 24,
            serial_pattern: Some(SerialPattern::parse(pattern).unwrap()),
            active: true,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn the_warranty_flag_defaults_from_the_equipment_on_the_reported_date() {
        let e = unit(Uuid::nil(), "S", Some(date(2026, 6, 30)));
        assert!(warranty(Some(&e), date(2026, 6, 30), None, None).unwrap().flag);
        assert!(!warranty(Some(&e), date(2026, 7, 1), None, None).unwrap().flag);
        assert!(!warranty(None, date(2026, 1, 1), None, None).unwrap().flag);
    }

    #[test]
    fn overriding_the_warranty_flag_needs_a_reason_and_keeps_both() {
        let e = unit(Uuid::nil(), "S", Some(date(2020, 1, 1)));
        assert_eq!(warranty(Some(&e), date(2026, 1, 1), Some(true), Some("  ")), Err(WarrantyError::ReasonRequired));
        let w = warranty(Some(&e), date(2026, 1, 1), Some(true), Some("Goodwill: repeat fault")).unwrap();
        assert_eq!((w.flag, w.default, w.override_reason.as_deref()), (true, false, Some("Goodwill: repeat fault")));
    }

    #[test]
    fn asking_for_the_default_flag_is_not_an_override() {
        let w = warranty(None, date(2026, 1, 1), Some(false), None).unwrap();
        assert_eq!(w.override_reason, None);
    }

    #[test]
    fn a_known_serial_links_its_equipment() {
        let p = product("X1-[0-9]{6}");
        let units = [unit(p.id, "X1-000001", None)];
        assert_eq!(resolve_serial("X1-000001", &units, None).unwrap().map(|e| e.id), Some(units[0].id));
    }

    #[test]
    fn an_unknown_serial_must_fit_the_named_products_format() {
        let p = product("X1-[0-9]{6}");
        assert_eq!(resolve_serial("X1-999999", &[], Some(&p)), Ok(None));
        assert_eq!(resolve_serial("Q-1", &[], Some(&p)), Err(SerialError::PatternMismatch("X1-[0-9]{6}".into())));
        assert_eq!(resolve_serial("Q-1", &[], None), Err(SerialError::ProductRequired));
    }

    #[test]
    fn a_serial_shared_by_two_products_needs_the_product_named() {
        let (a, b) = (product(".*"), product(".*"));
        let units = [unit(a.id, "S-1", None), unit(b.id, "S-1", None)];
        assert_eq!(resolve_serial("S-1", &units, None), Err(SerialError::Ambiguous));
        assert_eq!(resolve_serial("S-1", &units, Some(&b)).unwrap().map(|e| e.product_id), Some(b.id));
    }
}
