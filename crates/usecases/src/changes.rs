//! The change feed for integrators: every create, update and delete of the synced records
//! in an order a reader can follow without ever missing one (see the persistence module),
//! kept for a configurable time; a cursor older than that is expired.

use chrono::{DateTime, Utc};
use servdesk_domain::errors::code;
use servdesk_persistence::changes::{self, Change, Position};
use uuid::Uuid;

use crate::{Desk, Error, Result, now};

/// The resources of the feed, as `types` names them.
pub const RESOURCES: [&str; 14] = [
    "ticket",
    "comment",
    "call",
    "task",
    "checklist_item",
    "time_entry",
    "document",
    "customer",
    "contact",
    "location",
    "equipment",
    "product",
    "contract",
    "statement",
];

/// A reader's place: after an entry, read at a time (which says when the cursor expires).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub position: Position,
    pub at: i64,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!("{}.{}.{}", self.position.txid, self.position.seq, self.at)
    }

    pub fn decode(raw: &str) -> Result<Self> {
        let invalid = || Error::new(code::INVALID_CURSOR, "the cursor is malformed; use next_cursor of a previous page");
        let mut parts = raw.trim().split('.').map(|p| p.parse::<i64>().map_err(|_| invalid()));
        let (Some(txid), Some(seq), Some(at), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        Ok(Cursor { position: Position { txid: txid?, seq: seq? }, at: at? })
    }
}

/// A page of the feed.
#[derive(Debug, Clone)]
pub struct Page {
    pub entries: Vec<(Change, Cursor)>,
    /// Where to continue: the last entry's cursor, or the one given when nothing is new.
    pub next: Option<Cursor>,
}

/// The entries after `after`, of `types` (all when empty), at most `limit`.
pub async fn read(desk: &Desk, after: Option<Cursor>, types: &[String], limit: u64) -> Result<Page> {
    let now = now();
    if let Some(c) = after {
        let keep = servdesk_domain::policy::duration(desk.config.changes_retention);
        if DateTime::<Utc>::from_timestamp(c.at, 0).is_none_or(|at| at < now - keep) {
            return Err(Error::new(
                code::CURSOR_EXPIRED,
                "entries this old are no longer kept; read the resources again and start from the feed's start",
            ));
        }
    }
    if let Some(unknown) = types.iter().find(|t| !RESOURCES.contains(&t.as_str())) {
        return Err(Error::invalid_field(
            "types",
            servdesk_domain::errors::field::UNKNOWN,
            format!("{unknown} is not one of {}", RESOURCES.join(", ")),
        ));
    }
    let found = changes::after(&desk.db, after.map(|c| c.position), types, limit).await?;
    let entries: Vec<(Change, Cursor)> = found
        .into_iter()
        .map(|c| {
            let cursor = Cursor { position: Position { txid: c.txid, seq: c.seq }, at: now.timestamp() };
            (c, cursor)
        })
        .collect();
    let next = entries.last().map(|(_, c)| *c).or(after.map(|c| Cursor { at: now.timestamp(), ..c }));
    Ok(Page { entries, next })
}

/// A cursor at the feed's current end (to follow only what happens from now on).
pub async fn end(desk: &Desk) -> Result<Cursor> {
    let position = changes::end(&desk.db).await?.unwrap_or_default();
    Ok(Cursor { position, at: now().timestamp() })
}

/// A changed record's id and kind, for renderers.
pub fn key(c: &Change) -> (&str, Uuid) {
    (c.resource.as_str(), c.resource_id)
}

/// Whether `principal` may see the record a feed entry names, by the rules of the REST
/// reads: what hangs off a ticket through the ticket, directory records and calls by
/// permission, time entries one's own (everyone's with `TimeReadAll`). A deleted record
/// cannot be looked at any more: its tombstone goes to those who see everything of its kind.
pub async fn visible_to(
    desk: &Desk,
    principal: &servdesk_domain::Principal,
    visibility: &servdesk_domain::Visibility,
    c: &Change,
) -> Result<bool> {
    use servdesk_domain::{Permission, Visibility};
    use servdesk_persistence::{StoreError, checklists, comments, documents, tickets, time};
    let db = &desk.db;
    let ticket_seen = |ticket_id: Uuid| async move {
        match tickets::get_visible(db, ticket_id, visibility).await {
            Ok(_) => Ok(true),
            Err(StoreError::NotFound) => Ok(false),
            Err(e) => Err(Error::from(e)),
        }
    };
    let directory = matches!(c.resource.as_str(), "customer" | "contact" | "location" | "equipment" | "product");
    let billing = matches!(c.resource.as_str(), "contract" | "statement");
    if c.action == "deleted" {
        return Ok(if directory {
            principal.can(Permission::DirectoryRead)
        } else if billing {
            principal.can(Permission::BillingRead)
        } else {
            *visibility == Visibility::All
        });
    }
    Ok(match c.resource.as_str() {
        _ if directory => principal.can(Permission::DirectoryRead),
        _ if billing => principal.can(Permission::BillingRead),
        "call" => principal.can(Permission::CallsRead),
        "ticket" => principal.can(Permission::TicketsRead) && ticket_seen(c.resource_id).await?,
        "comment" => match comments::get(db, c.resource_id).await {
            Ok(comment) => principal.can(Permission::TicketsRead) && ticket_seen(comment.ticket_id).await?,
            // Gone since (deleted in a later entry): nothing to show.
            Err(_) => false,
        },
        "task" => crate::access::visible_task(db, principal, c.resource_id).await.is_ok(),
        "checklist_item" => match checklists::get(db, c.resource_id).await {
            Ok(item) => match item.task_id {
                Some(task) => crate::access::visible_task(db, principal, task).await.is_ok(),
                None => principal.can(Permission::TicketsRead) && ticket_seen(item.ticket_id).await?,
            },
            Err(_) => false,
        },
        "time_entry" => match time::get(db, c.resource_id).await {
            Ok(entry) => principal.can(Permission::TimeReadAll) || principal.user_id() == Some(entry.user_id),
            Err(_) => false,
        },
        "document" => match documents::get(db, c.resource_id).await {
            Ok(d) => {
                principal.can(Permission::BillingRead)
                    || (principal.can(Permission::TicketsRead)
                        && match d.ticket_id {
                            Some(t) => ticket_seen(t).await?,
                            None => false,
                        })
            }
            Err(_) => false,
        },
        _ => false,
    })
}

/// The records `entries` name, as the API shows them now (`None` for a deletion and for a
/// record deleted since): each record rendered once however often the page names it.
pub async fn records(desk: &Desk, entries: &[&Change]) -> Result<Vec<Option<serde_json::Value>>> {
    let mut rendered: std::collections::HashMap<(&str, Uuid), Option<serde_json::Value>> = std::collections::HashMap::new();
    let mut out = Vec::with_capacity(entries.len());
    for c in entries {
        let key = key(c);
        let record = match rendered.get(&key) {
            Some(r) => r.clone(),
            None => {
                let r = if c.action == "deleted" { None } else { crate::render::render(desk, key.0, key.1).await? };
                rendered.insert(key, r.clone());
                r
            }
        };
        out.push(record);
    }
    Ok(out)
}
