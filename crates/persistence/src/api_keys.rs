//! API keys of integrations.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use servdesk_domain::Scope;
use uuid::Uuid;

use crate::entities::api_keys;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};

pub use servdesk_domain::ApiKey;

pub struct NewApiKey {
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub scopes: Vec<Scope>,
    pub created_by: Uuid,
}

fn to_key(m: api_keys::Model) -> Result<ApiKey, StoreError> {
    let names: Vec<String> = serde_json::from_str(&m.scopes).map_err(|e| StoreError::corrupt("api_keys", format!("{}: {e}", m.id)))?;
    let scopes = names
        .iter()
        .map(|n| Scope::parse(n).ok_or_else(|| StoreError::corrupt("api_keys", format!("{}: scope {n}", m.id))))
        .collect::<Result<_, _>>()?;
    Ok(ApiKey {
        id: m.id,
        name: m.name,
        prefix: m.prefix,
        scopes,
        created_by: m.created_by,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

pub async fn create(conn: &impl ConnectionTrait, new: NewApiKey, now: DateTime<Utc>) -> Result<ApiKey, StoreError> {
    let names: Vec<&str> = new.scopes.iter().map(|s| s.as_str()).collect();
    let scopes = serde_json::to_string(&names).map_err(|e| StoreError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
    to_key(
        api_keys::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(new.name),
            prefix: Set(new.prefix),
            secret_hash: Set(new.secret_hash),
            scopes: Set(scopes),
            created_by: Set(new.created_by),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(conn)
        .await?,
    )
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<ApiKey, StoreError> {
    to_key(api_keys::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The key with this prefix and the hash of its secret, to authenticate a request.
pub async fn find_by_prefix(conn: &impl ConnectionTrait, prefix: &str) -> Result<Option<(ApiKey, String)>, StoreError> {
    match api_keys::Entity::find().filter(api_keys::Column::Prefix.eq(prefix)).one(conn).await? {
        Some(m) => {
            let hash = m.secret_hash.clone();
            Ok(Some((to_key(m)?, hash)))
        }
        None => Ok(None),
    }
}

/// Keys have no `updated_at`: they are listed in creation order.
pub async fn list(conn: &impl ConnectionTrait, req: PageRequest) -> Result<Page<ApiKey>, StoreError> {
    let req = PageRequest { updated_since: None, ..req };
    page::fetch(conn, api_keys::Entity::find(), api_keys::Column::Id, api_keys::Column::CreatedAt, req, |k| (k.created_at, k.id))
        .await?
        .try_map(to_key)
}

pub async fn revoke(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<ApiKey, StoreError> {
    get(conn, id).await?;
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(now))
        .filter(api_keys::Column::Id.eq(id))
        .filter(api_keys::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    get(conn, id).await
}

/// Records use, at most once a minute per key: a busy integration must not turn every
/// read into a write.
pub async fn touch(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(now))
        .filter(api_keys::Column::Id.eq(id))
        .filter(
            Condition::any().add(api_keys::Column::LastUsedAt.is_null()).add(api_keys::Column::LastUsedAt.lt(now - Duration::minutes(1))),
        )
        .exec(conn)
        .await?;
    Ok(())
}
