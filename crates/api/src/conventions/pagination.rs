//! Cursor pagination: `limit` (1–200, default 50), an opaque `cursor`, `sort`,
//! `updated_since` for syncing; responses are `{ "items": [...], "next_cursor": ... }`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::errors::{code, field};
use servdesk_persistence::{Cursor, Page, PageRequest, Sort};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: u64 = 50;
pub const MAX_LIMIT: u64 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only items changed at or after this instant (RFC 3339), ordered by change: repeat
    /// with the last page's `updated_at` to sync incrementally.
    pub updated_since: Option<DateTime<Utc>>,
    /// `created` (oldest first, the default), `-created` (newest first), `updated` (least
    /// recently changed first) or `-updated` (most recently changed first). With
    /// `updated_since` only `updated`. Tickets also take `due`: the nearest SLA due time
    /// first, those with no running target last.
    #[param(pattern = "^(-?(created|updated)|due)$")]
    pub sort: Option<String>,
}

/// What the cursor carries; serialised as JSON then base64url, so clients treat it as opaque.
#[derive(Serialize, Deserialize)]
#[serde(tag = "k")]
enum Wire {
    #[serde(rename = "i")]
    Id { id: Uuid },
    #[serde(rename = "u")]
    Updated { at: DateTime<Utc>, id: Uuid },
    #[serde(rename = "-i")]
    IdDesc { id: Uuid },
    #[serde(rename = "-u")]
    UpdatedDesc { at: DateTime<Utc>, id: Uuid },
    #[serde(rename = "d")]
    Due { at: Option<DateTime<Utc>>, id: Uuid },
}

impl PageParams {
    /// For append-only lists (comments, events, files) paged by id: `updated_since` makes no
    /// sense there. Answers the id to continue after and the page size.
    pub fn append_only(&self, what: &str) -> Result<(Option<uuid::Uuid>, u64), ApiError> {
        if self.updated_since.is_some() {
            return Err(ApiError::new(
                code::UNSUPPORTED_FILTER,
                format!("{what} do not change; page with cursor instead of updated_since"),
            ));
        }
        if self.sort.as_deref().is_some_and(|s| s != "created") {
            return Err(ApiError::invalid_field("sort", field::UNSUPPORTED, format!("{what} are listed oldest first only")));
        }
        let req = self.to_request()?;
        let after = match req.after {
            Some(Cursor::Id(id)) => Some(id),
            _ => None,
        };
        Ok((after, req.limit))
    }

    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        self.request(false)
    }

    /// [`PageParams::to_request`] for a list that also orders by due time (`sort=due`).
    pub fn to_request_with_due(&self) -> Result<PageRequest, ApiError> {
        self.request(true)
    }

    fn request(&self, due: bool) -> Result<PageRequest, ApiError> {
        let limit = match self.limit {
            None => DEFAULT_LIMIT,
            Some(n) if (1..=MAX_LIMIT as i64).contains(&n) => n as u64,
            Some(_) => return Err(ApiError::invalid_field("limit", field::RANGE, "must be between 1 and 200")),
        };
        let sort = match (self.sort.as_deref(), self.updated_since.is_some()) {
            (None | Some("created"), false) => Sort::Created,
            (Some("-created"), false) => Sort::CreatedDesc,
            (None | Some("updated"), true) | (Some("updated"), false) => Sort::Updated,
            (Some("-updated"), false) => Sort::UpdatedDesc,
            (Some("due"), false) if due => Sort::Due,
            (Some(_), true) => {
                return Err(ApiError::invalid_field(
                    "sort",
                    field::UNSUPPORTED,
                    "with updated_since a list is ordered by change, oldest first",
                ));
            }
            (Some(_), false) => return Err(ApiError::invalid_field("sort", field::UNKNOWN, "one of created, -created, updated, -updated")),
        };
        let after = self.cursor.as_deref().map(decode).transpose()?;
        if after.is_some_and(|c| !sort.continues(c)) {
            return Err(invalid_cursor());
        }
        Ok(PageRequest { limit, after, updated_since: self.updated_since, sort })
    }
}

fn invalid_cursor() -> ApiError {
    ApiError::new(code::INVALID_CURSOR, "the cursor is malformed or belongs to a different query")
}

fn decode(raw: &str) -> Result<Cursor, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid_cursor())?;
    match serde_json::from_slice::<Wire>(&bytes).map_err(|_| invalid_cursor())? {
        Wire::Id { id } => Ok(Cursor::Id(id)),
        Wire::Updated { at, id } => Ok(Cursor::Updated(at, id)),
        Wire::IdDesc { id } => Ok(Cursor::IdDesc(id)),
        Wire::UpdatedDesc { at, id } => Ok(Cursor::UpdatedDesc(at, id)),
        Wire::Due { at, id } => Ok(Cursor::Due(at, id)),
    }
}

pub fn encode(cursor: Cursor) -> String {
    let wire = match cursor {
        Cursor::Id(id) => Wire::Id { id },
        Cursor::Updated(at, id) => Wire::Updated { at, id },
        Cursor::IdDesc(id) => Wire::IdDesc { id },
        Cursor::UpdatedDesc(at, id) => Wire::UpdatedDesc { at, id },
        Cursor::Due(at, id) => Wire::Due { at, id },
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Paged<T> {
    pub fn from_page<M>(page: Page<M>, f: impl FnMut(M) -> T) -> Self {
        let page = page.map(f);
        Paged { items: page.items, next_cursor: page.next.map(encode) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(limit: Option<i64>, cursor: Option<String>, since: Option<DateTime<Utc>>) -> PageParams {
        PageParams { limit, cursor, updated_since: since, sort: None }
    }

    fn sorted(sort: &str, cursor: Option<Cursor>) -> Result<PageRequest, ApiError> {
        PageParams { limit: None, cursor: cursor.map(encode), updated_since: None, sort: Some(sort.to_owned()) }.to_request()
    }

    #[test]
    fn each_sort_continues_only_with_its_own_cursors() {
        let id = Uuid::now_v7();
        assert_eq!(sorted("-created", Some(Cursor::IdDesc(id))).ok().map(|r| r.sort), Some(Sort::CreatedDesc));
        assert!(sorted("-created", Some(Cursor::Id(id))).is_err());
        assert!(sorted("updated", Some(Cursor::UpdatedDesc(Utc::now(), id))).is_err());
        assert_eq!(sorted("-updated", None).ok().map(|r| r.sort), Some(Sort::UpdatedDesc));
        assert!(sorted("priority", None).is_err());
    }

    #[test]
    fn a_sync_query_is_ordered_by_change_oldest_first_only() {
        let sync = |sort: Option<&str>| {
            PageParams { limit: None, cursor: None, updated_since: Some(Utc::now()), sort: sort.map(str::to_owned) }.to_request()
        };
        assert_eq!(sync(None).ok().map(|r| r.sort), Some(Sort::Updated));
        assert_eq!(sync(Some("updated")).ok().map(|r| r.sort), Some(Sort::Updated));
        assert!(sync(Some("-updated")).is_err());
        assert!(sync(Some("-created")).is_err());
    }

    #[test]
    fn a_cursor_round_trips_through_its_opaque_form() {
        let id = Uuid::now_v7();
        let req = params(None, Some(encode(Cursor::Id(id))), None).to_request();
        assert_eq!(req.ok().and_then(|r| r.after), Some(Cursor::Id(id)));
    }

    #[test]
    fn limit_defaults_to_fifty_and_must_be_between_one_and_two_hundred() {
        assert_eq!(params(None, None, None).to_request().ok().map(|r| r.limit), Some(50));
        assert!(params(Some(0), None, None).to_request().is_err());
        assert!(params(Some(201), None, None).to_request().is_err());
        assert_eq!(params(Some(200), None, None).to_request().ok().map(|r| r.limit), Some(200));
    }

    #[test]
    fn a_cursor_from_an_id_ordered_list_is_refused_in_a_sync_query() {
        let cursor = encode(Cursor::Id(Uuid::now_v7()));
        assert!(params(None, Some(cursor), Some(Utc::now())).to_request().is_err());
    }

    #[test]
    fn garbage_is_not_a_cursor() {
        assert!(params(None, Some("not-a-cursor".into()), None).to_request().is_err());
    }
}
