//! `PUT /{kind}/by-external-ref/{ref}` and `GET` of the same: the upsert a sync job can replay.
//!
//! The body is the kind's create body. Without a record of that reference it is created
//! (201); with one, the record is changed by the fields the body names, as a `PATCH` would
//! (200): what the body leaves out keeps its value, and the same body sent again changes
//! nothing, its version stays. The reference in the path is the record's `external_ref`.

use serde::de::DeserializeOwned;
use serde_json::Value;
use servdesk_domain::errors::{code, field};
use servdesk_persistence::ConnectionTrait;
use servdesk_persistence::external_refs;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// What the upsert does: create with `C`, or change record `Uuid` with `U`.
pub enum Upsert<C, U> {
    Create(C),
    Update(Uuid, U),
}

/// The reference of a path: 1 to 128 characters, trimmed.
pub fn reference(raw: &str) -> ApiResult<String> {
    let r = raw.trim();
    if r.is_empty() || r.chars().count() > 128 {
        return Err(ApiError::new(code::INVALID_PATH_PARAMETER, "the reference is 1 to 128 characters"));
    }
    Ok(r.to_owned())
}

/// The record of `table` with the reference, or 404.
pub async fn existing(conn: &impl ConnectionTrait, table: &'static str, raw: &str) -> ApiResult<Uuid> {
    let r = reference(raw)?;
    external_refs::find(conn, table, &r).await?.ok_or_else(|| ApiError::from(servdesk_persistence::StoreError::NotFound))
}

/// Reads `body` as the create (`C`) or the change (`U`) of the `table` record with the
/// reference, the reference set in it.
pub async fn upsert<C: DeserializeOwned, U: DeserializeOwned>(
    conn: &impl ConnectionTrait,
    table: &'static str,
    raw: &str,
    mut body: Value,
) -> ApiResult<Upsert<C, U>> {
    let r = reference(raw)?;
    let Some(fields) = body.as_object_mut() else {
        return Err(ApiError::new(code::INVALID_BODY, "the body does not match the schema: expected a JSON object"));
    };
    fields.insert("external_ref".to_owned(), Value::String(r.clone()));
    // The body is the create body in both cases: what the document promises is checked
    // even when the record exists and only some of it is used.
    let create: C = body_as(body.clone())?;
    Ok(match external_refs::find(conn, table, &r).await? {
        Some(id) => Upsert::Update(id, body_as(body)?),
        None => Upsert::Create(create),
    })
}

/// `body` read as `T`, or 422 `invalid_body` saying where it misses the schema.
pub fn body_as<T: DeserializeOwned>(body: Value) -> ApiResult<T> {
    serde_json::from_value(body).map_err(|e| ApiError::new(code::INVALID_BODY, format!("the body does not match the schema: {e}")))
}

/// The external reference of an import's row, if it has one (then the row is an upsert).
pub fn of_row(row: &serde_json::Map<String, Value>) -> ApiResult<Option<String>> {
    match row.get("external_ref") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(r)) if !r.trim().is_empty() && r.trim().chars().count() <= 128 => Ok(Some(r.trim().to_owned())),
        Some(_) => Err(ApiError::invalid_field("external_ref", field::LENGTH, "a text of 1 to 128 characters")),
    }
}
