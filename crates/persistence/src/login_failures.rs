//! Failed logins, counted per account and per client address for rate limiting.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::login_failures;
use crate::error::StoreError;

pub async fn record(conn: &impl ConnectionTrait, subject: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    login_failures::ActiveModel { id: Set(Uuid::now_v7()), subject: Set(subject.to_owned()), created_at: Set(now) }.insert(conn).await?;
    Ok(())
}

/// How many failures `subject` had since `since`, and when the oldest of them was.
pub async fn since(conn: &impl ConnectionTrait, subject: &str, since: DateTime<Utc>) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    let select = login_failures::Entity::find()
        .filter(login_failures::Column::Subject.eq(subject))
        .filter(login_failures::Column::CreatedAt.gt(since));
    let count = select.clone().count(conn).await?;
    let oldest = select.order_by_asc(login_failures::Column::CreatedAt).one(conn).await?.map(|f| f.created_at);
    Ok((count, oldest))
}

/// A successful login forgives the account's failures (not the address's).
pub async fn clear(conn: &impl ConnectionTrait, subject: &str) -> Result<(), StoreError> {
    login_failures::Entity::delete_many().filter(login_failures::Column::Subject.eq(subject)).exec(conn).await?;
    Ok(())
}

pub async fn purge(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, StoreError> {
    Ok(login_failures::Entity::delete_many().filter(login_failures::Column::CreatedAt.lt(before)).exec(conn).await?.rows_affected)
}
