//! Custom fields: admins define them; tickets and tasks carry values checked against the
//! definitions that apply to their category.

use serde_json::{Map, Value};
use servdesk_domain::custom_fields::{self as rules, FieldDefinition, FieldEntity};
use servdesk_domain::dictionaries::DictionaryKind;
use servdesk_domain::errors::{Code, field, field_code};
use servdesk_persistence::ConnectionTrait;
use servdesk_persistence::custom_fields as store;
use uuid::Uuid;

use crate::{Desk, Error, FieldError, Result, now, references};

fn code_of(name: &str) -> Code {
    field_code(name).unwrap_or(field::UNKNOWN)
}

/// The dictionary a field's category comes from.
fn category_kind(entity: FieldEntity) -> DictionaryKind {
    match entity {
        FieldEntity::Ticket => DictionaryKind::TicketCategory,
        FieldEntity::Task => DictionaryKind::TaskCategory,
    }
}

async fn check(conn: &impl ConnectionTrait, d: &FieldDefinition) -> Result<()> {
    if let Err(errors) = rules::check_definition(d) {
        return Err(Error::validation(errors.into_iter().map(|e| FieldError::new(e.field, code_of(e.code), e.message)).collect()));
    }
    references::dictionary(conn, "category_id", category_kind(d.entity), d.category_id).await?;
    Ok(())
}

pub async fn define(desk: &Desk, d: FieldDefinition) -> Result<FieldDefinition> {
    check(&desk.db, &d).await?;
    let defined = store::create(&desk.db, &d, now()).await?;
    desk.field_definitions.invalidate();
    Ok(defined)
}

pub async fn replace(desk: &Desk, id: Uuid, expected: Option<i64>, mut d: FieldDefinition) -> Result<FieldDefinition> {
    let current = store::get(&desk.db, id).await?;
    // The kind of record and the key name the values already kept: they stay.
    d.entity = current.entity;
    d.key = current.key;
    check(&desk.db, &d).await?;
    let replaced = store::replace(&desk.db, id, expected, &d, now()).await?;
    desk.field_definitions.invalidate();
    Ok(replaced)
}

/// The definitions for records of `entity`, from the process's snapshot (read through `conn`
/// when stale: inside a transaction, that transaction).
async fn definitions(desk: &Desk, conn: &impl ConnectionTrait, entity: FieldEntity) -> Result<Vec<FieldDefinition>> {
    let all = desk.field_definitions.or_read(|_| true, store::list(conn, None)).await?;
    Ok(all.iter().filter(|d| d.entity == entity).cloned().collect())
}

/// A record's values after `patch`, checked against the definitions of its kind that apply
/// to `category`. `patch` is `None` where the record comes from what arrived by itself (a
/// call, an email): then the required fields are not asked for (see the domain's `apply`).
pub async fn values(
    desk: &Desk,
    conn: &impl ConnectionTrait,
    entity: FieldEntity,
    category: Option<Uuid>,
    current: &Map<String, Value>,
    patch: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>> {
    let definitions = definitions(desk, conn, entity).await?;
    let empty = Map::new();
    rules::apply(&definitions, category, current, patch.unwrap_or(&empty), patch.is_some())
        .map_err(|errors| Error::validation(errors.into_iter().map(|e| FieldError::new(e.field, code_of(e.code), e.message)).collect()))
}

/// A record's values after an edit: `patch` (the keys the edit names) applied to `current`.
/// Required fields are asked for when the values or the category change (a new category can
/// ask for fields the old did not) — not when someone only moves a date.
pub async fn edited(
    desk: &Desk,
    conn: &impl ConnectionTrait,
    entity: FieldEntity,
    category: Option<Uuid>,
    category_changed: bool,
    current: &Map<String, Value>,
    patch: Option<&Map<String, Value>>,
) -> Result<Map<String, Value>> {
    let empty = Map::new();
    let asked = (patch.is_some() || category_changed).then(|| patch.unwrap_or(&empty));
    values(desk, conn, entity, category, current, asked).await
}

/// The list filters `cf.<key>=<value>` of a query, each checked against its field: an
/// unknown key or a value the field cannot hold is a 422 naming the parameter.
pub async fn filters(conn: &impl ConnectionTrait, entity: FieldEntity, pairs: &[(String, String)]) -> Result<Vec<store::ValueFilter>> {
    let asked: Vec<(&str, &str)> = pairs.iter().filter_map(|(k, v)| k.strip_prefix("cf.").map(|key| (key, v.as_str()))).collect();
    if asked.is_empty() {
        return Ok(Vec::new());
    }
    let definitions = store::list(conn, Some(entity)).await?;
    let mut out = Vec::with_capacity(asked.len());
    for (key, raw) in asked {
        let param = format!("cf.{key}");
        let Some(def) = definitions.iter().find(|d| d.key == key) else {
            return Err(Error::invalid_field(&param, field::UNKNOWN, "no custom field has this key"));
        };
        let wrong = || Error::invalid_field(&param, field::TYPE, format!("not a value of a {} field", def.kind.as_str()));
        let value = match def.kind {
            rules::FieldKind::Number | rules::FieldKind::Integer => {
                Value::from(raw.trim().parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(wrong)?)
            }
            rules::FieldKind::Boolean => Value::Bool(raw.trim().parse::<bool>().map_err(|_| wrong())?),
            rules::FieldKind::Date => Value::String(
                chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| wrong())?.format("%Y-%m-%d").to_string(),
            ),
            _ => Value::String(raw.to_owned()),
        };
        out.push(store::ValueFilter { key: def.key.clone(), kind: def.kind, value });
    }
    Ok(out)
}

/// The active fields of a kind of record in their order: the columns an export adds.
pub async fn columns(conn: &impl ConnectionTrait, entity: FieldEntity) -> Result<Vec<FieldDefinition>> {
    let mut fields: Vec<FieldDefinition> = store::list(conn, Some(entity)).await?.into_iter().filter(|f| f.active).collect();
    fields.sort_by(|a, b| (a.position, &a.key).cmp(&(b.position, &b.key)));
    Ok(fields)
}
