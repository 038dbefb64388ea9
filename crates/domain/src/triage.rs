//! Triage rules: what happens to a call at intake without waiting for a coordinator. Rules
//! are ordered; the first active one whose conditions all hold acts — converts the call
//! (routed to a team, category, type, priority), dismisses it as spam, or tags it — and is
//! recorded on the call (and on the ticket's timeline when it converts).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errors::{Code, field};
use crate::forms::Routing;
use crate::tickets::Channel;

/// What a call must be for a rule to act; an empty list (or none) allows anything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Conditions {
    pub channels: Vec<Channel>,
    /// Slugs of the web forms it came through.
    pub form_slugs: Vec<String>,
    pub customer_ids: Vec<Uuid>,
    /// The sender's email domain (`example.com` also matches `mail.example.com`).
    pub sender_domains: Vec<String>,
    /// Any of these words in the subject (whole words, any case).
    pub subject_words: Vec<String>,
    /// A monitoring alarm's dedup key starting with this.
    pub dedup_key_prefix: Option<String>,
}

/// What a rule does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Becomes a ticket at once, routed and tagged.
    Convert {
        #[serde(default)]
        routing: Routing,
        #[serde(default)]
        tags: Vec<String>,
    },
    /// Dismissed as spam.
    Dismiss,
    /// Waits for triage with these tags (they go to its ticket).
    Tag { tags: Vec<String> },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Convert { .. } => "convert",
            Action::Dismiss => "dismiss",
            Action::Tag { .. } => "tag",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: Uuid,
    pub name: String,
    /// Lower first.
    pub position: i32,
    pub active: bool,
    pub conditions: Conditions,
    pub action: Action,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What of a call the conditions look at.
#[derive(Debug, Clone, Copy, Default)]
pub struct CallFacts<'a> {
    pub channel: Option<Channel>,
    pub form_slug: Option<&'a str>,
    pub customer_id: Option<Uuid>,
    pub sender_email: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub dedup_key: Option<&'a str>,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        *self == Conditions::default()
    }

    pub fn matches(&self, call: &CallFacts<'_>) -> bool {
        let any_or = |list_empty: bool, hit: bool| list_empty || hit;
        let domain = call.sender_email.and_then(|e| e.rsplit_once('@')).map(|(_, d)| d.to_ascii_lowercase());
        let words: Vec<String> =
            call.subject.unwrap_or("").split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
        any_or(self.channels.is_empty(), call.channel.is_some_and(|c| self.channels.contains(&c)))
            && any_or(self.form_slugs.is_empty(), call.form_slug.is_some_and(|s| self.form_slugs.iter().any(|f| f == s)))
            && any_or(self.customer_ids.is_empty(), call.customer_id.is_some_and(|c| self.customer_ids.contains(&c)))
            && any_or(
                self.sender_domains.is_empty(),
                domain.as_deref().is_some_and(|d| {
                    self.sender_domains.iter().any(|want| {
                        let want = want.trim_start_matches('@').to_ascii_lowercase();
                        d == want || d.ends_with(&format!(".{want}"))
                    })
                }),
            )
            && any_or(self.subject_words.is_empty(), self.subject_words.iter().any(|w| words.contains(&w.to_lowercase())))
            && self.dedup_key_prefix.as_deref().is_none_or(|p| call.dedup_key.is_some_and(|k| k.starts_with(p)))
    }
}

/// The rule that acts on a call: the first active one (by position) whose conditions hold.
pub fn first_match<'a>(rules: &'a [Rule], call: &CallFacts<'_>) -> Option<&'a Rule> {
    let mut ordered: Vec<&Rule> = rules.iter().filter(|r| r.active).collect();
    ordered.sort_by_key(|r| (r.position, r.id));
    ordered.into_iter().find(|r| r.conditions.matches(call))
}

/// Checks a rule before it is stored: it names at least one condition (a rule for every
/// call would triage the whole desk), its tags and words are not blank.
pub fn check_rule(conditions: &Conditions, action: &Action) -> Result<(), Vec<(String, Code, String)>> {
    let mut problems = Vec::new();
    if conditions.is_empty() {
        problems.push(("conditions".to_owned(), field::REQUIRED, "name at least one condition".to_owned()));
    }
    if conditions.subject_words.iter().chain(&conditions.sender_domains).chain(&conditions.form_slugs).any(|w| w.trim().is_empty()) {
        problems.push(("conditions".to_owned(), field::BLANK, "words, domains and slugs must not be blank".to_owned()));
    }
    if conditions.dedup_key_prefix.as_deref().is_some_and(|p| p.trim().is_empty()) {
        problems.push(("conditions.dedup_key_prefix".to_owned(), field::BLANK, "must not be blank".to_owned()));
    }
    match action {
        Action::Tag { tags } if tags.is_empty() => {
            problems.push(("action.tags".to_owned(), field::REQUIRED, "a tag rule names tags".to_owned()))
        }
        Action::Tag { tags } | Action::Convert { tags, .. } if tags.iter().any(|t| t.trim().is_empty()) => {
            problems.push(("action.tags".to_owned(), field::BLANK, "tags must not be blank".to_owned()))
        }
        _ => {}
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(position: i32, conditions: Conditions, action: Action) -> Rule {
        Rule {
            id: Uuid::from_u128(position as u128),
            name: format!("rule {position}"),
            position,
            active: true,
            conditions,
            action,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn email(from: &'static str, subject: &'static str) -> CallFacts<'static> {
        CallFacts { channel: Some(Channel::Email), sender_email: Some(from), subject: Some(subject), ..CallFacts::default() }
    }

    #[test]
    fn the_first_matching_active_rule_acts_and_every_condition_must_hold() {
        let spam = rule(2, Conditions { sender_domains: vec!["spam.example".into()], ..Conditions::default() }, Action::Dismiss);
        let urgent = rule(
            1,
            Conditions { channels: vec![Channel::Email], subject_words: vec!["URGENT".into()], ..Conditions::default() },
            Action::Convert { routing: Routing::default(), tags: vec!["urgent".into()] },
        );
        let rules = [spam, urgent];
        assert_eq!(first_match(&rules, &email("a@spam.example", "Urgent: buy now")).map(|r| r.position), Some(1));
        assert_eq!(first_match(&rules, &email("a@mail.spam.example", "Hello")).map(|r| r.position), Some(2));
        assert_eq!(first_match(&rules, &email("a@customer.example", "urgently")).map(|r| r.position), None, "whole words only");
        let phone = CallFacts { channel: Some(Channel::Phone), subject: Some("urgent"), ..CallFacts::default() };
        assert!(first_match(&rules, &phone).is_none());
    }

    #[test]
    fn an_inactive_rule_never_acts() {
        let mut off = rule(1, Conditions { channels: vec![Channel::Email], ..Conditions::default() }, Action::Dismiss);
        off.active = false;
        assert!(first_match(&[off], &email("a@b.example", "x")).is_none());
    }

    #[test]
    fn forms_customers_and_alarm_keys_are_conditions_too() {
        let customer = Uuid::from_u128(9);
        let c = Conditions { form_slugs: vec!["service".into()], customer_ids: vec![customer], ..Conditions::default() };
        let facts = CallFacts { form_slug: Some("service"), customer_id: Some(customer), ..CallFacts::default() };
        assert!(c.matches(&facts));
        assert!(!c.matches(&CallFacts { customer_id: None, ..facts }));
        let alarm = Conditions { dedup_key_prefix: Some("disk-".into()), ..Conditions::default() };
        assert!(alarm.matches(&CallFacts { dedup_key: Some("disk-full/sda"), ..CallFacts::default() }));
        assert!(!alarm.matches(&CallFacts { dedup_key: None, ..CallFacts::default() }));
    }

    #[test]
    fn a_rule_without_conditions_or_a_tag_rule_without_tags_is_refused() {
        assert!(check_rule(&Conditions::default(), &Action::Dismiss).is_err());
        let some = Conditions { channels: vec![Channel::Sms], ..Conditions::default() };
        assert!(check_rule(&some, &Action::Tag { tags: vec![] }).is_err());
        assert!(check_rule(&some, &Action::Tag { tags: vec!["sms".into()] }).is_ok());
    }
}
