//! Triage rules at intake (see the domain's `triage`): the first matching rule converts,
//! dismisses or tags a call in the intake's own transaction; a call left waiting is
//! announced to the staff who triage it (`call_received`).

use serde_json::json;
use servdesk_domain::calls::{Call, CallState, DismissReason};
use servdesk_domain::forms::Routing;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::timeline::{RuleApplied, TicketEvent};
use servdesk_domain::triage::{self, Action, CallFacts, Rule};
use servdesk_domain::{Actor, Principal, Role};
use servdesk_persistence::triage_rules::{self, RuleSpec};
use servdesk_persistence::users::UserFilter;
use servdesk_persistence::{ConnectionTrait, PageRequest, TransactionTrait, calls, teams, tickets, users};
use uuid::Uuid;

use crate::calls::Conversion;
use crate::{Desk, Error, FieldError, Result, notify, now, references};

async fn check(conn: &impl ConnectionTrait, spec: &RuleSpec) -> Result<()> {
    triage::check_rule(&spec.conditions, &spec.action)
        .map_err(|p| Error::validation(p.into_iter().map(|(f, c, m)| FieldError::new(f, c, m)).collect()))?;
    if let Action::Convert { routing, .. } = &spec.action {
        references::routing(conn, "action.routing", routing).await?;
    }
    Ok(())
}

pub async fn create(desk: &Desk, spec: RuleSpec) -> Result<Rule> {
    let txn = desk.db.begin().await?;
    check(&txn, &spec).await?;
    let rule = triage_rules::create(&txn, spec, now()).await?;
    crate::commit(txn).await?;
    Ok(rule)
}

pub async fn replace(desk: &Desk, id: Uuid, expected: Option<i64>, spec: RuleSpec) -> Result<Rule> {
    let txn = desk.db.begin().await?;
    check(&txn, &spec).await?;
    let rule = triage_rules::replace(&txn, id, expected, spec, now()).await?;
    crate::commit(txn).await?;
    Ok(rule)
}

/// The call's answers to the rules' questions.
fn facts(call: &Call) -> CallFacts<'_> {
    CallFacts {
        channel: Some(call.channel),
        form_slug: call.metadata.pointer("/form/slug").and_then(|v| v.as_str()),
        customer_id: call.customer_id,
        sender_email: call.from_email.as_deref(),
        subject: call.subject.as_deref(),
        dedup_key: call.dedup_key.as_deref(),
    }
}

/// The team a call asked for (a web form's chosen department).
fn asked_team(call: &Call) -> Option<Uuid> {
    call.metadata.get("routing").and_then(|r| serde_json::from_value::<Routing>(r.clone()).ok()).and_then(|r| r.team_id)
}

/// Applies the first matching rule to a call just taken in (in its transaction); announces
/// the call when it is left waiting for triage.
pub async fn apply(conn: &impl ConnectionTrait, desk: &Desk, call: &Call) -> Result<()> {
    let rules = triage_rules::active(conn).await?;
    let Some(rule) = triage::first_match(&rules, &facts(call)) else {
        return announce(conn, call).await;
    };
    let now = now();
    let mut record = json!({"rule": {"id": rule.id, "name": rule.name, "action": rule.action.name()}});
    if let Action::Convert { tags, .. } | Action::Tag { tags } = &rule.action {
        record["tags"] = json!(tags);
    }
    let call = calls::add_metadata(conn, call.id, record, now).await?;
    match &rule.action {
        Action::Convert { routing, tags } => {
            let conversion = Conversion {
                team_id: routing.team_id,
                category_id: routing.category_id,
                type_id: routing.type_id,
                priority_id: routing.priority_id,
                tags: Some(tags.clone()),
                ..Conversion::default()
            };
            let ticket = crate::calls::convert(conn, desk, &Principal::System, &call, conversion).await?;
            let event = TicketEvent::RuleApplied(RuleApplied {
                rule_id: rule.id,
                rule_name: rule.name.clone(),
                call_id: call.id,
                call_number: call.number.clone(),
            });
            tickets::append_event(conn, ticket.id, Actor::SYSTEM, &event, now).await?;
        }
        Action::Dismiss => {
            calls::triage(conn, call.id, CallState::Dismissed, None, Some(DismissReason::Spam), Actor::SYSTEM, now).await?;
        }
        Action::Tag { .. } => announce(conn, &call).await?,
    }
    Ok(())
}

/// Tells the staff who triage that a call waits: the members of the team it asked for, else
/// the coordinators. Switched off like any notice (`call_received`).
async fn announce(conn: &impl ConnectionTrait, call: &Call) -> Result<()> {
    let recipients: Vec<Uuid> = match asked_team(call) {
        Some(team) => teams::members(conn, team).await?,
        None => {
            let filter = UserFilter { role: Some(Role::Coordinator), active: Some(true), ..UserFilter::default() };
            users::list(conn, &filter, PageRequest::first(200)).await?.items.into_iter().map(|u| u.id).collect()
        }
    };
    let now = now();
    for user_id in recipients {
        let payload = json!({"call_id": call.id, "call_number": call.number, "user_id": user_id});
        notify::queue(conn, NotificationEvent::CallReceived, payload, now).await?;
    }
    Ok(())
}

pub async fn list(desk: &Desk) -> Result<Vec<Rule>> {
    Ok(triage_rules::all(&desk.db).await?)
}

pub async fn get(desk: &Desk, id: Uuid) -> Result<Rule> {
    Ok(triage_rules::get(&desk.db, id).await?)
}

pub async fn delete(desk: &Desk, id: Uuid) -> Result<()> {
    Ok(triage_rules::delete(&desk.db, id).await?)
}
