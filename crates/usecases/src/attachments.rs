//! Files of calls and tickets: rows written for files already in the file store (which are
//! removed again when the rows cannot be), and removal by who uploaded them.

use servdesk_domain::attachments::Attachment;
use servdesk_domain::timeline::{AttachmentRemoved, AttachmentsAdded, FileRef, TicketEvent};
use servdesk_domain::{Actor, Permission, Principal};
use servdesk_persistence::attachments::{self, NewAttachment};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, tickets};
use uuid::Uuid;

use crate::access::visibility;
use crate::{Desk, Error, Result, now};

/// A file already written to the file store, waiting for its row.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

impl StoredFile {
    /// The row of this file, uploaded by `by` as `kind` (`file`, `photo`, `signature`).
    pub fn row(
        &self,
        call_id: Option<Uuid>,
        ticket_id: Option<Uuid>,
        task_id: Option<Uuid>,
        by: Actor,
        kind: &'static str,
    ) -> NewAttachment {
        NewAttachment {
            id: self.id,
            call_id,
            ticket_id,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            storage_key: self.storage_key.clone(),
            uploaded_by: by,
            task_id,
            kind,
        }
    }
}

/// An attachment the caller may see: through its ticket, or a call's for who reads calls.
pub async fn visible(conn: &impl ConnectionTrait, principal: &Principal, id: Uuid) -> Result<Attachment> {
    let attachment = attachments::get(conn, id).await?;
    match attachment.ticket_id {
        Some(ticket_id) => {
            let visibility = visibility(conn, principal).await?;
            tickets::get_visible(conn, ticket_id, &visibility).await?;
        }
        None if principal.can(Permission::CallsRead) => {}
        None => return Err(Error::not_found()),
    }
    Ok(attachment)
}

/// Writes the rows of files uploaded to a call or a ticket (with the ticket's timeline
/// event); when that fails, the stored objects are removed so nothing is left behind.
pub async fn record(
    desk: &Desk,
    principal: &Principal,
    call_id: Option<Uuid>,
    ticket_id: Option<Uuid>,
    files: &[StoredFile],
) -> Result<Vec<Attachment>> {
    let now = now();
    let result = async {
        let txn = desk.db.begin().await?;
        let mut stored = Vec::with_capacity(files.len());
        for file in files {
            stored.push(attachments::create(&txn, file.row(call_id, ticket_id, None, Actor::of(principal), "file"), now).await?);
        }
        if let Some(ticket_id) = ticket_id {
            let attachments = stored
                .iter()
                .map(|a| FileRef { attachment_id: a.id, filename: Some(a.filename.clone()), call_id: a.call_id, ..FileRef::default() })
                .collect();
            let event = TicketEvent::AttachmentAdded(AttachmentsAdded { attachments });
            tickets::append_event(&txn, ticket_id, Actor::of(principal), &event, now).await?;
        }
        crate::commit(txn).await?;
        Ok::<_, Error>(stored)
    }
    .await;
    if result.is_err() {
        desk.storage.discard(files.iter().map(|f| f.storage_key.as_str())).await;
    }
    result
}

/// Removes a file (its uploader or a coordinator; not one sent with a comment), then its
/// object.
pub async fn remove(desk: &Desk, principal: &Principal, id: Uuid) -> Result<()> {
    let txn = desk.db.begin().await?;
    let attachment = visible(&txn, principal, id).await?;
    attachment.check_removal(Actor::of(principal), principal.can(Permission::TicketsCoordinate)).map_err(|e| Error::domain(&e))?;
    attachments::delete(&txn, attachment.id).await?;
    if let Some(ticket_id) = attachment.ticket_id {
        let event = TicketEvent::AttachmentRemoved(AttachmentRemoved {
            attachment_id: attachment.id,
            filename: attachment.filename.clone(),
            sha256: attachment.sha256.clone(),
        });
        tickets::append_event(&txn, ticket_id, Actor::of(principal), &event, now()).await?;
    }
    crate::commit(txn).await?;
    desk.storage.discard([attachment.storage_key.as_str()]).await;
    Ok(())
}
