//! Calls: raw inbound messages, kept untouched, triaged once by a coordinator — converted
//! into a ticket, merged into one, or dismissed with a reason.
//!
//! The sender is acknowledged unless the channel or the customer says not to, or the message
//! looks automated (an acknowledgement to a robot starts a mail loop). A monitoring system's
//! repeated trigger (`dedup_key`) lands on the open ticket of that key instead of becoming a
//! new call.

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
}
