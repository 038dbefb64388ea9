//! Billing rates: one per scope (installation, role, user, category, customer) and date.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use servdesk_domain::Role;
use servdesk_domain::billing::rates::{BillingRate, RateScope};
use servdesk_domain::errors::code;
use uuid::Uuid;

use crate::entities::billing_rates as row;
use crate::error::{StoreError, is_unique_violation};
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

/// What a rate is set for: the scope with its subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Installation,
    Role(Role),
    User(Uuid),
    Category(Uuid),
    Customer(Uuid),
}

impl Subject {
    pub fn scope(self) -> RateScope {
        match self {
            Subject::Installation => RateScope::Installation,
            Subject::Role(_) => RateScope::Role,
            Subject::User(_) => RateScope::User,
            Subject::Category(_) => RateScope::Category,
            Subject::Customer(_) => RateScope::Customer,
        }
    }

    /// The unique key of the scope: one rate per key and date.
    fn key(self) -> String {
        match self {
            Subject::Installation => "installation".to_owned(),
            Subject::Role(role) => format!("role:{role}"),
            Subject::User(id) => format!("user:{id}"),
            Subject::Category(id) => format!("category:{id}"),
            Subject::Customer(id) => format!("customer:{id}"),
        }
    }
}

#[derive(Default)]
pub struct RateFilter {
    pub scope: Option<RateScope>,
    pub customer_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
}

fn to_rate(m: row::Model) -> Result<BillingRate, StoreError> {
    let corrupt = |what: &str, text: &str| StoreError::corrupt("billing_rates", format!("{what} {text:?}"));
    Ok(BillingRate {
        scope: RateScope::parse(&m.scope).ok_or_else(|| corrupt("scope", &m.scope))?,
        role: match m.role.as_deref() {
            Some(r) => Some(Role::parse(r).ok_or_else(|| corrupt("role", r))?),
            None => None,
        },
        id: m.id,
        user_id: m.user_id,
        category_id: m.category_id,
        customer_id: m.customer_id,
        rate_minor: m.rate_minor,
        currency: m.currency,
        valid_from: m.valid_from,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

fn taken(err: sea_orm::DbErr) -> StoreError {
    if is_unique_violation(&err) {
        StoreError::conflict(code::RATE_EXISTS, "a rate for this scope already starts on this date; change that one")
    } else if crate::error::is_foreign_key_violation(&err) {
        StoreError::NotFound
    } else {
        err.into()
    }
}

pub async fn create(
    conn: &impl ConnectionTrait,
    subject: Subject,
    rate_minor: i64,
    currency: &str,
    valid_from: NaiveDate,
    now: DateTime<Utc>,
) -> Result<BillingRate, StoreError> {
    let (role, user_id, category_id, customer_id) = match subject {
        Subject::Installation => (None, None, None, None),
        Subject::Role(r) => (Some(r.as_str().to_owned()), None, None, None),
        Subject::User(id) => (None, Some(id), None, None),
        Subject::Category(id) => (None, None, Some(id), None),
        Subject::Customer(id) => (None, None, None, Some(id)),
    };
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        scope: Set(subject.scope().as_str().to_owned()),
        scope_key: Set(subject.key()),
        role: Set(role),
        user_id: Set(user_id),
        category_id: Set(category_id),
        customer_id: Set(customer_id),
        rate_minor: Set(rate_minor),
        currency: Set(currency.to_owned()),
        valid_from: Set(valid_from),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(conn)
    .await
    .map_err(taken)?;
    to_rate(model)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<BillingRate, StoreError> {
    row::Entity::find_by_id(id).one(conn).await?.map(to_rate).ok_or(StoreError::NotFound)?
}

/// Every rate, for pricing a run (a few hundred at most in a real installation).
pub async fn all(conn: &impl ConnectionTrait) -> Result<Vec<BillingRate>, StoreError> {
    row::Entity::find()
        .order_by_asc(row::Column::ValidFrom)
        .order_by_asc(row::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_rate)
        .collect()
}

pub async fn list(conn: &impl ConnectionTrait, filter: &RateFilter, req: PageRequest) -> Result<Page<BillingRate>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(v) = filter.scope {
        select = select.filter(row::Column::Scope.eq(v.as_str()));
    }
    if let Some(v) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(v));
    }
    if let Some(v) = filter.user_id {
        select = select.filter(row::Column::UserId.eq(v));
    }
    if let Some(v) = filter.category_id {
        select = select.filter(row::Column::CategoryId.eq(v));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_rate)
}

/// Changes a rate's amount, currency or start (its scope stays: a rate for another scope is
/// another rate).
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    rate_minor: Option<i64>,
    currency: Option<String>,
    valid_from: Option<NaiveDate>,
    now: DateTime<Utc>,
) -> Result<BillingRate, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = rate_minor {
        u = u.col_expr(row::Column::RateMinor, Expr::value(v));
    }
    if let Some(v) = currency {
        u = u.col_expr(row::Column::Currency, Expr::value(v));
    }
    if let Some(v) = valid_from {
        u = u.col_expr(row::Column::ValidFrom, Expr::value(v));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, taken).await?;
    get(conn, id).await
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}
