//! The timeline on the wire: one schema per kind of event (`kind` names it, `data` holds its
//! fields), mirrored from `servdesk_domain::timeline`. Each mirror converts from its domain
//! type by destructuring every field, so a field added to an event and not to its schema is
//! a compile error, not a silent gap in the document integrators sync against.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use servdesk_domain::documents::DocumentKind;
use servdesk_domain::tasks::TaskStatus;
use servdesk_domain::time::EntrySource;
use servdesk_domain::timeline::{self as tl, TicketEvent};
use servdesk_persistence::tickets::Event;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

/// Declares the wire mirror of a domain payload struct and its conversion.
macro_rules! mirror {
    ($(#[$meta:meta])* $out:ident from $domain:path { $($(#[$fmeta:meta])* $field:ident: $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Serialize, ToSchema)]
        pub struct $out {
            $($(#[$fmeta])* pub $field: $ty),*
        }

        impl From<$domain> for $out {
            fn from(value: $domain) -> Self {
                let $domain { $($field),* } = value;
                Self { $($field: $field.into()),* }
            }
        }
    };
}

/// A value before and after a change.
#[derive(Serialize, ToSchema)]
pub struct ChangeOut<T: ToSchema> {
    pub before: T,
    pub after: T,
}

impl<T: ToSchema> From<tl::Change<T>> for ChangeOut<T> {
    fn from(c: tl::Change<T>) -> Self {
        Self { before: c.before, after: c.after }
    }
}

/// A field's value before and after (any JSON value).
#[derive(Serialize, ToSchema)]
pub struct FieldChangeOut {
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

/// Changed fields by name: `{field: {before, after}}`.
#[derive(Serialize, ToSchema)]
#[serde(transparent)]
pub struct ChangesOut(pub BTreeMap<String, FieldChangeOut>);

impl From<tl::Changes> for ChangesOut {
    fn from(c: tl::Changes) -> Self {
        Self(c.0.into_iter().map(|(k, v)| (k, FieldChangeOut { before: v.before, after: v.after })).collect())
    }
}

mirror!(CreatedOut from tl::Created { number: String });
mirror!(
    /// A ticket status as it was named then.
    StatusRefOut from tl::StatusRef { id: Uuid, name: Option<String> }
);
mirror!(
    /// A move between statuses: by a person with their note, or by the system with its
    /// `reason` (`all_tasks_done`, `email_reply`).
    StatusMoveOut from tl::StatusMove {
        from: StatusRefOut,
        to: StatusRefOut,
        note: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    }
);
mirror!(
    /// Closing, with the numbers of the open tasks cancelled with it.
    ClosingOut from tl::Closing {
        from: StatusRefOut,
        to: StatusRefOut,
        note: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        cancelled_tasks: Vec<String>,
    }
);

/// A queue or assignee before and after.
#[derive(Serialize, ToSchema)]
pub struct AssignmentChangeOut {
    pub before: Option<Uuid>,
    pub after: Option<Uuid>,
}

impl From<tl::Change<Option<Uuid>>> for AssignmentChangeOut {
    fn from(c: tl::Change<Option<Uuid>>) -> Self {
        Self { before: c.before, after: c.after }
    }
}

mirror!(AssignedOut from tl::Assigned { team: AssignmentChangeOut, assignee: AssignmentChangeOut, note: Option<String> });
mirror!(ClaimedOut from tl::Claimed { assignee: Uuid });
mirror!(HandedOverOut from tl::HandedOver { from: Option<Uuid>, to: Uuid, note: String });
mirror!(
    /// A file as the timeline names it.
    FileRefOut from tl::FileRef {
        attachment_id: Uuid,
        filename: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size_bytes: Option<i64>,
        #[serde(skip_serializing_if = "Option::is_none")]
        call_id: Option<Uuid>,
    }
);
mirror!(
    /// What became of a public reply's notice to the contact: queued, or why not.
    DeliveryOut from tl::Delivery {
        #[serde(skip_serializing_if = "Option::is_none")]
        queued_job_id: Option<Uuid>,
        #[serde(skip_serializing_if = "Option::is_none")]
        channel: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        to: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        not_sent: Option<String>,
    }
);

fn files(refs: Vec<tl::FileRef>) -> Vec<FileRefOut> {
    refs.into_iter().map(FileRefOut::from).collect()
}

/// A comment: by staff (`delivery` for a public reply), or a reply by email (`via: email`).
#[derive(Serialize, ToSchema)]
pub struct CommentAddedOut {
    pub comment_id: Uuid,
    #[schema(schema_with = wire::comment_visibility)]
    pub visibility: String,
    pub mentioned_user_ids: Vec<Uuid>,
    pub attachments: Vec<FileRefOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Uuid>,
}

impl From<tl::CommentAdded> for CommentAddedOut {
    fn from(c: tl::CommentAdded) -> Self {
        let tl::CommentAdded { comment_id, visibility, mentioned_user_ids, attachments, delivery, via, from, message_id } = c;
        Self {
            comment_id,
            visibility,
            mentioned_user_ids,
            attachments: files(attachments),
            delivery: delivery.map(DeliveryOut::from),
            via,
            from,
            message_id,
        }
    }
}

/// What a monitoring call said.
#[derive(Serialize, ToSchema)]
pub struct AlarmCallOut {
    pub subject: Option<String>,
    pub body: Option<String>,
    #[schema(schema_with = wire::channel)]
    pub channel: String,
    /// As the monitoring system sent it.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<serde_json::Value>,
}

impl From<tl::AlarmCall> for AlarmCallOut {
    fn from(c: tl::AlarmCall) -> Self {
        let tl::AlarmCall { subject, body, channel, metadata } = c;
        Self { subject, body, channel, metadata }
    }
}

mirror!(AlarmRepeatedOut from tl::AlarmRepeated { count: i64, call: AlarmCallOut });
mirror!(AlarmResolvedOut from tl::AlarmResolved { ticket_resolved: bool, call: AlarmCallOut });
mirror!(CallMergedOut from tl::CallMerged { call_id: Uuid, call_number: String, comment_id: Uuid });

/// Files added to the ticket.
#[derive(Serialize, ToSchema)]
pub struct AttachmentsAddedOut {
    pub attachments: Vec<FileRefOut>,
}

impl From<tl::AttachmentsAdded> for AttachmentsAddedOut {
    fn from(a: tl::AttachmentsAdded) -> Self {
        let tl::AttachmentsAdded { attachments } = a;
        Self { attachments: files(attachments) }
    }
}

mirror!(AttachmentRemovedOut from tl::AttachmentRemoved { attachment_id: Uuid, filename: String, sha256: String });

mirror!(TaskCreatedOut from tl::TaskCreated {
    task_id: Uuid,
    number: String,
    title: String,
    #[schema(schema_with = wire::task_status)]
    status: TaskStatus,
    assignee_id: Option<Uuid>,
});
mirror!(TaskStatusChangedOut from tl::TaskStatusChanged {
    task_id: Uuid,
    number: String,
    #[schema(schema_with = wire::task_status)]
    from: TaskStatus,
    #[schema(schema_with = wire::task_status)]
    to: TaskStatus,
    note: Option<String>,
});
mirror!(
    /// A checklist line `added`, `checked`, `unchecked`, `edited` or `removed`.
    ChecklistChangedOut from tl::ChecklistChanged { item_id: Uuid, task_id: Option<Uuid>, action: String, text: String, checked: bool }
);
mirror!(TaskUpdatedOut from tl::TaskUpdated { task_id: Uuid, number: String, changes: ChangesOut });
mirror!(TaskCompletedOut from tl::TaskCompleted {
    task_id: Uuid,
    number: String,
    materials: usize,
    photos: usize,
    signed_by: Option<String>,
    completed_at: Option<DateTime<Utc>>,
});
mirror!(DocumentAddedOut from tl::DocumentAdded {
    document_id: Uuid,
    #[schema(schema_with = wire::document_kind)]
    kind: DocumentKind,
    number: String,
    attachment_id: Option<Uuid>,
});
mirror!(TimeLoggedOut from tl::TimeLogged {
    entry_id: Uuid,
    user_id: Uuid,
    task_id: Option<Uuid>,
    minutes: i32,
    billable: bool,
    #[schema(schema_with = wire::entry_source)]
    source: EntrySource,
    needs_review: bool,
});
mirror!(TimeChangedOut from tl::TimeChanged { entry_id: Uuid, user_id: Uuid, minutes: ChangeOut<i32>, billable: ChangeOut<bool> });
mirror!(TimeRemovedOut from tl::TimeRemoved { entry_id: Uuid, user_id: Uuid, task_id: Option<Uuid>, minutes: i32, work_date: NaiveDate });
mirror!(MessageFailedOut from tl::MessageFailed {
    message_id: Uuid,
    #[schema(schema_with = wire::notification_channel)]
    channel: String,
    to: String,
    event: Option<String>,
    error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bounce_message_id: Option<Uuid>,
});

mirror!(RuleAppliedOut from tl::RuleApplied { rule_id: Uuid, rule_name: String, call_id: Uuid, call_number: String });

mirror!(SlaPolicyChangedOut from tl::SlaPolicyChanged { from_policy_id: Option<Uuid>, to_policy_id: Option<Uuid>, to_policy_name: Option<String> });

/// What happened: `kind` names it, `data` holds the fields of that kind.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum TicketEventOut {
    Created(CreatedOut),
    /// `{field: {before, after}}` of the fields a PATCH changed.
    FieldsChanged(ChangesOut),
    StatusChanged(StatusMoveOut),
    Assigned(AssignedOut),
    Claimed(ClaimedOut),
    HandedOver(HandedOverOut),
    Closed(ClosingOut),
    Reopened(StatusMoveOut),
    CommentAdded(CommentAddedOut),
    AlarmRepeated(AlarmRepeatedOut),
    AlarmResolved(AlarmResolvedOut),
    CallMerged(CallMergedOut),
    AttachmentAdded(AttachmentsAddedOut),
    AttachmentRemoved(AttachmentRemovedOut),
    TaskCreated(TaskCreatedOut),
    TaskStatusChanged(TaskStatusChangedOut),
    ChecklistChanged(ChecklistChangedOut),
    TaskUpdated(TaskUpdatedOut),
    TaskCompleted(TaskCompletedOut),
    DocumentAdded(DocumentAddedOut),
    TimeLogged(TimeLoggedOut),
    TimeChanged(TimeChangedOut),
    TimeRemoved(TimeRemovedOut),
    MessageFailed(MessageFailedOut),
    /// A triage rule opened the ticket from a call.
    RuleApplied(RuleAppliedOut),
    /// The ticket's SLA policy changed (a change of what picks it); its clocks run on from the
    /// ticket's start under the new one.
    SlaPolicyChanged(SlaPolicyChangedOut),
}

impl From<TicketEvent> for TicketEventOut {
    fn from(e: TicketEvent) -> Self {
        match e {
            TicketEvent::Created(v) => Self::Created(v.into()),
            TicketEvent::FieldsChanged(v) => Self::FieldsChanged(v.into()),
            TicketEvent::StatusChanged(v) => Self::StatusChanged(v.into()),
            TicketEvent::Assigned(v) => Self::Assigned(v.into()),
            TicketEvent::Claimed(v) => Self::Claimed(v.into()),
            TicketEvent::HandedOver(v) => Self::HandedOver(v.into()),
            TicketEvent::Closed(v) => Self::Closed(v.into()),
            TicketEvent::Reopened(v) => Self::Reopened(v.into()),
            TicketEvent::CommentAdded(v) => Self::CommentAdded(v.into()),
            TicketEvent::AlarmRepeated(v) => Self::AlarmRepeated(v.into()),
            TicketEvent::AlarmResolved(v) => Self::AlarmResolved(v.into()),
            TicketEvent::CallMerged(v) => Self::CallMerged(v.into()),
            TicketEvent::AttachmentAdded(v) => Self::AttachmentAdded(v.into()),
            TicketEvent::AttachmentRemoved(v) => Self::AttachmentRemoved(v.into()),
            TicketEvent::TaskCreated(v) => Self::TaskCreated(v.into()),
            TicketEvent::TaskStatusChanged(v) => Self::TaskStatusChanged(v.into()),
            TicketEvent::ChecklistChanged(v) => Self::ChecklistChanged(v.into()),
            TicketEvent::TaskUpdated(v) => Self::TaskUpdated(v.into()),
            TicketEvent::TaskCompleted(v) => Self::TaskCompleted(v.into()),
            TicketEvent::DocumentAdded(v) => Self::DocumentAdded(v.into()),
            TicketEvent::TimeLogged(v) => Self::TimeLogged(v.into()),
            TicketEvent::TimeChanged(v) => Self::TimeChanged(v.into()),
            TicketEvent::TimeRemoved(v) => Self::TimeRemoved(v.into()),
            TicketEvent::MessageFailed(v) => Self::MessageFailed(v.into()),
            TicketEvent::RuleApplied(v) => Self::RuleApplied(v.into()),
            TicketEvent::SlaPolicyChanged(v) => Self::SlaPolicyChanged(v.into()),
        }
    }
}

/// One entry of the timeline; never edited, never deleted.
#[derive(Serialize, ToSchema)]
pub struct EventOut {
    pub id: Uuid,
    /// The staff member; both actors null means the system.
    pub actor_user_id: Option<Uuid>,
    pub actor_api_key_id: Option<Uuid>,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: TicketEventOut,
}

impl From<Event> for EventOut {
    fn from(e: Event) -> Self {
        Self { id: e.id, actor_user_id: e.actor.user_id, actor_api_key_id: e.actor.api_key_id, at: e.at, event: e.event.into() }
    }
}
