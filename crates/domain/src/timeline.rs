//! A ticket's timeline: one typed event per thing that happened to it, each kind with its
//! own fields. Stored as `kind` + `data` (the JSON of the variant's fields), and exposed
//! the same way, one schema per kind: what integrators sync has a shape.
//!
//! Reading is lenient where rows written by earlier versions differ (a field added later is
//! absent from old rows and reads as empty), so the stored rows never need rewriting.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use uuid::Uuid;

use crate::documents::DocumentKind;
use crate::tasks::{Task, TaskStatus};
use crate::tickets::{EventKind, Ticket};
use crate::time::EntrySource;

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum TicketEvent {
    Created(Created),
    FieldsChanged(Changes),
    StatusChanged(StatusMove),
    Assigned(Assigned),
    Claimed(Claimed),
    HandedOver(HandedOver),
    Closed(Closing),
    Reopened(StatusMove),
    CommentAdded(CommentAdded),
    AlarmRepeated(AlarmRepeated),
    AlarmResolved(AlarmResolved),
    CallMerged(CallMerged),
    AttachmentAdded(AttachmentsAdded),
    AttachmentRemoved(AttachmentRemoved),
    TaskCreated(TaskCreated),
    TaskStatusChanged(TaskStatusChanged),
    ChecklistChanged(ChecklistChanged),
    TaskUpdated(TaskUpdated),
    TaskCompleted(TaskCompleted),
    DocumentAdded(DocumentAdded),
    TimeLogged(TimeLogged),
    TimeChanged(TimeChanged),
    TimeRemoved(TimeRemoved),
    MessageFailed(MessageFailed),
    RuleApplied(RuleApplied),
    SlaPolicyChanged(SlaPolicyChanged),
}

impl TicketEvent {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::Created(_) => EventKind::Created,
            Self::FieldsChanged(_) => EventKind::FieldsChanged,
            Self::StatusChanged(_) => EventKind::StatusChanged,
            Self::Assigned(_) => EventKind::Assigned,
            Self::Claimed(_) => EventKind::Claimed,
            Self::HandedOver(_) => EventKind::HandedOver,
            Self::Closed(_) => EventKind::Closed,
            Self::Reopened(_) => EventKind::Reopened,
            Self::CommentAdded(_) => EventKind::CommentAdded,
            Self::AlarmRepeated(_) => EventKind::AlarmRepeated,
            Self::AlarmResolved(_) => EventKind::AlarmResolved,
            Self::CallMerged(_) => EventKind::CallMerged,
            Self::AttachmentAdded(_) => EventKind::AttachmentAdded,
            Self::AttachmentRemoved(_) => EventKind::AttachmentRemoved,
            Self::TaskCreated(_) => EventKind::TaskCreated,
            Self::TaskStatusChanged(_) => EventKind::TaskStatusChanged,
            Self::ChecklistChanged(_) => EventKind::ChecklistChanged,
            Self::TaskUpdated(_) => EventKind::TaskUpdated,
            Self::TaskCompleted(_) => EventKind::TaskCompleted,
            Self::DocumentAdded(_) => EventKind::DocumentAdded,
            Self::TimeLogged(_) => EventKind::TimeLogged,
            Self::TimeChanged(_) => EventKind::TimeChanged,
            Self::TimeRemoved(_) => EventKind::TimeRemoved,
            Self::MessageFailed(_) => EventKind::MessageFailed,
            Self::RuleApplied(_) => EventKind::RuleApplied,
            Self::SlaPolicyChanged(_) => EventKind::SlaPolicyChanged,
        }
    }

    /// Whether the event changes what a ticket shows without writing the ticket itself (its
    /// thread, files, documents or logged time): the ticket is then marked changed, so an
    /// integrator polling `updated_since` sees it.
    pub fn touches_ticket(&self) -> bool {
        matches!(
            self,
            Self::CommentAdded(_)
                | Self::CallMerged(_)
                | Self::AttachmentAdded(_)
                | Self::AttachmentRemoved(_)
                | Self::DocumentAdded(_)
                | Self::TimeLogged(_)
                | Self::TimeChanged(_)
                | Self::TimeRemoved(_)
        )
    }

    /// Whether the event may move the ticket's SLA clocks: its start, a change of what picks
    /// its policy, a status move (pending holds the clocks, resolution stops them), a public
    /// reply (by staff it answers, by the customer it waits for an answer).
    pub fn affects_sla(&self) -> bool {
        match self {
            Self::Created(_) | Self::FieldsChanged(_) | Self::StatusChanged(_) | Self::Closed(_) | Self::Reopened(_) => true,
            Self::CommentAdded(c) => c.visibility == "public",
            _ => false,
        }
    }

    /// The event's fields as stored in `data`.
    pub fn data(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut tagged)) => tagged.remove("data").unwrap_or_default(),
            _ => serde_json::Value::Null,
        }
    }

    /// An event read back from its stored `kind` and `data`.
    pub fn read(kind: &str, data: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value(serde_json::json!({"kind": kind, "data": data}))
    }
}

/// A value before and after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change<T> {
    pub before: T,
    pub after: T,
}

/// Fields that changed, by name, with their values before and after.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Changes(pub BTreeMap<String, Change<serde_json::Value>>);

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records `field` when its value differs.
    pub fn compare<T: Serialize + PartialEq>(&mut self, field: &str, before: &T, after: &T) {
        if before != after {
            let value = |v: &T| serde_json::to_value(v).unwrap_or_default();
            self.0.insert(field.to_owned(), Change { before: value(before), after: value(after) });
        }
    }
}

impl Ticket {
    /// The fields a person edits that differ in `after`, under their names on the wire.
    pub fn changes_to(&self, after: &Ticket) -> Changes {
        let mut c = Changes::default();
        c.compare("title", &self.title, &after.title);
        c.compare("description", &self.description, &after.description);
        c.compare("details", &self.details, &after.details);
        c.compare("customer_id", &self.customer_id, &after.customer_id);
        c.compare("location_id", &self.location_id, &after.location_id);
        c.compare("contact_id", &self.contact_id, &after.contact_id);
        c.compare("equipment_id", &self.equipment_id, &after.equipment_id);
        c.compare("serial_number", &self.serial_number, &after.serial_number);
        c.compare("category_id", &self.category_id, &after.category_id);
        c.compare("type_id", &self.type_id, &after.type_id);
        c.compare("priority_id", &self.priority_id, &after.priority_id);
        c.compare("team_id", &self.team_id, &after.team_id);
        c.compare("assignee_id", &self.assignee_id, &after.assignee_id);
        c.compare("expected_close_on", &self.expected_close_on, &after.expected_close_on);
        c.compare("warranty", &self.warranty.flag, &after.warranty.flag);
        c.compare("warranty_default", &self.warranty.default, &after.warranty.default);
        c.compare("warranty_override_reason", &self.warranty.override_reason, &after.warranty.override_reason);
        c.compare("paid", &self.paid, &after.paid);
        c.compare("tags", &self.tags, &after.tags);
        c.compare("custom_fields", &self.custom_fields, &after.custom_fields);
        c
    }
}

impl Task {
    /// The fields that differ in `after`, under their names on the wire.
    pub fn changes_to(&self, after: &Task) -> Changes {
        let mut c = Changes::default();
        c.compare("title", &self.title, &after.title);
        c.compare("description", &self.description, &after.description);
        c.compare("category_id", &self.category_id, &after.category_id);
        c.compare("type_id", &self.type_id, &after.type_id);
        c.compare("planned_start", &self.planned_start, &after.planned_start);
        c.compare("planned_end", &self.planned_end, &after.planned_end);
        c.compare("customer_id", &self.customer_id, &after.customer_id);
        c.compare("location_id", &self.location_id, &after.location_id);
        c.compare("contact_id", &self.contact_id, &after.contact_id);
        c.compare("priority_id", &self.priority_id, &after.priority_id);
        c.compare("assignee_id", &self.assignee_id, &after.assignee_id);
        c.compare("partner_id", &self.partner_id, &after.partner_id);
        c.compare("paid", &self.paid, &after.paid);
        c.compare("warranty", &self.warranty, &after.warranty);
        c.compare("notify_assignee", &self.notify_assignee, &after.notify_assignee);
        c.compare("status", &self.status, &after.status);
        c.compare("completed_at", &self.completed_at, &after.completed_at);
        c.compare("custom_fields", &self.custom_fields, &after.custom_fields);
        c
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Created {
    pub number: String,
}

/// A triage rule opened the ticket from a call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RuleApplied {
    pub rule_id: Uuid,
    pub rule_name: String,
    pub call_id: Uuid,
    pub call_number: String,
}

/// The ticket's SLA policy changed (its priority, customer, category, channel or contract
/// did); the clocks run on from the ticket's start under the new one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlaPolicyChanged {
    pub from_policy_id: Option<Uuid>,
    pub to_policy_id: Option<Uuid>,
    /// The new policy's name then.
    pub to_policy_name: Option<String>,
}

/// A ticket status as the timeline names it (the name as it was then).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusRef {
    pub id: Uuid,
    pub name: Option<String>,
}

/// Why the system (not a person) moved a ticket.
pub mod reasons {
    /// Its last open task was done.
    pub const ALL_TASKS_DONE: &str = "all_tasks_done";
    /// Its contact replied by email inside the reopen window.
    pub const EMAIL_REPLY: &str = "email_reply";
    /// Its contact replied in the portal inside the reopen window.
    pub const PORTAL_REPLY: &str = "portal_reply";
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StatusMove {
    pub from: StatusRef,
    pub to: StatusRef,
    pub note: Option<String>,
    /// Set when the system moved it (see [`reasons`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Closing {
    pub from: StatusRef,
    pub to: StatusRef,
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Numbers of the open tasks cancelled with the ticket.
    pub cancelled_tasks: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assigned {
    pub team: Change<Option<Uuid>>,
    pub assignee: Change<Option<Uuid>>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Claimed {
    pub assignee: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HandedOver {
    pub from: Option<Uuid>,
    pub to: Uuid,
    pub note: String,
}

/// A file as the timeline names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileRef {
    pub attachment_id: Uuid,
    pub filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<i64>,
    /// The call the file came with, when it came with one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<Uuid>,
}

/// What became of a public reply's notice to the contact.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queued_job_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// Why nothing was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_sent: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommentAdded {
    pub comment_id: Uuid,
    /// `public` or `internal`.
    pub visibility: String,
    pub mentioned_user_ids: Vec<Uuid>,
    #[serde(deserialize_with = "file_refs")]
    pub attachments: Vec<FileRef>,
    /// For a staff member's public reply: the notice to the contact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    /// `email` for a reply that came by email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    /// The sender's address of an emailed reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The stored email (`GET /messages/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
}

/// Files named by id alone (as replies by email once stored them) or with their details.
fn file_refs<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<FileRef>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Id(Uuid),
        Ref(FileRef),
    }
    let items = Option::<Vec<Either>>::deserialize(deserializer)?.unwrap_or_default();
    Ok(items
        .into_iter()
        .map(|i| match i {
            Either::Id(attachment_id) => FileRef { attachment_id, ..FileRef::default() },
            Either::Ref(r) => r,
        })
        .collect())
}

/// What a monitoring call said.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlarmCall {
    pub subject: Option<String>,
    pub body: Option<String>,
    pub channel: String,
    /// What the monitoring system sent along, as it sent it.
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlarmRepeated {
    /// Triggers counted on the ticket so far.
    pub count: i64,
    pub call: AlarmCall,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlarmResolved {
    /// The customer's switch resolved the ticket with the alarm.
    pub ticket_resolved: bool,
    pub call: AlarmCall,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallMerged {
    pub call_id: Uuid,
    pub call_number: String,
    /// The internal note the call's content became.
    pub comment_id: Uuid,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentsAdded {
    pub attachments: Vec<FileRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AttachmentRemoved {
    pub attachment_id: Uuid,
    pub filename: String,
    /// Of the removed content, for the record.
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskCreated {
    pub task_id: Uuid,
    pub number: String,
    pub title: String,
    pub status: TaskStatus,
    #[serde(default)]
    pub assignee_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskStatusChanged {
    pub task_id: Uuid,
    pub number: String,
    pub from: TaskStatus,
    pub to: TaskStatus,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChecklistChanged {
    pub item_id: Uuid,
    /// The task whose checklist it is; none for the ticket's own.
    pub task_id: Option<Uuid>,
    /// `added`, `checked`, `unchecked`, `edited` or `removed`.
    pub action: String,
    pub text: String,
    pub checked: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskUpdated {
    pub task_id: Uuid,
    pub number: String,
    pub changes: Changes,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TaskCompleted {
    pub task_id: Uuid,
    pub number: String,
    /// How many material lines and photos the completion has.
    pub materials: usize,
    pub photos: usize,
    pub signed_by: Option<String>,
    pub completed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentAdded {
    pub document_id: Uuid,
    pub kind: DocumentKind,
    pub number: String,
    /// The file, when it came with one (a generated report always does).
    #[serde(default)]
    pub attachment_id: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeLogged {
    pub entry_id: Uuid,
    pub user_id: Uuid,
    #[serde(default)]
    pub task_id: Option<Uuid>,
    pub minutes: i32,
    pub billable: bool,
    pub source: EntrySource,
    pub needs_review: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeChanged {
    pub entry_id: Uuid,
    pub user_id: Uuid,
    pub minutes: Change<i32>,
    pub billable: Change<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeRemoved {
    pub entry_id: Uuid,
    pub user_id: Uuid,
    #[serde(default)]
    pub task_id: Option<Uuid>,
    pub minutes: i32,
    pub work_date: NaiveDate,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MessageFailed {
    pub message_id: Uuid,
    /// `email` or `sms`.
    pub channel: String,
    pub to: String,
    /// The notification it carried.
    pub event: Option<String>,
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    /// The delivery report that said so, when it bounced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounce_message_id: Option<Uuid>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_comment_or_logged_time_marks_its_ticket_changed_but_a_status_move_writes_the_ticket_itself() {
        let comment = TicketEvent::CommentAdded(CommentAdded::default());
        assert!(comment.touches_ticket());
        let removed = TicketEvent::TimeRemoved(TimeRemoved {
            entry_id: Uuid::from_u128(1),
            user_id: Uuid::from_u128(2),
            task_id: None,
            minutes: 30,
            work_date: NaiveDate::MIN,
        });
        assert!(removed.touches_ticket());
        assert!(!TicketEvent::StatusChanged(StatusMove::default()).touches_ticket());
        assert!(!TicketEvent::Claimed(Claimed { assignee: Uuid::from_u128(1) }).touches_ticket());
    }

    #[test]
    fn an_event_is_stored_as_its_kind_and_the_fields_of_that_kind() {
        let event = TicketEvent::Claimed(Claimed { assignee: Uuid::from_u128(1) });
        assert_eq!(event.kind(), EventKind::Claimed);
        assert_eq!(event.data(), json!({"assignee": Uuid::from_u128(1)}));
        assert_eq!(TicketEvent::read("claimed", event.data()).unwrap(), event);
    }

    #[test]
    fn every_kind_of_event_has_a_variant_and_reads_back_as_it_was_written() {
        let created = TicketEvent::Created(Created { number: "T-2026-000001".into() });
        assert_eq!(TicketEvent::read("created", created.data()).unwrap(), created);
        let kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
        for kind in kinds {
            // Every kind has a variant: an empty object either reads (most kinds are lenient)
            // as that kind, or is refused for a missing field — never as an unknown kind.
            match TicketEvent::read(kind, json!({})) {
                Ok(event) => assert_eq!(event.kind().as_str(), kind),
                Err(e) => assert!(e.to_string().contains("missing field"), "{kind}: {e}"),
            }
        }
        assert!(TicketEvent::read("no_such_kind", json!({})).is_err());
    }

    #[test]
    fn a_reply_by_email_that_named_its_files_by_id_reads_as_file_references() {
        let id = Uuid::from_u128(9);
        let event = TicketEvent::read(
            "comment_added",
            json!({"comment_id": Uuid::from_u128(1), "visibility": "public", "via": "email", "attachments": [id]}),
        )
        .unwrap();
        let TicketEvent::CommentAdded(added) = event else { panic!("not a comment") };
        assert_eq!(added.attachments, vec![FileRef { attachment_id: id, ..FileRef::default() }]);
        assert_eq!(added.via.as_deref(), Some("email"));
    }

    #[test]
    fn a_status_move_by_a_person_has_no_reason_and_one_by_the_system_says_why() {
        let by_person = StatusMove { note: Some("On it".into()), ..StatusMove::default() };
        assert!(serde_json::to_value(&by_person).unwrap().get("reason").is_none());
        let by_system = StatusMove { reason: Some(reasons::ALL_TASKS_DONE.into()), ..StatusMove::default() };
        assert_eq!(serde_json::to_value(&by_system).unwrap()["reason"], "all_tasks_done");
    }

    #[test]
    fn only_the_fields_that_differ_are_recorded_as_changes() {
        let mut changes = Changes::default();
        changes.compare("title", &"Printer", &"Printer jams");
        changes.compare("paid", &false, &false);
        changes.compare("description", &Some("Jams"), &None);
        assert_eq!(
            serde_json::to_value(&changes).unwrap(),
            json!({"title": {"before": "Printer", "after": "Printer jams"}, "description": {"before": "Jams", "after": null}})
        );
    }
}
