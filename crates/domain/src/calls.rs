//! Calls: raw inbound messages, kept untouched, triaged once by a coordinator — converted
//! into a ticket, merged into one, or dismissed with a reason.
//!
//! The sender is acknowledged unless the channel or the customer says not to, or the message
//! looks automated (an acknowledgement to a robot starts a mail loop). A monitoring system's
//! repeated trigger (`dedup_key`) lands on the open ticket of that key instead of becoming a
//! new call.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Actor;
use crate::dictionaries::StatusClass;
use crate::tickets::Channel;

named_enum! {
    CallState {
        Untriaged = "untriaged",
        Converted = "converted",
        Merged = "merged",
        Dismissed = "dismissed",
    }
}

named_enum! {
    DismissReason {
        Spam = "spam",
        Duplicate = "duplicate",
        NotOurs = "not_ours",
        Mistake = "mistake",
    }
}

named_enum! {
    /// What a monitoring call says about its alarm.
    AlarmAction {
        Trigger = "trigger",
        Resolve = "resolve",
    }
}

/// What a monitoring call does to the open ticket of its alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlarmEffect {
    /// The alarm fired again: counted on the ticket, no new call.
    Repeated,
    /// The alarm cleared: recorded on the ticket, which is resolved when the customer asks
    /// for that and it is still in its open life.
    Cleared { resolve_ticket: bool },
}

/// The effect of a monitoring call on its alarm's open ticket (of class `ticket_class`);
/// `auto_resolve` is the customer's switch.
pub fn alarm_effect(action: AlarmAction, auto_resolve: bool, ticket_class: StatusClass) -> AlarmEffect {
    match action {
        AlarmAction::Trigger => AlarmEffect::Repeated,
        AlarmAction::Resolve => AlarmEffect::Cleared {
            resolve_ticket: auto_resolve && !matches!(ticket_class, StatusClass::Resolved | StatusClass::Closed | StatusClass::Cancelled),
        },
    }
}

/// An alarm's identity: its dedup key within the customer it is about or, when no customer
/// is known, within the API key that raised it. Two customers' devices that both report
/// `disk-full` raise two alarms; nobody can count repeats on another customer's ticket.
pub fn alarm_identity(customer_id: Option<Uuid>, api_key_id: Option<Uuid>, dedup_key: &str) -> String {
    let key: String = dedup_key.chars().take(300).collect();
    match (customer_id, api_key_id) {
        (Some(customer), _) => format!("customer:{customer}/{key}"),
        (None, Some(api_key)) => format!("key:{api_key}/{key}"),
        (None, None) => format!("staff/{key}"),
    }
}

/// The named lock that keeps two first triggers of one alarm from opening two tickets. Lock
/// names hold 250 characters: a longer identity keeps its first 200 and a digest of the
/// whole, so two long keys of one customer still lock apart.
pub fn alarm_lock_name(identity: &str) -> String {
    if identity.chars().count() <= 244 {
        return format!("alarm:{identity}");
    }
    // FNV-1a, 64 bits: stable across builds and platforms, which a lock name must be.
    let digest = identity.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("alarm:{}#{digest:016x}", identity.chars().take(200).collect::<String>())
}

/// A call as it came in, with what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub id: Uuid,
    pub number: String,
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: Option<String>,
    pub from_name: Option<String>,
    pub from_email: Option<String>,
    pub from_phone: Option<String>,
    pub metadata: serde_json::Value,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub dedup_key: Option<String>,
    pub action: AlarmAction,
    pub state: CallState,
    pub ticket_id: Option<Uuid>,
    pub dismiss_reason: Option<DismissReason>,
    pub triaged_by: Actor,
    pub triaged_at: Option<DateTime<Utc>>,
    pub acknowledged: bool,
    /// The alarm's identity (see [`alarm_identity`]) when the call is a monitoring alarm.
    pub alarm_key: Option<String>,
    /// How often the alarm fired while this call waited for triage (1: once).
    pub alarm_count: i64,
    pub alarm_last_seen_at: Option<DateTime<Utc>>,
    /// When the device reported the alarm cleared while the call waited.
    pub alarm_resolved_at: Option<DateTime<Utc>>,
    pub created_by: Actor,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this call was already triaged ({0})")]
pub struct AlreadyTriaged(pub &'static str);

/// A call is triaged once.
pub fn check_triage(state: CallState) -> Result<(), AlreadyTriaged> {
    match state {
        CallState::Untriaged => Ok(()),
        other => Err(AlreadyTriaged(other.as_str())),
    }
}

/// Whether a sender looks like a machine: machine channels, and the addresses and headers
/// that automated mail uses.
pub fn looks_automated(channel: Channel, from_email: Option<&str>, auto_submitted: Option<&str>) -> bool {
    if channel == Channel::Api {
        return true;
    }
    if auto_submitted.is_some_and(|v| !v.trim().eq_ignore_ascii_case("no")) {
        return true;
    }
    let local = from_email.and_then(|e| e.split('@').next()).unwrap_or("").to_lowercase();
    ["noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster", "bounce", "bounces"]
        .iter()
        .any(|robot| local == *robot || local.starts_with(&format!("{robot}+")) || local.starts_with(&format!("{robot}-")))
}

/// The ticket title a call suggests: its subject, else the first line of its body.
pub fn suggested_title(subject: Option<&str>, body: Option<&str>, number: &str) -> String {
    let from_subject = subject.map(str::trim).filter(|s| !s.is_empty());
    let from_body = body.and_then(|b| b.lines().map(str::trim).find(|l| !l.is_empty()));
    let title = from_subject.or(from_body).map_or_else(|| format!("Call {number}"), str::to_owned);
    title.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_trigger_is_counted_on_the_alarms_ticket() {
        assert_eq!(alarm_effect(AlarmAction::Trigger, true, StatusClass::Open), AlarmEffect::Repeated);
    }

    #[test]
    fn a_cleared_alarm_resolves_its_ticket_only_when_the_customer_asks_for_it() {
        assert_eq!(alarm_effect(AlarmAction::Resolve, true, StatusClass::Open), AlarmEffect::Cleared { resolve_ticket: true });
        assert_eq!(alarm_effect(AlarmAction::Resolve, false, StatusClass::Open), AlarmEffect::Cleared { resolve_ticket: false });
    }

    #[test]
    fn a_cleared_alarm_leaves_a_ticket_already_resolved_or_ended_as_it_is() {
        for class in [StatusClass::Resolved, StatusClass::Closed, StatusClass::Cancelled] {
            assert_eq!(alarm_effect(AlarmAction::Resolve, true, class), AlarmEffect::Cleared { resolve_ticket: false });
        }
    }

    #[test]
    fn an_alarms_lock_is_named_by_its_key_cut_to_a_storable_length() {
        assert_eq!(alarm_lock_name("plant-3/pump-7"), "alarm:plant-3/pump-7");
        let (long_a, long_b) = (format!("{}a", "x".repeat(500)), format!("{}b", "x".repeat(500)));
        assert!(alarm_lock_name(&long_a).chars().count() <= 250);
        assert_ne!(alarm_lock_name(&long_a), alarm_lock_name(&long_b));
    }

    #[test]
    fn a_call_is_triaged_once() {
        assert!(check_triage(CallState::Untriaged).is_ok());
        assert_eq!(check_triage(CallState::Merged), Err(AlreadyTriaged("merged")));
    }

    #[test]
    fn robots_and_machine_channels_are_not_acknowledged() {
        assert!(looks_automated(Channel::Api, None, None));
        assert!(looks_automated(Channel::Email, Some("no-reply@shop.example"), None));
        assert!(looks_automated(Channel::Email, Some("MAILER-DAEMON@mx.example"), None));
        assert!(looks_automated(Channel::Email, Some("ana@example.com"), Some("auto-replied")));
        assert!(!looks_automated(Channel::Email, Some("ana@example.com"), Some("no")));
        assert!(!looks_automated(Channel::WebForm, Some("noreplyfan@example.com"), None));
    }

    #[test]
    fn the_title_comes_from_the_subject_else_the_first_line_of_the_body() {
        assert_eq!(suggested_title(Some(" Broken pump "), Some("x"), "C-1"), "Broken pump");
        assert_eq!(suggested_title(None, Some("\n  Pump leaks\nsince Monday"), "C-1"), "Pump leaks");
        assert_eq!(suggested_title(Some(""), None, "C-2026-000001"), "Call C-2026-000001");
    }

    #[test]
    fn the_same_dedup_key_of_two_customers_is_two_alarms() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        assert_ne!(alarm_identity(Some(a), None, "disk-full"), alarm_identity(Some(b), None, "disk-full"));
        assert_eq!(alarm_identity(Some(a), Some(b), "disk-full"), alarm_identity(Some(a), None, "disk-full"), "the customer decides");
        assert_ne!(alarm_identity(None, Some(a), "disk-full"), alarm_identity(None, Some(b), "disk-full"));
    }
}
