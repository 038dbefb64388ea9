//! Reading tickets: one by id as the caller may see it, filtered lists with keyset paging,
//! a contact's open tickets, and the candidates for "similar tickets".

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use servdesk_domain::tickets::{Channel, Ticket};
use uuid::Uuid;

use super::*;
use crate::entities::{dictionary_entries, tasks, tickets as row};
use crate::error::StoreError;
use crate::page::{self, Cursor, Page, PageRequest};

#[derive(Debug, Default, Clone)]
pub struct TicketFilter {
    /// Full text: every term in the number, title, description, details, serial or comments;
    /// or exactly the ticket number.
    pub q: Option<String>,
    /// The statuses of a class (`status_class`), resolved by the caller from the dictionary:
    /// a list of ids lets the planner use the status column's statistics, which a subquery
    /// on the dictionary hides (it then guessed 1 in 31 tickets and sorted whole customers).
    pub status_ids: Option<Vec<Uuid>>,
    pub status_id: Option<Uuid>,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub unassigned: Option<bool>,
    pub customer_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub priority_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub channel: Option<Channel>,
    pub warranty: Option<bool>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub updated_from: Option<DateTime<Utc>>,
    pub updated_to: Option<DateTime<Utc>>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
    /// Custom field values each record must have (`cf.<key>=<value>`).
    pub custom: Vec<crate::custom_fields::ValueFilter>,
    /// Where the ticket stands against its SLA at the instant given.
    pub sla: Option<(servdesk_domain::sla::SlaState, DateTime<Utc>)>,
}

impl TicketFilter {
    /// Whether `q` is the only criterion (every field named, so a new one must be decided here).
    fn is_words_alone(&self) -> bool {
        let TicketFilter {
            q: _,
            status_ids,
            status_id,
            team_id,
            assignee_id,
            unassigned,
            customer_id,
            contact_id,
            equipment_id,
            priority_id,
            category_id,
            type_id,
            channel,
            warranty,
            created_from,
            created_to,
            updated_from,
            updated_to,
            external_ref,
            custom,
            sla,
        } = self;
        status_ids.is_none()
            && [status_id, team_id, assignee_id, customer_id, contact_id, equipment_id, priority_id, category_id, type_id]
                .iter()
                .all(|v| v.is_none())
            && unassigned.is_none()
            && channel.is_none()
            && warranty.is_none()
            && external_ref.is_none()
            && custom.is_empty()
            && sla.is_none()
            && [created_from, created_to, updated_from, updated_to].iter().all(|v| v.is_none())
    }
}

pub(super) fn visible(visibility: &Visibility) -> Option<Condition> {
    match visibility {
        Visibility::All => Some(Condition::all()),
        Visibility::Agent { user_id, team_ids } => Some(
            Condition::any()
                .add(row::Column::TeamId.is_in(team_ids.iter().copied()))
                .add(row::Column::AssigneeId.eq(*user_id))
                .add(row::Column::CreatedBy.eq(*user_id)),
        ),
        Visibility::Assigned { user_id } => Some(Condition::any().add(row::Column::AssigneeId.eq(*user_id)).add(
            row::Column::Id.in_subquery(sea_orm::QueryTrait::into_query(
                tasks::Entity::find().select_only().column(tasks::Column::TicketId).filter(tasks::Column::AssigneeId.eq(*user_id)),
            )),
        )),
        Visibility::Requester { contact_id } => Some(Condition::all().add(row::Column::ContactId.eq(*contact_id))),
        Visibility::Company { customer_id } => Some(Condition::all().add(row::Column::CustomerId.eq(*customer_id))),
        Visibility::Nothing => None,
    }
}

/// The ids of the tickets `visibility` lets a caller see (`None`: none at all), for records
/// that are seen through their ticket.
pub fn visible_ids(visibility: &Visibility) -> Option<sea_orm::sea_query::SelectStatement> {
    let condition = visible(visibility)?;
    Some(sea_orm::QueryTrait::into_query(row::Entity::find().select_only().column(row::Column::Id).filter(condition)))
}

/// The ids of statuses of class closed or cancelled: what "not open any more" means.
pub(super) fn closed_statuses() -> sea_orm::sea_query::SelectStatement {
    sea_orm::QueryTrait::into_query(
        dictionary_entries::Entity::find()
            .select_only()
            .column(dictionary_entries::Column::Id)
            .filter(dictionary_entries::Column::Class.is_in(["closed", "cancelled"])),
    )
}

/// The ticket if the caller may see it; otherwise not found (hidden is 404).
pub async fn get_visible(conn: &impl ConnectionTrait, id: Uuid, visibility: &Visibility) -> Result<Ticket, StoreError> {
    if *visibility == Visibility::All {
        return super::get(conn, id).await;
    }
    let cond = visible(visibility).ok_or(StoreError::NotFound)?;
    to_ticket(positional(row::Entity::find_by_id(id).filter(cond)).one(conn).await?.ok_or(StoreError::NotFound)?.0)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    filter: &TicketFilter,
    visibility: &Visibility,
    req: PageRequest,
) -> Result<Page<Ticket>, StoreError> {
    let Some(cond) = visible(visibility) else {
        return Ok(Page { items: Vec::new(), next: None });
    };
    let mut select = row::Entity::find().filter(cond);
    if let Some(r) = &filter.external_ref {
        select = select.filter(row::Column::ExternalRef.eq(r.clone()));
    }
    for f in &filter.custom {
        select = select.filter(crate::custom_fields::condition(conn.get_database_backend(), "tickets", f));
    }
    let fetch = |select: Select<row::Entity>| async move {
        if req.sort == page::Sort::Due {
            return page::fetch_by_due_as(conn, all_columns(select), row::Column::Id, row::Column::SlaDueAt, req, |r: &row::Positional| {
                (r.0.sla_due_at, r.0.id)
            })
            .await?
            .try_map(|r| to_ticket(r.0));
        }
        page::fetch_as(conn, all_columns(select), row::Column::Id, row::Column::UpdatedAt, req, |r: &row::Positional| {
            (r.0.updated_at, r.0.id)
        })
        .await?
        .try_map(|r| to_ticket(r.0))
    };
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        // A ticket number is looked up as such (a unique index); anything else as words.
        let looks_like_number = q.len() <= 32 && q.contains('-') && q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        // Words alone, seen by someone who sees everything, in creation order (what a desk's
        // search box asks most): the page is the first matches in id order, read from the
        // search's postings without reading a ticket that is not shown.
        let words_alone = conn.get_database_backend() == DbBackend::Postgres
            && !looks_like_number
            && matches!(visibility, Visibility::All)
            && filter.is_words_alone()
            && !req.sort.by_change()
            && req.sort != page::Sort::Due
            && req.updated_since.is_none();
        if words_alone {
            let after = match req.after.filter(|c| req.sort.continues(*c)) {
                Some(Cursor::Id(id) | Cursor::IdDesc(id)) => Some(id),
                _ => None,
            };
            if let Some(words) = crate::search::Words::plan(conn, q, req.sort.descending()).await? {
                let page = fetch(select.clone().filter(words.in_first_chunk(after, req.limit + 1))).await?;
                if page.next.is_some() {
                    return Ok(page);
                }
                let ids = words.first_matches(conn, after, req.limit + 1).await?;
                return fetch(select.filter(row::Column::Id.is_in(ids))).await;
            }
        }
        let by_number = row::Column::Number.eq(q.to_uppercase());
        select = select.filter(match crate::search::matching(conn.get_database_backend(), q) {
            Some(text) if looks_like_number => Condition::any().add(by_number).add(text),
            Some(text) => Condition::all().add(text),
            None => Condition::all().add(by_number),
        });
    }
    if let Some(ids) = &filter.status_ids {
        select = select.filter(row::Column::StatusId.is_in(ids.iter().copied()));
    }
    let eq = |select: sea_orm::Select<row::Entity>, col: row::Column, v: Option<Uuid>| match v {
        Some(v) => select.filter(col.eq(v)),
        None => select,
    };
    select = eq(select, row::Column::StatusId, filter.status_id);
    select = eq(select, row::Column::TeamId, filter.team_id);
    select = eq(select, row::Column::AssigneeId, filter.assignee_id);
    select = eq(select, row::Column::CustomerId, filter.customer_id);
    select = eq(select, row::Column::ContactId, filter.contact_id);
    select = eq(select, row::Column::EquipmentId, filter.equipment_id);
    select = eq(select, row::Column::PriorityId, filter.priority_id);
    select = eq(select, row::Column::CategoryId, filter.category_id);
    select = eq(select, row::Column::TypeId, filter.type_id);
    if let Some(unassigned) = filter.unassigned {
        select = select.filter(if unassigned { row::Column::AssigneeId.is_null() } else { row::Column::AssigneeId.is_not_null() });
    }
    if let Some(channel) = filter.channel {
        select = select.filter(row::Column::Channel.eq(channel.as_str()));
    }
    if let Some(warranty) = filter.warranty {
        select = select.filter(row::Column::Warranty.eq(warranty));
    }
    if let Some((state, now)) = filter.sla {
        use servdesk_domain::sla::SlaState;
        let breached = Condition::any().add(row::Column::SlaBreached.eq(true)).add(row::Column::SlaDueAt.lte(now));
        let at_risk = row::Column::SlaWarnAt.lte(now);
        let with_policy = row::Column::SlaPolicyId.is_not_null();
        select = select.filter(match state {
            SlaState::Breached => Condition::all().add(with_policy).add(breached),
            SlaState::AtRisk => Condition::all().add(with_policy).add(breached.not()).add(at_risk),
            SlaState::Ok => Condition::all()
                .add(with_policy)
                .add(row::Column::SlaBreached.eq(false))
                .add(Condition::any().add(row::Column::SlaDueAt.is_null()).add(row::Column::SlaDueAt.gt(now)))
                .add(Condition::any().add(row::Column::SlaWarnAt.is_null()).add(row::Column::SlaWarnAt.gt(now))),
        });
    }
    if let Some(from) = filter.created_from {
        select = select.filter(row::Column::CreatedAt.gte(from));
    }
    if let Some(to) = filter.created_to {
        select = select.filter(row::Column::CreatedAt.lt(to));
    }
    if let Some(from) = filter.updated_from {
        select = select.filter(row::Column::UpdatedAt.gte(from));
    }
    if let Some(to) = filter.updated_to {
        select = select.filter(row::Column::UpdatedAt.lt(to));
    }
    fetch(select).await
}

/// Open tickets (status not of class closed or cancelled) of these contacts or customers,
/// newest first, that the caller may see: the caller card's list.
pub async fn open_for(
    conn: &impl ConnectionTrait,
    contact_ids: &[Uuid],
    customer_ids: &[Uuid],
    visibility: &Visibility,
    limit: u64,
) -> Result<Vec<Ticket>, StoreError> {
    let Some(visible) = visible(visibility) else { return Ok(Vec::new()) };
    if contact_ids.is_empty() && customer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let whose = Condition::any()
        .add(row::Column::ContactId.is_in(contact_ids.iter().copied()))
        .add(row::Column::CustomerId.is_in(customer_ids.iter().copied()));
    let select = row::Entity::find()
        .filter(visible)
        .filter(whose)
        .filter(row::Column::StatusId.not_in_subquery(closed_statuses()))
        .order_by_desc(row::Column::Id);
    limited(conn, select, limit).await
}

/// Closed (or cancelled) tickets other than `ticket` that share a word of its text, its
/// equipment or its customer: the candidates the caller ranks. At most `limit`, newest first.
pub async fn similar_candidates(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    terms: &[String],
    visibility: &Visibility,
    limit: u64,
) -> Result<Vec<Ticket>, StoreError> {
    let Some(visible) = visible(visibility) else { return Ok(Vec::new()) };
    let mut related = Condition::any();
    if let Some(text) = crate::search::matching_any(conn.get_database_backend(), terms) {
        related = related.add(text);
    }
    if let Some(equipment) = ticket.equipment_id {
        related = related.add(row::Column::EquipmentId.eq(equipment));
    }
    if let Some(customer) = ticket.customer_id {
        related = related.add(row::Column::CustomerId.eq(customer));
    }
    if related.is_empty() {
        return Ok(Vec::new());
    }
    let select = row::Entity::find()
        .filter(visible)
        .filter(related)
        .filter(row::Column::Id.ne(ticket.id))
        .filter(row::Column::StatusId.in_subquery(closed_statuses()))
        .order_by_desc(row::Column::Id);
    limited(conn, select, limit).await
}

/// The equipment of each of `ticket_ids` (tickets without equipment are absent).
pub async fn equipment_of(conn: &impl ConnectionTrait, ticket_ids: &[Uuid]) -> Result<std::collections::HashMap<Uuid, Uuid>, StoreError> {
    if ticket_ids.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, Option<Uuid>)> = row::Entity::find()
        .select_only()
        .column(row::Column::Id)
        .column(row::Column::EquipmentId)
        .filter(row::Column::Id.is_in(ticket_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(t, e)| Some((t, e?))).collect())
}
