//! Completing a task in the field: the checklist results, materials, time, photos and the
//! customer's signature, recorded at once with the task done (and its ticket moved on when
//! that was its last open task). The files are already in the file store; their rows, the
//! completion and the timeline events are one transaction.

use chrono::{DateTime, Utc};
use servdesk_domain::Actor;
use servdesk_domain::Principal;
use servdesk_domain::attachments::Attachment;
use servdesk_domain::completion::{Completion, Material};
use servdesk_domain::errors::field;
use servdesk_domain::tasks::{Task, TaskStatus};
use servdesk_domain::time::{EntrySource, Span};
use servdesk_domain::timeline::{TaskCompleted, TaskStatusChanged, TicketEvent};
use servdesk_persistence::attachments::{self};
use servdesk_persistence::{TransactionTrait, checklists, completion, tasks, tickets};
use uuid::Uuid;

use crate::access::visible_task;
use crate::attachments::StoredFile;
use crate::tasks::{close_by_system, lock_ticket_of};
use crate::time::{Target, write_entry};
use crate::{Desk, Error, FieldError, Result, now};

/// A file of the completion, already in the file store.
pub struct CompletionFile {
    pub file: StoredFile,
    /// The customer's signature (else a photo).
    pub signature: bool,
}

/// What the technician reports, checked for shape.
pub struct Completed {
    pub work_done: String,
    pub signer_name: Option<String>,
    /// Checklist line id and whether it is checked now.
    pub checklist: Vec<(Uuid, bool)>,
    pub materials: Vec<Material>,
    /// Time worked: the span, its note, whether it is billable.
    pub spans: Vec<(Span, Option<String>, bool)>,
    pub completed_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
    pub files: Vec<CompletionFile>,
}

/// A recorded completion: the task (now done), the completion, its photos and signature.
pub struct Recorded {
    pub task: Task,
    pub completion: Completion,
    pub photos: Vec<Attachment>,
    pub signature: Option<Attachment>,
}

/// Records a completion of an open task the caller may work on.
pub async fn record(desk: &Desk, principal: &Principal, task_id: Uuid, done: Completed) -> Result<Recorded> {
    let now = now();
    let txn = desk.db.begin().await?;
    lock_ticket_of(&txn, task_id).await?;
    let (task, ticket) = visible_task(&txn, principal, task_id).await?;
    task.check_changeable().map_err(|e| Error::domain(&e))?;
    let user = principal.user_id();
    // Checklist results: only the task's own lines.
    let lines = checklists::list(&txn, checklists::Owner::Task { ticket_id: ticket.id, task_id: task.id }).await?;
    let mut unknown = Vec::new();
    for (i, result) in done.checklist.iter().enumerate() {
        let (item_id, checked) = *result;
        match lines.iter().find(|l| l.id == item_id) {
            Some(line) if line.checked != checked => {
                checklists::update(&txn, line.id, None, Some((checked, user)), now).await?;
            }
            Some(_) => {}
            None => {
                unknown.push(FieldError::new(format!("checklist[{i}].item_id"), field::NOT_FOUND, "not a line of this task's checklist"))
            }
        }
    }
    if !unknown.is_empty() {
        return Err(Error::validation(unknown));
    }
    // Files: photos and the signature, on the ticket and the task.
    let mut photos = Vec::new();
    let mut signature: Option<Attachment> = None;
    for file in &done.files {
        let kind = if file.signature { "signature" } else { "photo" };
        let stored =
            attachments::create(&txn, file.file.row(None, Some(ticket.id), Some(task.id), Actor::of(principal), kind), now).await?;
        if file.signature { signature = Some(stored) } else { photos.push(stored) }
    }
    completion::add_materials(&txn, task.id, ticket.id, &done.materials, now).await?;
    let completion = Completion {
        task_id: task.id,
        ticket_id: ticket.id,
        work_done: done.work_done.trim().to_owned(),
        signer_name: signature.as_ref().and(done.signer_name.as_ref().map(|n| n.trim().to_owned())),
        signed_at: done.signed_at,
        signature_attachment_id: signature.as_ref().map(|a| a.id),
        completed_at: done.completed_at,
        completed_by: user,
    };
    completion::create(&txn, &completion, now).await?;
    if !done.spans.is_empty() {
        let worker = user.ok_or_else(|| Error::invalid_field("time_entries", field::USER_ONLY, "only staff members log time"))?;
        let target = Target { customer_id: task.customer_id.or(ticket.customer_id), ticket: ticket.clone(), task_id: Some(task.id) };
        for (span, note, billable) in done.spans {
            write_entry(&txn, principal, &target, worker, span, note, billable, false, EntrySource::Completion, now).await?;
        }
    }
    let finished = tasks::complete(&txn, task.id, done.completed_at, now).await?;
    let done_event = TicketEvent::TaskStatusChanged(TaskStatusChanged {
        task_id: task.id,
        number: task.number.clone(),
        from: task.status,
        to: TaskStatus::Done,
        note: Some("completed in the field".to_owned()),
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &done_event, now).await?;
    let summary = TicketEvent::TaskCompleted(TaskCompleted {
        task_id: task.id,
        number: task.number.clone(),
        materials: done.materials.len(),
        photos: photos.len(),
        signed_by: completion.signer_name.clone(),
        completed_at: Some(completion.completed_at),
    });
    tickets::append_event(&txn, ticket.id, Actor::of(principal), &summary, now).await?;
    let after: Vec<TaskStatus> = tasks::of_ticket(&txn, ticket.id).await?.into_iter().map(|t| t.status).collect();
    if servdesk_domain::tasks::completion_closes_ticket(TaskStatus::Done, &after) {
        close_by_system(&txn, desk, &ticket, now).await?;
    }
    crate::commit(txn).await?;
    Ok(Recorded { task: finished, completion, photos, signature })
}
