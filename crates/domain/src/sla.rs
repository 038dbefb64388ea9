//! SLA policies and a ticket's SLA clocks.
//!
//! A policy says which tickets it is for (conditions on priority, customer, contract,
//! category, channel; all that are given must hold), on which business calendar its clocks
//! run, and its targets in business minutes: the first response, the next response after a
//! customer's reply, and the resolution. The first active policy (by position) that matches a
//! ticket applies.
//!
//! The clocks run on the calendar's working time, hold while the ticket is pending and stop
//! at resolution. Only a public reply by staff answers; automatic messages never do.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::business_time::{Calendar, Span};
use crate::tickets::Channel;

/// Which tickets a policy is for: each list given (non-empty) must contain the ticket's value.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Conditions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub priority_ids: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_ids: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contract_ids: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category_ids: Vec<Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
}

/// What of a ticket the conditions look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Facts {
    pub priority_id: Uuid,
    pub customer_id: Option<Uuid>,
    pub contract_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub channel: Channel,
}

fn holds<T: PartialEq>(wanted: &[T], value: Option<&T>) -> bool {
    wanted.is_empty() || value.is_some_and(|v| wanted.contains(v))
}

impl Conditions {
    pub fn matches(&self, f: &Facts) -> bool {
        holds(&self.priority_ids, Some(&f.priority_id))
            && holds(&self.customer_ids, f.customer_id.as_ref())
            && holds(&self.contract_ids, f.contract_id.as_ref())
            && holds(&self.category_ids, f.category_id.as_ref())
            && holds(&self.channels, Some(&f.channel))
    }
}

named_enum! {
    /// The three SLA targets.
    Target {
        FirstResponse = "first_response",
        NextResponse = "next_response",
        Resolution = "resolution",
    }
}

/// Targets in business minutes; a target not set is not measured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Targets {
    pub first_response: Option<i64>,
    pub next_response: Option<i64>,
    pub resolution: Option<i64>,
}

impl Targets {
    pub fn of(&self, target: Target) -> Option<i64> {
        match target {
            Target::FirstResponse => self.first_response,
            Target::NextResponse => self.next_response,
            Target::Resolution => self.resolution,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: Uuid,
    pub name: String,
    /// Lower first when finding the policy of a ticket.
    pub position: i32,
    pub active: bool,
    pub conditions: Conditions,
    pub calendar_id: Uuid,
    pub targets: Targets,
    /// Warn when this share of a target's time has run (1–99).
    pub warn_at_percent: u8,
    pub version: i64,
}

/// A business calendar as kept: a name, the calendar, and its version.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    pub id: Uuid,
    pub name: String,
    pub calendar: Calendar,
    pub version: i64,
}

/// The longest target: a year of minutes.
pub const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;

/// What is wrong with a policy's settings: the field and the code (`servdesk_domain::errors::field`).
pub fn check_policy(p: &Policy) -> Result<(), Vec<(&'static str, crate::errors::Code, String)>> {
    use crate::errors::field;
    let mut problems = Vec::new();
    if p.name.trim().is_empty() {
        problems.push(("name", field::BLANK, "must not be blank".to_owned()));
    }
    let targets = [
        ("first_response_minutes", p.targets.first_response),
        ("next_response_minutes", p.targets.next_response),
        ("resolution_minutes", p.targets.resolution),
    ];
    for (name, minutes) in targets {
        if minutes.is_some_and(|m| !(1..=MAX_TARGET_MINUTES).contains(&m)) {
            problems.push((name, field::RANGE, format!("1 to {MAX_TARGET_MINUTES} business minutes")));
        }
    }
    if targets.iter().all(|(_, m)| m.is_none()) {
        problems.push(("first_response_minutes", field::NO_TARGET, "set at least one of the three targets".to_owned()));
    }
    if !(1..=99).contains(&p.warn_at_percent) {
        problems.push(("warn_at_percent", field::RANGE, "1 to 99".to_owned()));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The policy for a ticket: the first active one, by position, whose conditions hold.
pub fn policy_for<'a>(policies: &'a [Policy], facts: &Facts) -> Option<&'a Policy> {
    let mut active: Vec<&Policy> = policies.iter().filter(|p| p.active).collect();
    active.sort_by_key(|p| (p.position, p.id));
    active.into_iter().find(|p| p.conditions.matches(facts))
}

/// What a ticket's clocks are computed from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// When the ticket was reported: the first response and resolution clocks start here.
    pub started_at: Option<DateTime<Utc>>,
    /// The first public reply by staff.
    pub first_response_at: Option<DateTime<Utc>>,
    /// The customer's reply that waits for an answer (the earliest not answered yet).
    pub awaiting_reply_since: Option<DateTime<Utc>>,
    /// Resolved (or closed): the resolution clock stopped here.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Spans the ticket was pending (closed ones).
    pub pauses: Vec<Span>,
    /// Pending now, since then.
    pub paused_since: Option<DateTime<Utc>>,
}

/// One target's clock at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub target: Target,
    pub target_minutes: i64,
    /// When it falls due; `None` while paused.
    pub due_at: Option<DateTime<Utc>>,
    /// When to warn (the configured share of the target's time run).
    pub warn_at: Option<DateTime<Utc>>,
    /// Met (stopped) at this instant.
    pub met_at: Option<DateTime<Utc>>,
    /// Business minutes run so far (up to the stop), pauses left out.
    pub elapsed_minutes: i64,
    /// Missed: met after its due time, or still running past it.
    pub breached: bool,
}

impl Clock {
    /// Business minutes left (negative once missed); `None` once met.
    pub fn remaining_minutes(&self) -> Option<i64> {
        self.met_at.is_none().then_some(self.target_minutes - self.elapsed_minutes)
    }

    fn running(&self) -> bool {
        self.met_at.is_none()
    }
}

named_enum! {
    /// Where a ticket stands against its SLA, as lists filter it.
    SlaState {
        Ok = "ok",
        AtRisk = "at_risk",
        Breached = "breached",
    }
}

/// Where a ticket stands against its policy, as kept on the ticket (worked out at each
/// change that may move its clocks): what lists filter and sort by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Standing {
    pub policy_id: Option<Uuid>,
    /// The earliest due time of its running clocks.
    pub due_at: Option<DateTime<Utc>>,
    /// The earliest warning of its running clocks not yet missed.
    pub warn_at: Option<DateTime<Utc>>,
    /// A target was missed (met late, or found past due).
    pub breached: bool,
    /// Pending since: the clocks hold.
    pub paused_since: Option<DateTime<Utc>>,
}

impl Standing {
    /// The state at `now` (`None` without a policy).
    pub fn state(&self, now: DateTime<Utc>) -> Option<SlaState> {
        self.policy_id?;
        Some(if self.breached || self.due_at.is_some_and(|d| now >= d) {
            SlaState::Breached
        } else if self.warn_at.is_some_and(|w| now >= w) {
            SlaState::AtRisk
        } else {
            SlaState::Ok
        })
    }
}

/// Every measured target's clock of a ticket at `now`.
pub fn clocks(policy: &Policy, calendar: &Calendar, h: &History, now: DateTime<Utc>) -> Vec<Clock> {
    let Some(started) = h.started_at else { return Vec::new() };
    let mut out = Vec::new();
    for target in Target::ALL.iter().copied() {
        let Some(minutes) = policy.targets.of(target) else { continue };
        let (start, met_at) = match target {
            Target::FirstResponse => (started, h.first_response_at.or(h.resolved_at)),
            Target::Resolution => (started, h.resolved_at),
            Target::NextResponse => match (h.awaiting_reply_since, h.resolved_at) {
                (Some(since), None) => (since, None),
                _ => continue,
            },
        };
        // A stopped clock counts to its stop; a running one to now, holding while paused.
        let end = met_at.unwrap_or(now);
        let paused_now = if met_at.is_none() { h.paused_since } else { None };
        let mut pauses = h.pauses.clone();
        if let Some(since) = h.paused_since {
            pauses.push(Span { from: since, to: end.max(since) });
        }
        let elapsed = calendar.minutes_outside(start, end, &pauses);
        let closed_pauses: Vec<Span> = h.pauses.clone();
        let due_at = calendar.due(start, minutes, &closed_pauses, paused_now);
        let warn_minutes = minutes * i64::from(policy.warn_at_percent.clamp(1, 99)) / 100;
        let warn_at = calendar.due(start, warn_minutes, &closed_pauses, paused_now);
        let breached = match (met_at, due_at) {
            (Some(met), _) => elapsed > minutes || due_at.is_some_and(|d| met > d),
            (None, Some(due)) => now >= due,
            (None, None) => elapsed > minutes,
        };
        out.push(Clock { target, target_minutes: minutes, due_at, warn_at, met_at, elapsed_minutes: elapsed, breached });
    }
    out
}

/// The ticket's state: breached if any target was missed, at risk if a running one is past
/// its warning, else ok.
pub fn state(clocks: &[Clock], now: DateTime<Utc>) -> SlaState {
    if clocks.iter().any(|c| c.breached) {
        SlaState::Breached
    } else if clocks.iter().any(|c| c.running() && c.warn_at.is_some_and(|w| now >= w)) {
        SlaState::AtRisk
    } else {
        SlaState::Ok
    }
}

/// The earliest due time of the running clocks (what lists sort by), and the earliest
/// warning of those not yet missed.
pub fn next_instants(clocks: &[Clock]) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let running = clocks.iter().filter(|c| c.running());
    let due = running.clone().filter_map(|c| c.due_at).min();
    let warn = running.filter(|c| !c.breached).filter_map(|c| c.warn_at).min();
    (due, warn)
}

named_enum! {
    /// What the desk is told about a target: it is at risk, or it was missed.
    NoticeKind {
        Warning = "warning",
        Breached = "breached",
    }
}

/// A notice to give: the target and what of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub target: Target,
    pub kind: NoticeKind,
    /// When the target falls (fell) due.
    pub due_at: Option<DateTime<Utc>>,
}

impl Notice {
    /// How it is kept among those told: `first_response.warning`.
    pub fn mark(&self) -> String {
        format!("{}.{}", self.target.as_str(), self.kind.as_str())
    }
}

/// The notices due at `now` that were not given yet (`told` holds their marks): once per
/// ticket, target and kind. A target missed before its warning was given gets only the breach.
pub fn notices(clocks: &[Clock], told: &[String], now: DateTime<Utc>) -> Vec<Notice> {
    let given = |n: &Notice| told.iter().any(|t| *t == n.mark());
    let mut out = Vec::new();
    for c in clocks.iter().filter(|c| c.running()) {
        let breach = Notice { target: c.target, kind: NoticeKind::Breached, due_at: c.due_at };
        let warning = Notice { kind: NoticeKind::Warning, ..breach };
        if c.due_at.is_some_and(|d| now >= d) || c.breached {
            if !given(&breach) {
                out.push(breach);
            }
        } else if c.warn_at.is_some_and(|w| now >= w) && !given(&warning) {
            out.push(warning);
        }
    }
    out
}

/// The next instant a notice may fall due (none while every running clock is paused or told).
pub fn watch_at(clocks: &[Clock], told: &[String]) -> Option<DateTime<Utc>> {
    let given = |target: Target, kind: NoticeKind| told.iter().any(|t| *t == format!("{}.{}", target.as_str(), kind.as_str()));
    clocks
        .iter()
        .filter(|c| c.running())
        .filter_map(|c| {
            if given(c.target, NoticeKind::Breached) {
                None
            } else if given(c.target, NoticeKind::Warning) {
                c.due_at
            } else {
                c.warn_at.or(c.due_at)
            }
        })
        .min()
}

/// Pause spans and the business minutes they took, for showing ("paused 3 h").
pub fn paused_minutes(calendar: &Calendar, h: &History, now: DateTime<Utc>) -> i64 {
    let mut spans = h.pauses.clone();
    if let Some(since) = h.paused_since {
        spans.push(Span { from: since, to: now.max(since) });
    }
    spans.iter().map(|s| calendar.minutes_between(s.from, s.to)).sum()
}

/// The default share of a target's time after which to warn.
pub const DEFAULT_WARN_PERCENT: u8 = 80;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_time::Range;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn office() -> Calendar {
        let day = vec![Range::new(8 * 60, 16 * 60)];
        Calendar {
            time_zone: chrono_tz::UTC,
            week: [day.clone(), day.clone(), day.clone(), day.clone(), day, Vec::new(), Vec::new()],
            holidays: Vec::new(),
        }
    }

    fn policy(conditions: Conditions, position: i32) -> Policy {
        Policy {
            id: Uuid::now_v7(),
            name: "p".into(),
            position,
            active: true,
            conditions,
            calendar_id: Uuid::nil(),
            targets: Targets { first_response: Some(60), next_response: Some(120), resolution: Some(8 * 60) },
            warn_at_percent: 80,
            version: 1,
        }
    }

    fn facts() -> Facts {
        Facts { priority_id: Uuid::nil(), customer_id: None, contract_id: None, category_id: None, channel: Channel::Email }
    }

    #[test]
    fn the_first_active_policy_by_position_whose_conditions_all_hold_applies() {
        let vip = Uuid::now_v7();
        let urgent = Uuid::now_v7();
        let mut general = policy(Conditions::default(), 9);
        general.name = "general".into();
        let mut for_vip = policy(Conditions { customer_ids: vec![vip], ..Default::default() }, 1);
        for_vip.name = "vip".into();
        let mut vip_urgent_phone = policy(
            Conditions { customer_ids: vec![vip], priority_ids: vec![urgent], channels: vec![Channel::Phone], ..Default::default() },
            0,
        );
        vip_urgent_phone.name = "vip urgent phone".into();
        let mut off = policy(Conditions::default(), -1);
        off.active = false;
        let all = [general, for_vip, vip_urgent_phone, off];
        let name = |f: Facts| policy_for(&all, &f).map(|p| p.name.clone());
        assert_eq!(name(facts()).as_deref(), Some("general"));
        assert_eq!(name(Facts { customer_id: Some(vip), ..facts() }).as_deref(), Some("vip"));
        let urgent_call = Facts { customer_id: Some(vip), priority_id: urgent, channel: Channel::Phone, ..facts() };
        assert_eq!(name(urgent_call).as_deref(), Some("vip urgent phone"));
        assert_eq!(policy_for(&all[1..2], &facts()), None, "no customer: a customer condition does not hold");
    }

    #[test]
    fn a_policy_needs_a_name_a_target_and_targets_and_warning_in_range() {
        assert_eq!(check_policy(&policy(Conditions::default(), 0)), Ok(()));
        let mut p = policy(Conditions::default(), 0);
        p.name = " ".into();
        p.targets = Targets::default();
        p.warn_at_percent = 100;
        let fields: Vec<&str> = check_policy(&p).unwrap_err().iter().map(|(f, _, _)| *f).collect();
        assert_eq!(fields, ["name", "first_response_minutes", "warn_at_percent"]);
        p = policy(Conditions::default(), 0);
        p.targets.resolution = Some(0);
        assert_eq!(check_policy(&p).unwrap_err()[0].0, "resolution_minutes");
    }

    #[test]
    fn clocks_run_on_business_time_and_a_public_reply_meets_the_first_response() {
        let p = policy(Conditions::default(), 0);
        // Reported Friday 15:30; first response Monday 08:20 = 50 business minutes: met.
        let h = History {
            started_at: Some(at("2027-01-15T15:30:00Z")),
            first_response_at: Some(at("2027-01-18T08:20:00Z")),
            ..Default::default()
        };
        let now = at("2027-01-18T09:00:00Z");
        let c = clocks(&p, &office(), &h, now);
        let first = c.iter().find(|c| c.target == Target::FirstResponse).unwrap();
        assert_eq!((first.elapsed_minutes, first.breached, first.due_at), (50, false, Some(at("2027-01-18T08:30:00Z"))));
        assert_eq!(first.remaining_minutes(), None);
        let resolution = c.iter().find(|c| c.target == Target::Resolution).unwrap();
        assert_eq!((resolution.elapsed_minutes, resolution.remaining_minutes()), (90, Some(390)));
        assert_eq!(state(&c, now), SlaState::Ok);
    }

    #[test]
    fn pending_time_holds_the_clocks_and_moves_the_due_times() {
        let p = policy(Conditions::default(), 0);
        let h = History {
            started_at: Some(at("2027-01-13T08:00:00Z")),
            first_response_at: Some(at("2027-01-13T08:10:00Z")),
            // Pending from 09:00 Wednesday to 09:00 Thursday: eight business hours held.
            pauses: vec![Span { from: at("2027-01-13T09:00:00Z"), to: at("2027-01-14T09:00:00Z") }],
            ..Default::default()
        };
        let c = clocks(&p, &office(), &h, at("2027-01-14T10:00:00Z"));
        let resolution = c.iter().find(|c| c.target == Target::Resolution).unwrap();
        assert_eq!(resolution.elapsed_minutes, 120);
        assert_eq!(resolution.due_at, Some(at("2027-01-14T16:00:00Z")), "the day's end, not the next morning");
        // Pending now: no due time, the clock holds, and the ticket is not at risk for it.
        let paused = History { paused_since: Some(at("2027-01-13T09:00:00Z")), pauses: Vec::new(), ..h };
        let c = clocks(&p, &office(), &paused, at("2027-01-20T10:00:00Z"));
        let resolution = c.iter().find(|c| c.target == Target::Resolution).unwrap();
        assert_eq!((resolution.due_at, resolution.elapsed_minutes, resolution.breached), (None, 60, false));
        assert_eq!(paused_minutes(&office(), &paused, at("2027-01-14T09:00:00Z")), 8 * 60);
    }

    #[test]
    fn a_target_run_past_its_due_time_is_breached_and_a_warning_comes_first() {
        let p = policy(Conditions::default(), 0);
        let h = History { started_at: Some(at("2027-01-13T08:00:00Z")), ..Default::default() };
        // 48 of 60 minutes run: at risk (80 %).
        let c = clocks(&p, &office(), &h, at("2027-01-13T08:50:00Z"));
        assert_eq!(state(&c, at("2027-01-13T08:50:00Z")), SlaState::AtRisk);
        assert_eq!(next_instants(&c), (Some(at("2027-01-13T09:00:00Z")), Some(at("2027-01-13T08:48:00Z"))));
        let c = clocks(&p, &office(), &h, at("2027-01-13T09:00:00Z"));
        assert!(c.iter().find(|c| c.target == Target::FirstResponse).unwrap().breached);
        assert_eq!(state(&c, at("2027-01-13T09:00:00Z")), SlaState::Breached);
        // Answered late: the first response stays breached.
        let late = History { first_response_at: Some(at("2027-01-13T09:30:00Z")), ..h };
        let c = clocks(&p, &office(), &late, at("2027-01-14T09:00:00Z"));
        assert!(c.iter().find(|c| c.target == Target::FirstResponse).unwrap().breached);
    }

    #[test]
    fn a_warning_then_a_breach_are_each_told_once_per_target() {
        let p = policy(Conditions::default(), 0);
        let h = History { started_at: Some(at("2027-01-13T08:00:00Z")), ..Default::default() };
        let at_risk = at("2027-01-13T08:50:00Z");
        let c = clocks(&p, &office(), &h, at_risk);
        let given = notices(&c, &[], at_risk);
        assert_eq!(given.iter().map(|n| n.mark()).collect::<Vec<_>>(), ["first_response.warning"]);
        let told = vec!["first_response.warning".to_owned()];
        assert!(notices(&c, &told, at_risk).is_empty(), "told once");
        assert_eq!(watch_at(&c, &told), Some(at("2027-01-13T09:00:00Z")), "next: the first response's due time");
        let late = at("2027-01-13T09:05:00Z");
        let c = clocks(&p, &office(), &h, late);
        assert_eq!(notices(&c, &told, late).iter().map(|n| n.mark()).collect::<Vec<_>>(), ["first_response.breached"]);
        // Missed before anyone was warned: only the breach.
        assert_eq!(notices(&c, &[], late).iter().map(|n| n.mark()).collect::<Vec<_>>(), ["first_response.breached"]);
        let all = vec!["first_response.warning".to_owned(), "first_response.breached".to_owned()];
        assert_eq!(watch_at(&c, &all), Some(at("2027-01-13T14:24:00Z")), "then the resolution's warning (80 % of 8 h)");
    }

    #[test]
    fn the_next_response_clock_runs_from_a_customer_reply_until_staff_answer() {
        let p = policy(Conditions::default(), 0);
        let h = History {
            started_at: Some(at("2027-01-13T08:00:00Z")),
            first_response_at: Some(at("2027-01-13T08:05:00Z")),
            awaiting_reply_since: Some(at("2027-01-13T15:00:00Z")),
            ..Default::default()
        };
        let c = clocks(&p, &office(), &h, at("2027-01-14T08:30:00Z"));
        let next = c.iter().find(|c| c.target == Target::NextResponse).unwrap();
        // 15:00–16:00 Wednesday, 08:00–08:30 Thursday: 90 of 120 minutes.
        assert_eq!((next.elapsed_minutes, next.due_at), (90, Some(at("2027-01-14T09:00:00Z"))));
        // Nothing waits for an answer: no next-response clock.
        let answered = History { awaiting_reply_since: None, ..h };
        assert!(clocks(&p, &office(), &answered, at("2027-01-14T08:30:00Z")).iter().all(|c| c.target != Target::NextResponse));
    }

    #[test]
    fn resolution_stops_every_clock_and_a_ticket_resolved_without_a_reply_meets_its_first_response() {
        let p = policy(Conditions::default(), 0);
        let h = History {
            started_at: Some(at("2027-01-13T08:00:00Z")),
            resolved_at: Some(at("2027-01-13T08:40:00Z")),
            awaiting_reply_since: Some(at("2027-01-13T08:20:00Z")),
            ..Default::default()
        };
        let c = clocks(&p, &office(), &h, at("2027-02-01T08:00:00Z"));
        assert_eq!(c.len(), 2);
        assert!(c.iter().all(|c| c.met_at == Some(at("2027-01-13T08:40:00Z")) && !c.breached));
        assert_eq!(state(&c, at("2027-02-01T08:00:00Z")), SlaState::Ok);
    }
}
