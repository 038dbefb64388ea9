//! Custom field definitions (the values live on their tickets and tasks).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::custom_fields::{FieldDefinition, FieldEntity, FieldKind};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::custom_field_definitions as row;
use crate::error::{StoreError, is_unique_violation};
use crate::versioned;

fn to_definition(m: row::Model) -> Result<FieldDefinition, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt("custom_field_definitions", format!("{}: {what}", m.id));
    Ok(FieldDefinition {
        entity: FieldEntity::parse(&m.entity).ok_or_else(|| corrupt("entity"))?,
        kind: FieldKind::parse(&m.kind).ok_or_else(|| corrupt("kind"))?,
        options: serde_json::from_str(&m.options).map_err(|_| corrupt("options"))?,
        id: m.id,
        category_id: m.category_id,
        key: m.key,
        label: m.label,
        required: m.required,
        min: m.min,
        max: m.max,
        pattern: m.pattern,
        position: m.position,
        active: m.active,
        version: m.version,
    })
}

fn taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::conflict(code::CUSTOM_FIELD_KEY_TAKEN, "another field of this kind of record has this key")
    } else {
        err.into()
    }
}

fn fill(m: &mut row::ActiveModel, d: &FieldDefinition) {
    m.entity = Set(d.entity.as_str().to_owned());
    m.category_id = Set(d.category_id);
    m.key = Set(d.key.clone());
    m.label = Set(d.label.clone());
    m.kind = Set(d.kind.as_str().to_owned());
    m.required = Set(d.required);
    m.min = Set(d.min);
    m.max = Set(d.max);
    m.pattern = Set(d.pattern.clone());
    m.options = Set(serde_json::to_string(&d.options).unwrap_or_else(|_| "[]".to_owned()));
    m.position = Set(d.position);
    m.active = Set(d.active);
}

/// Saves a new definition (its id and version are made here).
pub async fn create(conn: &impl ConnectionTrait, d: &FieldDefinition, now: DateTime<Utc>) -> Result<FieldDefinition, StoreError> {
    let mut m =
        row::ActiveModel { id: Set(Uuid::now_v7()), version: Set(1), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    fill(&mut m, d);
    to_definition(m.insert(conn).await.map_err(taken)?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<FieldDefinition, StoreError> {
    to_definition(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// The definitions, of one kind of record or all, in their order.
pub async fn list(conn: &impl ConnectionTrait, entity: Option<FieldEntity>) -> Result<Vec<FieldDefinition>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(e) = entity {
        select = select.filter(row::Column::Entity.eq(e.as_str()));
    }
    select
        .order_by_asc(row::Column::Entity)
        .order_by_asc(row::Column::Position)
        .order_by_asc(row::Column::Key)
        .all(conn)
        .await?
        .into_iter()
        .map(to_definition)
        .collect()
}

/// Replaces a definition's settings; its kind of record and key stay (values are kept
/// under the key).
pub async fn replace(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    d: &FieldDefinition,
    now: DateTime<Utc>,
) -> Result<FieldDefinition, StoreError> {
    let current = row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let (entity, key) = (current.entity.clone(), current.key.clone());
    let mut m: row::ActiveModel = current.into();
    fill(&mut m, d);
    m.entity = Set(entity);
    m.key = Set(key);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_definition(m.update(conn).await.map_err(taken)?)
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let done = row::Entity::delete_by_id(id).exec(conn).await?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// A list filter `cf.<key>=<value>`: records whose value of the field equals `value` (for a
/// multiple choice: includes it). The key is a defined field's (snake_case), checked before.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFilter {
    pub key: String,
    pub kind: FieldKind,
    pub value: serde_json::Value,
}

/// The condition of `filter` on a `custom_fields` column of `table`, as each database reads
/// JSON kept as text.
pub fn condition(backend: sea_orm::DbBackend, table: &str, filter: &ValueFilter) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::Expr;
    // Only `[a-z0-9_]` reaches here (definitions refuse anything else); kept out of the
    // statement's text all the same where a value can be bound.
    let key: String = filter.key.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    let column = format!("{table}.custom_fields");
    let value = filter.value.clone();
    if backend == sea_orm::DbBackend::Postgres {
        let json = format!("({column}::jsonb -> '{key}')");
        return match filter.kind {
            FieldKind::MultipleChoice => {
                Expr::cust_with_values(format!("{json} @> jsonb_build_array($1::text)"), [value.as_str().unwrap_or_default().to_owned()])
            }
            _ => Expr::cust_with_values(format!("{json} = $1::jsonb"), [value.to_string()]),
        };
    }
    let path = format!("'$.{key}'");
    match filter.kind {
        FieldKind::MultipleChoice => Expr::cust_with_values(
            format!("EXISTS (SELECT 1 FROM json_each({column}, {path}) WHERE json_each.value = ?)"),
            [value.as_str().unwrap_or_default().to_owned()],
        ),
        // SQLite reads JSON true and false as 1 and 0.
        FieldKind::Boolean => {
            Expr::cust_with_values(format!("json_extract({column}, {path}) = ?"), [i64::from(value.as_bool().unwrap_or(false))])
        }
        FieldKind::Number | FieldKind::Integer => {
            Expr::cust_with_values(format!("json_extract({column}, {path}) = ?"), [value.as_f64().unwrap_or(f64::NAN)])
        }
        _ => Expr::cust_with_values(format!("json_extract({column}, {path}) = ?"), [value.as_str().unwrap_or_default().to_owned()]),
    }
}
