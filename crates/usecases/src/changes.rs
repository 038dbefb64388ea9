//! The change feed for integrators: every create, update and delete of the synced records
//! in an order a reader can follow without ever missing one (see the persistence module),
//! kept for a configurable time; a cursor older than that is expired.

use chrono::{DateTime, Utc};
use servdesk_domain::errors::code;
use servdesk_persistence::changes::{self, Change, Position};
use uuid::Uuid;

use crate::{Desk, Error, Result, now};

/// The resources of the feed, as `types` names them.
pub const RESOURCES: [&str; 11] =
    ["ticket", "comment", "call", "task", "checklist_item", "time_entry", "document", "customer", "contact", "location", "equipment"];

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

/// A changed record's id and kind, for renderers.
pub fn key(c: &Change) -> (&str, Uuid) {
    (c.resource.as_str(), c.resource_id)
}
