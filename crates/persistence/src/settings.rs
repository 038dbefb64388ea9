//! Instance settings kept in the database (so every process of a deployment shares them).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

use crate::entities::settings;
use crate::error::{StoreError, is_unique_violation};

pub async fn get(conn: &impl ConnectionTrait, key: &str) -> Result<Option<String>, StoreError> {
    Ok(settings::Entity::find_by_id(key.to_owned()).one(conn).await?.map(|s| s.value))
}

/// Returns the stored value, storing `candidate` first if there is none. Two processes
/// starting at once agree on one value: the loser of the insert reads the winner's.
pub async fn get_or_insert(conn: &impl ConnectionTrait, key: &str, candidate: String, now: DateTime<Utc>) -> Result<String, StoreError> {
    if let Some(value) = get(conn, key).await? {
        return Ok(value);
    }
    let inserted =
        settings::ActiveModel { key: Set(key.to_owned()), value: Set(candidate.clone()), updated_at: Set(now) }.insert(conn).await;
    match inserted {
        Ok(_) => Ok(candidate),
        Err(e) if is_unique_violation(&e) => get(conn, key).await?.ok_or(StoreError::NotFound),
        Err(e) => Err(e.into()),
    }
}
