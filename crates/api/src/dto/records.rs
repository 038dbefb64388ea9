//! The renderer the use cases ask for records as the API shows them (the change feed's
//! entries, the live stream, webhook payloads): each kind through the same response type
//! its own GET returns, seen as an administrator sees it.

use futures_util::future::BoxFuture;
use serde::Serialize;
use servdesk_persistence::billing::{contracts, statements};
use servdesk_persistence::directory::{contacts, customers, equipment, locations, products};
use servdesk_persistence::{StoreError, attachments, calls, checklists, comments, documents, tasks, tickets, time};
use servdesk_usecases::render::Renderer;
use servdesk_usecases::{Desk, Result};
use uuid::Uuid;

use crate::dto::{
    DocumentOut, TaskOut, TicketOut, billing, calls::CallOut, checklists::ChecklistItemOut, comments::CommentOut, directory,
    time_entries::TimeEntryOut,
};

pub struct ApiRecords;

fn json(v: impl Serialize) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

/// A record that is gone renders as nothing; any other failure is the caller's to report.
fn found<T>(r: std::result::Result<T, StoreError>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl ApiRecords {
    async fn render(desk: &Desk, resource: &str, id: Uuid) -> Result<Option<serde_json::Value>> {
        let db = &desk.db;
        Ok(match resource {
            "ticket" => match found(tickets::get(db, id).await)? {
                Some(t) => {
                    let statuses = servdesk_usecases::tickets::statuses(desk, db, &[t.status_id]).await?;
                    let progress = servdesk_usecases::tickets::progress(db, [&t]).await?;
                    json(TicketOut::new(t, &statuses, &progress))
                }
                None => None,
            },
            "comment" => match found(comments::get(db, id).await)? {
                Some(c) => {
                    let mut files = attachments::of_comments(db, &[c.id]).await?;
                    json(CommentOut::new(c, &mut files))
                }
                None => None,
            },
            "task" => match found(tasks::get(db, id).await)? {
                Some(t) => {
                    let totals = time::totals_by_task(db, &[t.id]).await?;
                    json(TaskOut::new(t, &totals))
                }
                None => None,
            },
            "call" => found(calls::get(db, id).await)?.and_then(|c| json(CallOut::from(c))),
            "checklist_item" => found(checklists::get(db, id).await)?.and_then(|c| json(ChecklistItemOut::from(c))),
            "time_entry" => found(time::get(db, id).await)?.and_then(|e| json(TimeEntryOut::from(e))),
            "document" => found(documents::get(db, id).await)?.and_then(|d| json(DocumentOut::from(d))),
            "customer" => found(customers::get(db, id).await)?.and_then(|c| json(directory::CustomerOut::from(c))),
            "contact" => found(contacts::get(db, id).await)?.and_then(|c| json(directory::ContactOut::from(c))),
            "location" => found(locations::get(db, id).await)?.and_then(|l| json(directory::LocationOut::from(l))),
            "equipment" => found(equipment::get(db, id).await)?.and_then(|e| json(directory::EquipmentOut::from(e))),
            "product" => found(products::get(db, id).await)?.and_then(|p| json(directory::ProductOut::from(p))),
            "contract" => found(contracts::get(db, id).await)?.and_then(|c| json(billing::ContractOut::from(c))),
            "statement" => found(statements::get(db, id).await)?.and_then(|s| json(billing::StatementOut::from(s))),
            _ => None,
        })
    }
}

impl Renderer for ApiRecords {
    fn render<'a>(&'a self, desk: &'a Desk, resource: &'a str, id: Uuid) -> BoxFuture<'a, Result<Option<serde_json::Value>>> {
        Box::pin(Self::render(desk, resource, id))
    }
}
