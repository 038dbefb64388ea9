//! Webhooks: which events an integrator can subscribe to, which of a ticket's timeline
//! events become which of them, when a failed delivery is tried again, when a subscription
//! that keeps failing is switched off, and which destinations are refused.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::tasks::TaskStatus;
use crate::timeline::TicketEvent;

named_enum! {
    /// What a subscription can ask to hear of.
    EventType {
        TicketCreated = "ticket.created",
        /// Fields a person edits changed (`previous` holds their earlier values).
        TicketUpdated = "ticket.updated",
        TicketStatusChanged = "ticket.status_changed",
        TicketAssigned = "ticket.assigned",
        TicketClosed = "ticket.closed",
        TicketReopened = "ticket.reopened",
        CommentCreated = "comment.created",
        CallReceived = "call.received",
        /// A call was converted, merged into a ticket or dismissed.
        CallTriaged = "call.triaged",
        TaskCreated = "task.created",
        TaskUpdated = "task.updated",
        TaskDone = "task.done",
        TimeEntryCreated = "time_entry.created",
        TimeEntryUpdated = "time_entry.updated",
        TimeEntryDeleted = "time_entry.deleted",
        DocumentCreated = "document.created",
        DocumentUpdated = "document.updated",
        /// A billing run was finalized: one per statement, now numbered and final.
        StatementFinalized = "statement.finalized",
        /// An SLA target of a ticket is at risk (`sla`: the target and its due time).
        SlaWarning = "sla.warning",
        /// An SLA target of a ticket was missed (`sla`: the target and its due time).
        SlaBreached = "sla.breached",
        /// Sent on request (`POST /webhooks/{id}/ping`) to every subscription alike.
        Ping = "ping",
    }
}

/// Something that happened, to be told to the subscriptions that want it.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_type: EventType,
    /// The record it is about, as the change feed names it (`ticket`, `comment`, …).
    pub resource: &'static str,
    pub resource_id: Uuid,
    /// On updates, the changed fields' earlier values; on a deletion, the record's last
    /// known fields (it can no longer be rendered).
    pub previous: Option<Value>,
}

impl EventType {
    /// An SLA notice: its payload names the target in `sla` (kept where updates keep their
    /// earlier values).
    pub fn is_sla(self) -> bool {
        matches!(self, EventType::SlaWarning | EventType::SlaBreached)
    }
}

impl Event {
    pub fn new(event_type: EventType, resource: &'static str, resource_id: Uuid) -> Self {
        Self { event_type, resource, resource_id, previous: None }
    }

    fn with_previous(mut self, previous: Value) -> Self {
        self.previous = Some(previous);
        self
    }
}

/// The webhook event a new ticket stands for. It names the ticket, not its number, so it is
/// known before the number is drawn.
pub fn ticket_created(ticket_id: Uuid) -> Event {
    Event::new(EventType::TicketCreated, "ticket", ticket_id)
}

/// The webhook events a ticket's timeline event stands for (most stand for one; the events
/// no subscriber is offered — checklist ticks, failed messages — for none).
pub fn events_for(ticket_id: Uuid, event: &TicketEvent) -> Vec<Event> {
    use EventType as T;
    let ticket = |t: EventType| Event::new(t, "ticket", ticket_id);
    match event {
        TicketEvent::Created(_) => vec![ticket_created(ticket_id)],
        TicketEvent::FieldsChanged(changes) => {
            let previous: Map<String, Value> = changes.0.iter().map(|(k, c)| (k.clone(), c.before.clone())).collect();
            vec![ticket(T::TicketUpdated).with_previous(Value::Object(previous))]
        }
        TicketEvent::StatusChanged(m) => vec![ticket(T::TicketStatusChanged).with_previous(json!({"status_id": m.from.id}))],
        TicketEvent::Reopened(m) => vec![ticket(T::TicketReopened).with_previous(json!({"status_id": m.from.id}))],
        TicketEvent::Closed(c) => vec![ticket(T::TicketClosed).with_previous(json!({"status_id": c.from.id}))],
        TicketEvent::Assigned(a) => {
            vec![ticket(T::TicketAssigned).with_previous(json!({"team_id": a.team.before, "assignee_id": a.assignee.before}))]
        }
        TicketEvent::Claimed(_) => vec![ticket(T::TicketAssigned).with_previous(json!({"assignee_id": null}))],
        TicketEvent::HandedOver(h) => vec![ticket(T::TicketAssigned).with_previous(json!({"assignee_id": h.from}))],
        TicketEvent::CommentAdded(c) => vec![Event::new(T::CommentCreated, "comment", c.comment_id)],
        TicketEvent::CallMerged(m) => vec![Event::new(T::CommentCreated, "comment", m.comment_id)],
        TicketEvent::TaskCreated(t) => vec![Event::new(T::TaskCreated, "task", t.task_id)],
        TicketEvent::TaskStatusChanged(s) if s.to == TaskStatus::Done => {
            vec![Event::new(T::TaskDone, "task", s.task_id).with_previous(json!({"status": s.from}))]
        }
        TicketEvent::TaskStatusChanged(s) => vec![Event::new(T::TaskUpdated, "task", s.task_id).with_previous(json!({"status": s.from}))],
        TicketEvent::TaskUpdated(u) => {
            let previous: Map<String, Value> = u.changes.0.iter().map(|(k, c)| (k.clone(), c.before.clone())).collect();
            vec![Event::new(T::TaskUpdated, "task", u.task_id).with_previous(Value::Object(previous))]
        }
        TicketEvent::DocumentAdded(d) => vec![Event::new(T::DocumentCreated, "document", d.document_id)],
        TicketEvent::TimeLogged(t) => vec![Event::new(T::TimeEntryCreated, "time_entry", t.entry_id)],
        TicketEvent::TimeChanged(t) => vec![
            Event::new(T::TimeEntryUpdated, "time_entry", t.entry_id)
                .with_previous(json!({"minutes": t.minutes.before, "billable": t.billable.before})),
        ],
        TicketEvent::TimeRemoved(t) => vec![Event::new(T::TimeEntryDeleted, "time_entry", t.entry_id).with_previous(json!({
            "id": t.entry_id, "ticket_id": ticket_id, "task_id": t.task_id, "user_id": t.user_id,
            "minutes": t.minutes, "work_date": t.work_date,
        }))],
        TicketEvent::AlarmRepeated(_)
        | TicketEvent::AlarmResolved(_)
        | TicketEvent::AttachmentAdded(_)
        | TicketEvent::AttachmentRemoved(_)
        | TicketEvent::ChecklistChanged(_)
        | TicketEvent::TaskCompleted(_)
        | TicketEvent::MessageFailed(_)
        | TicketEvent::RuleApplied(_)
        | TicketEvent::SlaPolicyChanged(_) => Vec::new(),
    }
}

/// Which events a subscription hears: all, or those it lists (a ping always).
pub fn wants(event_types: &[EventType], event: EventType) -> bool {
    event == EventType::Ping || event_types.is_empty() || event_types.contains(&event)
}

/// The waits between attempts, as multiples of the base wait (10 s in production): 10 s,
/// 30 s, 1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 10 h — twelve attempts over a
/// day and an hour or two, as a receiver that is down for a deploy or a night expects.
const RETRY_FACTORS: [i32; 11] = [1, 3, 6, 30, 90, 180, 360, 720, 1440, 2880, 3600];

/// When attempt `attempts + 1` is due after `attempts` failed ones; `None` once all
/// attempts are spent (the delivery has failed for good).
pub fn next_attempt(attempts: u32, now: DateTime<Utc>, base: Duration) -> Option<DateTime<Utc>> {
    let factor = RETRY_FACTORS.get(usize::try_from(attempts.checked_sub(1)?).ok()?)?;
    Some(now + base.checked_mul(*factor)?)
}

/// Whether a subscription whose deliveries have failed since `failing_since` is switched off.
pub fn should_disable(failing_since: Option<DateTime<Utc>>, now: DateTime<Utc>, after: Duration) -> bool {
    failing_since.is_some_and(|since| now - since >= after)
}

/// Whether a destination address is on the public internet. Loopback, private, link-local,
/// shared (carrier NAT), unique-local, multicast, documentation and unspecified addresses
/// are not: a webhook must not become a way into the network Servdesk runs in.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 198 && (b == 18 || b == 19))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// The `Servdesk-Signature` header: the time and one `v1` per secret in use (two while a
/// rotated secret is still honoured), each the hex HMAC-SHA256 of `"{t}.{body}"`.
pub fn signature_header(t: i64, signatures: &[String]) -> String {
    let mut header = format!("t={t}");
    for s in signatures {
        header.push_str(",v1=");
        header.push_str(s);
    }
    header
}

/// The part of a receiver's answer kept in the delivery log: its first kilobyte, cut at a
/// character boundary.
pub fn excerpt(body: &str) -> String {
    const KEEP: usize = 1024;
    if body.len() <= KEEP {
        return body.to_owned();
    }
    let mut end = KEEP;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::{Assigned, Change, Changes, CommentAdded, StatusMove, StatusRef, TaskStatusChanged};

    #[test]
    fn a_status_move_is_a_status_changed_event_that_names_the_earlier_status() {
        let from = Uuid::from_u128(7);
        let moved = TicketEvent::StatusChanged(StatusMove { from: StatusRef { id: from, name: None }, ..StatusMove::default() });
        let events = events_for(Uuid::from_u128(1), &moved);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].event_type, EventType::TicketStatusChanged);
        assert_eq!(events[0].previous, Some(json!({"status_id": from})));
    }

    #[test]
    fn an_edit_is_an_updated_event_with_the_changed_fields_earlier_values() {
        let mut changes = Changes::default();
        changes.compare("title", &"Leak", &"Big leak");
        let events = events_for(Uuid::from_u128(1), &TicketEvent::FieldsChanged(changes));
        assert_eq!((events[0].event_type, events[0].resource), (EventType::TicketUpdated, "ticket"));
        assert_eq!(events[0].previous, Some(json!({"title": "Leak"})));
    }

    #[test]
    fn a_comment_is_about_the_comment_and_a_task_finishing_is_a_done_event() {
        let comment = Uuid::from_u128(5);
        let added = TicketEvent::CommentAdded(CommentAdded { comment_id: comment, ..CommentAdded::default() });
        assert_eq!(events_for(Uuid::from_u128(1), &added), vec![Event::new(EventType::CommentCreated, "comment", comment)]);
        let done = TicketEvent::TaskStatusChanged(TaskStatusChanged {
            task_id: Uuid::from_u128(9),
            number: "Z-1".into(),
            from: TaskStatus::InProgress,
            to: TaskStatus::Done,
            note: None,
        });
        assert_eq!(events_for(Uuid::from_u128(1), &done)[0].event_type, EventType::TaskDone);
    }

    #[test]
    fn an_assignment_names_the_earlier_team_and_assignee() {
        let assigned = TicketEvent::Assigned(Assigned {
            team: Change { before: None, after: Some(Uuid::from_u128(2)) },
            assignee: Change { before: Some(Uuid::from_u128(3)), after: None },
            note: None,
        });
        let events = events_for(Uuid::from_u128(1), &assigned);
        assert_eq!(events[0].previous, Some(json!({"team_id": null, "assignee_id": Uuid::from_u128(3)})));
    }

    #[test]
    fn a_subscription_without_a_list_hears_everything_and_every_subscription_hears_a_ping() {
        assert!(wants(&[], EventType::TaskDone));
        assert!(!wants(&[EventType::TicketCreated], EventType::TaskDone));
        assert!(wants(&[EventType::TicketCreated], EventType::Ping));
    }

    #[test]
    fn retries_back_off_over_about_a_day_and_then_stop() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let base = Duration::seconds(10);
        assert_eq!(next_attempt(1, now, base), Some(now + Duration::seconds(10)));
        assert_eq!(next_attempt(2, now, base), Some(now + Duration::seconds(30)));
        let total: i64 = (1..=11).map(|a| (next_attempt(a, now, base).unwrap() - now).num_seconds()).sum();
        assert!((Duration::hours(24).num_seconds()..Duration::hours(27).num_seconds()).contains(&total), "{total}");
        assert_eq!(next_attempt(12, now, base), None);
        assert_eq!(next_attempt(0, now, base), None, "nothing failed yet: nothing to retry");
    }

    #[test]
    fn a_subscription_failing_for_the_whole_window_is_switched_off() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(3);
        assert!(!should_disable(None, now, Duration::days(1)));
        assert!(!should_disable(Some(now - Duration::hours(23)), now, Duration::days(1)));
        assert!(should_disable(Some(now - Duration::hours(24)), now, Duration::days(1)));
    }

    #[test]
    fn private_loopback_and_link_local_destinations_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2a00:1450:4001::1", "8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn the_signature_header_carries_one_signature_per_secret_in_use() {
        assert_eq!(signature_header(5, &["ab".into()]), "t=5,v1=ab");
        assert_eq!(signature_header(5, &["ab".into(), "cd".into()]), "t=5,v1=ab,v1=cd");
    }

    #[test]
    fn a_long_answer_is_kept_as_its_first_kilobyte_without_splitting_a_character() {
        let long = "ż".repeat(1000);
        let kept = excerpt(&long);
        assert!(kept.len() <= 1024 + "…".len());
        assert!(kept.ends_with('…'));
        assert_eq!(excerpt("ok"), "ok");
    }
}
