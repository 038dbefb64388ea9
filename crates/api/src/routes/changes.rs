//! The change feed (`GET /changes`): what an integrator follows to stay in sync.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_usecases::changes::{self, Cursor};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesParams {
    /// `next_cursor` of the previous page; without it the feed is read from its start.
    pub after: Option<String>,
    /// Only these resources, comma-separated: ticket, comment, call, task, checklist_item,
    /// time_entry, document, customer, contact, location, equipment, product, contract,
    /// statement.
    pub types: Option<String>,
    /// Entries per page, 1–1000 (default 200).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
    /// `false`: entries without `record` — one query per page instead of a few per entry,
    /// for an initial sync that reads the records in bulk anyway. Default `true`.
    pub records: Option<bool>,
}

/// One change of one record.
#[derive(Serialize, ToSchema)]
pub struct ChangeOut {
    /// This entry's place in the feed (a cursor).
    pub cursor: String,
    #[schema(example = "ticket")]
    pub resource: String,
    pub id: Uuid,
    /// `created`, `updated` or `deleted` (then the record is gone: a tombstone).
    #[schema(example = "updated")]
    pub action: String,
    pub at: DateTime<Utc>,
    /// The record as its own `GET` returns it now (not as it was at this entry: several
    /// entries of one record show its latest state); `null` for a deletion, for a record
    /// deleted since, and with `records=false`.
    #[schema(value_type = Option<Object>)]
    pub record: Option<serde_json::Value>,
}

#[derive(Serialize, ToSchema)]
pub struct ChangesPage {
    pub items: Vec<ChangeOut>,
    /// Where to continue (also when this page is empty: poll with it again later).
    pub next_cursor: Option<String>,
}

/// The change feed: every create, update and delete of tickets, comments, calls, tasks,
/// checklist items, time entries, documents, customers, contacts, locations, equipment,
/// products, contracts and statements,
/// in an order a reader following `next_cursor` can never miss an entry in (an entry of a
/// transaction still running is held back until it ends). Entries are kept
/// `SERVDESK_CHANGES_RETENTION_DAYS` (30); an older cursor answers 410 `cursor_expired`.
#[utoipa::path(
    operation_id = "list_changes",
    tag = tags::SYNC,
    params(ChangesParams),
    responses(
        (status = 200, body = ChangesPage),
        (status = 400, description = "`invalid_cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`cursor_expired`: start again from a full read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: an unknown type or a limit out of range", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/changes")]
pub async fn list(
    _auth: Authorized<can::ChangesRead>,
    state: web::Data<AppState>,
    params: web::Query<ChangesParams>,
) -> ApiResult<web::Json<ChangesPage>> {
    let limit = params.limit.unwrap_or(200);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid_field("limit", servdesk_domain::errors::field::RANGE, "between 1 and 1000"));
    }
    let after = params.after.as_deref().map(Cursor::decode).transpose()?;
    let types: Vec<String> =
        params.types.as_deref().map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let page = changes::read(&state, after, &types, limit).await?;
    let records = if params.records.unwrap_or(true) {
        changes::records(&state, &page.entries.iter().map(|(c, _)| c).collect::<Vec<_>>()).await?
    } else {
        vec![None; page.entries.len()]
    };
    Ok(web::Json(ChangesPage {
        items: page
            .entries
            .into_iter()
            .zip(records)
            .map(|((c, cursor), record)| ChangeOut {
                cursor: cursor.encode(),
                resource: c.resource,
                id: c.resource_id,
                action: c.action,
                at: c.at,
                record,
            })
            .collect(),
        next_cursor: page.next.map(|c| c.encode()),
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list);
}
