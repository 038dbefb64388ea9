//! Contacts: people at customers, found again by their email or any of their phones.

use chrono::{DateTime, Utc};
use sea_orm::TryIntoModel;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use servdesk_domain::Email;
use servdesk_domain::directory::{Contact, NotificationChannel};
use servdesk_domain::errors::code;
use servdesk_domain::phone::PhoneNumber;
use uuid::Uuid;

use super::{email, in_use};
use crate::entities::{contact_phones, contacts as row};
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::versioned::{self, Columns};

pub struct NewContact {
    pub customer_id: Uuid,
    pub name: String,
    pub email: Option<Email>,
    pub phones: Vec<PhoneNumber>,
    pub job_title: Option<String>,
    pub portal_access: bool,
    pub preferred_channel: NotificationChannel,
    pub language: Option<String>,
    pub notes: Option<String>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
}

#[derive(Default)]
pub struct ContactChanges {
    pub customer_id: Option<Uuid>,
    pub name: Option<String>,
    pub email: Option<Option<Email>>,
    /// Replaces the whole list.
    pub phones: Option<Vec<PhoneNumber>>,
    pub job_title: Option<Option<String>>,
    pub portal_access: Option<bool>,
    pub preferred_channel: Option<NotificationChannel>,
    pub language: Option<Option<String>>,
    pub notes: Option<Option<String>>,
    pub active: Option<bool>,
    pub external_ref: Option<Option<String>>,
}

#[derive(Default)]
pub struct ContactFilter {
    /// Name, email or job title contains it, or a phone starts with its digits.
    pub q: Option<String>,
    pub customer_id: Option<Uuid>,
    pub active: Option<bool>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
}

async fn phones_of(conn: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<(Uuid, PhoneNumber)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(contact_phones::Entity::find()
        .filter(contact_phones::Column::ContactId.is_in(ids.iter().copied()))
        .order_by_asc(contact_phones::Column::ContactId)
        .order_by_asc(contact_phones::Column::Position)
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.contact_id, PhoneNumber::from_e164(p.phone)))
        .collect())
}

async fn to_contacts(conn: &impl ConnectionTrait, rows: Vec<row::Model>) -> Result<Vec<Contact>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|m| m.id).collect();
    let phones = phones_of(conn, &ids).await?;
    rows.into_iter()
        .map(|m| {
            let own = phones.iter().filter(|(id, _)| *id == m.id).map(|(_, p)| p.clone()).collect();
            contact_of(m, own)
        })
        .collect()
}

fn contact_of(m: row::Model, phones: Vec<PhoneNumber>) -> Result<Contact, StoreError> {
    Ok(Contact {
        phones,
        email: email("contacts", m.email)?,
        preferred_channel: NotificationChannel::parse(&m.preferred_channel)
            .ok_or_else(|| StoreError::corrupt("contacts", format!("{}: channel {}", m.id, m.preferred_channel)))?,
        id: m.id,
        customer_id: m.customer_id,
        name: m.name,
        job_title: m.job_title,
        portal_access: m.portal_access,
        language: m.language,
        notes: m.notes,
        active: m.active,
        external_ref: m.external_ref,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// The phones as kept: each once, in the order given.
fn unique(phones: Vec<PhoneNumber>) -> Vec<PhoneNumber> {
    let mut unique: Vec<PhoneNumber> = Vec::with_capacity(phones.len());
    for phone in phones {
        if !unique.contains(&phone) {
            unique.push(phone);
        }
    }
    unique
}

/// Writes a contact's phones (already unique), one statement for all.
async fn insert_phones(conn: &impl ConnectionTrait, contact_id: Uuid, phones: &[PhoneNumber]) -> Result<(), StoreError> {
    if phones.is_empty() {
        return Ok(());
    }
    let rows = phones.iter().enumerate().map(|(position, phone)| contact_phones::ActiveModel {
        contact_id: Set(contact_id),
        phone: Set(phone.to_string()),
        position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
    });
    contact_phones::Entity::insert_many(rows).exec_without_returning(conn).await?;
    Ok(())
}

/// Creates a contact; answers it as written (a bulk import creates many: no read back).
pub async fn create(conn: &impl ConnectionTrait, new: NewContact, now: DateTime<Utc>) -> Result<Contact, StoreError> {
    let id = Uuid::now_v7();
    let phones = unique(new.phones);
    let model = row::ActiveModel {
        id: Set(id),
        customer_id: Set(new.customer_id),
        name: Set(new.name),
        email: Set(new.email.map(|e| e.to_string())),
        job_title: Set(new.job_title),
        portal_access: Set(new.portal_access),
        preferred_channel: Set(new.preferred_channel.as_str().to_owned()),
        language: Set(new.language),
        notes: Set(new.notes),
        active: Set(true),
        external_ref: Set(new.external_ref),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row::Entity::insert(model.clone()).exec_without_returning(conn).await?;
    insert_phones(conn, id, &phones).await?;
    contact_of(model.try_into_model().map_err(|e| StoreError::corrupt("contacts", e))?, phones)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Contact, StoreError> {
    let m = row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?;
    to_contacts(conn, vec![m]).await?.pop().ok_or(StoreError::NotFound)
}

pub async fn list(conn: &impl ConnectionTrait, filter: &ContactFilter, req: PageRequest) -> Result<Page<Contact>, StoreError> {
    let mut select = row::Entity::find();
    if let Some(r) = &filter.external_ref {
        select = select.filter(row::Column::ExternalRef.eq(r.clone()));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        use row::Column::*;
        let mut cond = versioned::contains_any(&[Name, Email, JobTitle], q);
        let digits: String = q.chars().filter(char::is_ascii_digit).collect();
        if digits.len() >= 3 {
            let by_phone = contact_phones::Entity::find()
                .select_only()
                .column(contact_phones::Column::ContactId)
                .filter(contact_phones::Column::Phone.contains(&digits))
                .into_query();
            cond = cond.add(Expr::col(Id).in_subquery(by_phone));
        }
        select = select.filter(cond);
    }
    if let Some(customer) = filter.customer_id {
        select = select.filter(row::Column::CustomerId.eq(customer));
    }
    if let Some(active) = filter.active {
        select = select.filter(row::Column::Active.eq(active));
    }
    let page = page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?;
    let items = to_contacts(conn, page.items).await?;
    Ok(Page { items, next: page.next })
}

/// Active contacts with this email or phone: what intake and the caller card match on.
pub async fn find_by_email_or_phone(
    conn: &impl ConnectionTrait,
    email: Option<&Email>,
    phone: Option<&PhoneNumber>,
) -> Result<Vec<Contact>, StoreError> {
    let mut cond = Condition::any();
    if let Some(e) = email {
        cond = cond.add(row::Column::Email.eq(e.as_str()));
    }
    if let Some(p) = phone {
        let by_phone = contact_phones::Entity::find()
            .select_only()
            .column(contact_phones::Column::ContactId)
            .filter(contact_phones::Column::Phone.eq(p.as_str()))
            .into_query();
        cond = cond.add(Expr::col(row::Column::Id).in_subquery(by_phone));
    }
    if email.is_none() && phone.is_none() {
        return Ok(Vec::new());
    }
    let rows = crate::page::all_limited(
        conn,
        row::Entity::find().filter(cond).filter(row::Column::Active.eq(true)).order_by_asc(row::Column::Id),
        20,
    )
    .await?;
    to_contacts(conn, rows).await
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: ContactChanges,
    now: DateTime<Utc>,
) -> Result<Contact, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.customer_id {
        u = u.col_expr(row::Column::CustomerId, Expr::value(v));
    }
    if let Some(v) = changes.name {
        u = u.col_expr(row::Column::Name, Expr::value(v));
    }
    if let Some(v) = changes.email {
        u = u.col_expr(row::Column::Email, Expr::value(v.map(|e| e.to_string())));
    }
    if let Some(v) = changes.job_title {
        u = u.col_expr(row::Column::JobTitle, Expr::value(v));
    }
    if let Some(v) = changes.portal_access {
        u = u.col_expr(row::Column::PortalAccess, Expr::value(v));
    }
    if let Some(v) = changes.preferred_channel {
        u = u.col_expr(row::Column::PreferredChannel, Expr::value(v.as_str()));
    }
    if let Some(v) = changes.language {
        u = u.col_expr(row::Column::Language, Expr::value(v));
    }
    if let Some(v) = changes.notes {
        u = u.col_expr(row::Column::Notes, Expr::value(v));
    }
    if let Some(v) = changes.active {
        u = u.col_expr(row::Column::Active, Expr::value(v));
    }
    // New phones are a change of the contact: its version moves with them (and only then
    // are they written again).
    let phones = changes.phones.map(unique).filter(|p| *p != current.phones);
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    let mut changed = versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    if let Some(phones) = phones {
        contact_phones::Entity::delete_many().filter(contact_phones::Column::ContactId.eq(id)).exec(conn).await?;
        insert_phones(conn, id, &phones).await?;
        if !changed {
            let bumped = row::Entity::update_many()
                .col_expr(row::Column::Version, Expr::value(current.version + 1))
                .col_expr(row::Column::UpdatedAt, Expr::value(now))
                .filter(row::Column::Id.eq(id))
                .filter(row::Column::Version.eq(current.version))
                .exec(conn)
                .await?;
            if bumped.rows_affected == 0 {
                return Err(StoreError::StaleVersion);
            }
            changed = true;
        }
    }
    if changed { get(conn, id).await } else { Ok(current) }
}

pub async fn delete(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    get(conn, id).await?;
    row::Entity::delete_by_id(id).exec(conn).await.map_err(in_use(code::CONTACT_IN_USE, "contact"))?;
    Ok(())
}
