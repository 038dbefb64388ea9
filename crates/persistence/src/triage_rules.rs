//! Triage rules, read in their order at every intake.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::triage::{Action, Conditions, Rule};
use uuid::Uuid;

use crate::entities::triage_rules as row;
use crate::error::StoreError;
use crate::versioned;

/// What staff set of a rule.
#[derive(Debug, Clone)]
pub struct RuleSpec {
    pub name: String,
    pub position: i32,
    pub active: bool,
    pub conditions: Conditions,
    pub action: Action,
}

fn to_rule(m: row::Model) -> Result<Rule, StoreError> {
    let corrupt = |e: serde_json::Error| StoreError::corrupt("triage_rules", format!("{}: {e}", m.id));
    Ok(Rule {
        conditions: serde_json::from_str(&m.conditions).map_err(corrupt)?,
        action: serde_json::from_str(&m.action).map_err(corrupt)?,
        id: m.id,
        name: m.name,
        position: m.position,
        active: m.active,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn fill(m: &mut row::ActiveModel, spec: RuleSpec) {
    m.name = Set(spec.name);
    m.position = Set(spec.position);
    m.active = Set(spec.active);
    m.conditions = Set(serde_json::to_string(&spec.conditions).unwrap_or_else(|_| "{}".to_owned()));
    m.action = Set(serde_json::to_string(&spec.action).unwrap_or_else(|_| "{}".to_owned()));
}

pub async fn create(conn: &impl ConnectionTrait, spec: RuleSpec, now: DateTime<Utc>) -> Result<Rule, StoreError> {
    let mut m =
        row::ActiveModel { id: Set(Uuid::now_v7()), version: Set(1), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    fill(&mut m, spec);
    to_rule(m.insert(conn).await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Rule, StoreError> {
    to_rule(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Every rule in the order they are tried.
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<Rule>, StoreError> {
    in_order(conn, row::Entity::find()).await
}

/// The active rules in the order they are tried.
pub async fn active(conn: &impl ConnectionTrait) -> Result<Vec<Rule>, StoreError> {
    in_order(conn, row::Entity::find().filter(row::Column::Active.eq(true))).await
}

async fn in_order(conn: &impl ConnectionTrait, select: sea_orm::Select<row::Entity>) -> Result<Vec<Rule>, StoreError> {
    select.order_by_asc(row::Column::Position).order_by_asc(row::Column::Id).all(conn).await?.into_iter().map(to_rule).collect()
}

pub async fn replace(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    spec: RuleSpec,
    now: DateTime<Utc>,
) -> Result<Rule, StoreError> {
    let current = row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let mut m: row::ActiveModel = current.into();
    fill(&mut m, spec);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_rule(m.update(conn).await?)
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let done = row::Entity::delete_by_id(id).exec(conn).await?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}
