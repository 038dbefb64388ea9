//! Business calendars and SLA policies.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::business_time::{self, Calendar, Holiday, Range};
use servdesk_domain::errors::code;
use servdesk_domain::sla::{BusinessCalendar, Conditions, Policy, Targets};
use uuid::Uuid;

use crate::entities::{business_calendars as cal, sla_policies as pol};
use crate::error::{StoreError, is_foreign_key_violation};
use crate::versioned;

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredHoliday {
    date: NaiveDate,
    yearly: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
}

fn to_calendar(m: cal::Model) -> Result<BusinessCalendar, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt("business_calendars", format!("{}: {what}", m.id));
    let days: Vec<Vec<(u16, u16)>> = serde_json::from_str(&m.week).map_err(|_| corrupt("week"))?;
    let mut week: [Vec<Range>; 7] = Default::default();
    for (slot, ranges) in week.iter_mut().zip(days) {
        *slot = ranges.into_iter().map(|(start, end)| Range::new(start, end)).collect();
    }
    let holidays: Vec<StoredHoliday> = serde_json::from_str(&m.holidays).map_err(|_| corrupt("holidays"))?;
    Ok(BusinessCalendar {
        calendar: Calendar {
            time_zone: business_time::time_zone(&m.time_zone).ok_or_else(|| corrupt("time zone"))?,
            week,
            holidays: holidays.into_iter().map(|h| Holiday { date: h.date, yearly: h.yearly, name: h.name }).collect(),
        },
        id: m.id,
        name: m.name,
        version: m.version,
    })
}

fn fill_calendar(m: &mut cal::ActiveModel, c: &BusinessCalendar) {
    let week: Vec<Vec<(u16, u16)>> = c.calendar.week.iter().map(|day| day.iter().map(|r| (r.start, r.end)).collect()).collect();
    let holidays: Vec<StoredHoliday> =
        c.calendar.holidays.iter().map(|h| StoredHoliday { date: h.date, yearly: h.yearly, name: h.name.clone() }).collect();
    m.name = Set(c.name.clone());
    m.time_zone = Set(c.calendar.time_zone.name().to_owned());
    m.week = Set(serde_json::to_string(&week).unwrap_or_else(|_| "[]".to_owned()));
    m.holidays = Set(serde_json::to_string(&holidays).unwrap_or_else(|_| "[]".to_owned()));
}

pub async fn create_calendar(
    conn: &impl ConnectionTrait,
    c: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<BusinessCalendar, StoreError> {
    let mut m =
        cal::ActiveModel { id: Set(Uuid::now_v7()), version: Set(1), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    fill_calendar(&mut m, c);
    to_calendar(m.insert(conn).await?)
}

pub async fn calendar(conn: &impl ConnectionTrait, id: Uuid) -> Result<BusinessCalendar, StoreError> {
    to_calendar(cal::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

pub async fn calendars(conn: &impl ConnectionTrait) -> Result<Vec<BusinessCalendar>, StoreError> {
    cal::Entity::find()
        .order_by_asc(cal::Column::Name)
        .order_by_asc(cal::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_calendar)
        .collect()
}

pub async fn replace_calendar(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    c: &BusinessCalendar,
    now: DateTime<Utc>,
) -> Result<BusinessCalendar, StoreError> {
    let current = cal::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let mut m: cal::ActiveModel = current.into();
    fill_calendar(&mut m, c);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_calendar(m.update(conn).await?)
}

/// Deletes a calendar no policy runs on; 409 `calendar_in_use` otherwise.
pub async fn delete_calendar(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let done = cal::Entity::delete_by_id(id).exec(conn).await.map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::conflict(code::CALENDAR_IN_USE, "an SLA policy runs on this calendar; give it another one first")
        } else {
            e.into()
        }
    })?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

fn minutes(v: Option<i32>) -> Option<i64> {
    v.map(i64::from)
}

fn stored_minutes(v: Option<i64>) -> Option<i32> {
    v.map(|m| i32::try_from(m).unwrap_or(i32::MAX))
}

fn to_policy(m: pol::Model) -> Result<Policy, StoreError> {
    Ok(Policy {
        conditions: serde_json::from_str::<Conditions>(&m.conditions)
            .map_err(|_| StoreError::corrupt("sla_policies", format!("{}: conditions", m.id)))?,
        targets: Targets {
            first_response: minutes(m.first_response_minutes),
            next_response: minutes(m.next_response_minutes),
            resolution: minutes(m.resolution_minutes),
        },
        warn_at_percent: u8::try_from(m.warn_at_percent).unwrap_or(servdesk_domain::sla::DEFAULT_WARN_PERCENT),
        id: m.id,
        name: m.name,
        position: m.position,
        active: m.active,
        calendar_id: m.calendar_id,
        version: m.version,
    })
}

fn fill_policy(m: &mut pol::ActiveModel, p: &Policy) {
    m.name = Set(p.name.clone());
    m.position = Set(p.position);
    m.active = Set(p.active);
    m.conditions = Set(serde_json::to_string(&p.conditions).unwrap_or_else(|_| "{}".to_owned()));
    m.calendar_id = Set(p.calendar_id);
    m.first_response_minutes = Set(stored_minutes(p.targets.first_response));
    m.next_response_minutes = Set(stored_minutes(p.targets.next_response));
    m.resolution_minutes = Set(stored_minutes(p.targets.resolution));
    m.warn_at_percent = Set(i32::from(p.warn_at_percent));
}

pub async fn create_policy(conn: &impl ConnectionTrait, p: &Policy, now: DateTime<Utc>) -> Result<Policy, StoreError> {
    let mut m =
        pol::ActiveModel { id: Set(Uuid::now_v7()), version: Set(1), created_at: Set(now), updated_at: Set(now), ..Default::default() };
    fill_policy(&mut m, p);
    to_policy(m.insert(conn).await?)
}

pub async fn policy(conn: &impl ConnectionTrait, id: Uuid) -> Result<Policy, StoreError> {
    to_policy(pol::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// Every policy, in the order they are tried.
pub async fn policies(conn: &impl ConnectionTrait) -> Result<Vec<Policy>, StoreError> {
    pol::Entity::find()
        .order_by_asc(pol::Column::Position)
        .order_by_asc(pol::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_policy)
        .collect()
}

pub async fn replace_policy(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    p: &Policy,
    now: DateTime<Utc>,
) -> Result<Policy, StoreError> {
    let current = pol::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    versioned::expect(expected, current.version)?;
    let version = current.version + 1;
    let mut m: pol::ActiveModel = current.into();
    fill_policy(&mut m, p);
    m.version = Set(version);
    m.updated_at = Set(now);
    to_policy(m.update(conn).await?)
}

pub async fn delete_policy(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    let done = pol::Entity::delete_by_id(id).exec(conn).await?;
    if done.rows_affected == 0 { Err(StoreError::NotFound) } else { Ok(()) }
}

/// Whether any policy runs on the calendar.
pub async fn calendar_in_use(conn: &impl ConnectionTrait, calendar_id: Uuid) -> Result<bool, StoreError> {
    Ok(pol::Entity::find().filter(pol::Column::CalendarId.eq(calendar_id)).one(conn).await?.is_some())
}
