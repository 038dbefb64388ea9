//! Tickets and their timeline.
//!
//! A ticket and its `created` event are written together, its number drawn from the `ticket`
//! sequence of the creation year in the same transaction. Events are only ever appended.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Alias, CommonTableExpression, Condition, Expr, Query, WithClause};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    SelectModel, Selector, TryIntoModel,
};
use servdesk_domain::numbering;
use servdesk_domain::tickets::{Channel, EventKind, Ticket, Warranty};
use servdesk_domain::timeline::{Created, TicketEvent};
pub use servdesk_domain::{Actor, Visibility};
use uuid::Uuid;

use crate::entities::{dictionary_entries, tasks, ticket_events, tickets as row};
use crate::error::StoreError;
use crate::page::{self, Cursor, Page, PageRequest};
use crate::sequences;
use crate::versioned::{self, Columns};

pub struct NewTicket {
    pub title: String,
    pub description: Option<String>,
    pub details: Option<String>,
    pub channel: Channel,
    pub call_id: Option<Uuid>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub equipment_id: Option<Uuid>,
    pub serial_number: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub status_id: Uuid,
    pub team_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub expected_close_on: Option<NaiveDate>,
    pub reported_at: DateTime<Utc>,
    pub warranty: Warranty,
    pub paid: bool,
    pub tags: Vec<String>,
    pub created_by: Option<Uuid>,
    /// A monitoring alarm's `dedup_key`: repeats land on this ticket while it is open.
    pub alarm_key: Option<String>,
}

/// A PATCH of a ticket's plain fields (status and assignment have their own actions).
#[derive(Default)]
pub struct TicketChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub details: Option<Option<String>>,
    pub customer_id: Option<Option<Uuid>>,
    pub location_id: Option<Option<Uuid>>,
    pub contact_id: Option<Option<Uuid>>,
    pub category_id: Option<Option<Uuid>>,
    pub type_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    pub expected_close_on: Option<Option<NaiveDate>>,
    pub warranty: Option<Warranty>,
    pub paid: Option<bool>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub actor: Actor,
    pub at: DateTime<Utc>,
    pub event: TicketEvent,
}

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
        } = self;
        status_ids.is_none()
            && [status_id, team_id, assignee_id, customer_id, contact_id, equipment_id, priority_id, category_id, type_id]
                .iter()
                .all(|v| v.is_none())
            && unassigned.is_none()
            && channel.is_none()
            && warranty.is_none()
            && [created_from, created_to, updated_from, updated_to].iter().all(|v| v.is_none())
    }
}

fn to_ticket(m: row::Model) -> Result<Ticket, StoreError> {
    let corrupt = |what: &str| StoreError::corrupt("tickets", format!("{}: {what}", m.id));
    Ok(Ticket {
        channel: Channel::parse(&m.channel).ok_or_else(|| corrupt("channel"))?,
        tags: serde_json::from_str(&m.tags).map_err(|_| corrupt("tags"))?,
        warranty: Warranty { flag: m.warranty, default: m.warranty_default, override_reason: m.warranty_override_reason },
        id: m.id,
        number: m.number,
        title: m.title,
        description: m.description,
        details: m.details,
        call_id: m.call_id,
        customer_id: m.customer_id,
        location_id: m.location_id,
        contact_id: m.contact_id,
        equipment_id: m.equipment_id,
        serial_number: m.serial_number,
        category_id: m.category_id,
        type_id: m.type_id,
        priority_id: m.priority_id,
        status_id: m.status_id,
        team_id: m.team_id,
        assignee_id: m.assignee_id,
        expected_close_on: m.expected_close_on,
        reported_at: m.reported_at,
        paid: m.paid,
        created_by: m.created_by,
        first_response_at: m.first_response_at,
        resolved_at: m.resolved_at,
        closed_at: m.closed_at,
        has_work: m.has_work,
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Selects every column in the order [`row::Positional`] reads them.
fn all_columns(select: Select<row::Entity>) -> Select<row::Entity> {
    select.select_only().columns(row::COLUMNS.iter().copied())
}

/// Tickets are read by position: the hot lists and lookups (see `positional`).
fn positional(select: Select<row::Entity>) -> Selector<SelectModel<row::Positional>> {
    all_columns(select).into_model()
}

/// At most `n` tickets of `select`, read by position.
async fn limited(conn: &impl ConnectionTrait, select: Select<row::Entity>, n: u64) -> Result<Vec<Ticket>, StoreError> {
    page::all_limited_as::<_, row::Positional>(conn, all_columns(select), n).await?.into_iter().map(|r| to_ticket(r.0)).collect()
}

fn tags_json(tags: &[String]) -> String {
    serde_json::to_string(tags).unwrap_or_else(|_| "[]".to_owned())
}

/// Creates the ticket with its number and its `created` event.
pub async fn create(
    conn: &impl ConnectionTrait,
    new: NewTicket,
    prefix: &str,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Ticket, StoreError> {
    let year = now.year();
    let id = Uuid::now_v7();
    let mut created = row::ActiveModel {
        id: Set(id),
        number: Set(String::new()),
        title: Set(new.title),
        description: Set(new.description),
        details: Set(new.details),
        channel: Set(new.channel.as_str().to_owned()),
        call_id: Set(new.call_id),
        customer_id: Set(new.customer_id),
        location_id: Set(new.location_id),
        contact_id: Set(new.contact_id),
        equipment_id: Set(new.equipment_id),
        serial_number: Set(new.serial_number),
        category_id: Set(new.category_id),
        type_id: Set(new.type_id),
        priority_id: Set(new.priority_id),
        status_id: Set(new.status_id),
        team_id: Set(new.team_id),
        assignee_id: Set(new.assignee_id),
        expected_close_on: Set(new.expected_close_on),
        reported_at: Set(new.reported_at),
        warranty: Set(new.warranty.flag),
        warranty_default: Set(new.warranty.default),
        warranty_override_reason: Set(new.warranty.override_reason),
        paid: Set(new.paid),
        tags: Set(tags_json(&new.tags)),
        created_by: Set(new.created_by),
        first_response_at: Set(None),
        resolved_at: Set(None),
        closed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        alarm_count: Set(i32::from(new.alarm_key.is_some())),
        alarm_last_seen_at: Set(new.alarm_key.as_ref().map(|_| now)),
        alarm_key: Set(new.alarm_key),
        alarm_resolved_at: Set(None),
        has_work: Set(false),
    };
    // Taking the number locks the year's counter row until the commit: every other create
    // waits. On PostgreSQL the number is taken by the one statement that writes the ticket, its
    // event and its search document, so the lock is held for that statement and the commit.
    if conn.get_database_backend() == DbBackend::Postgres {
        let number = numbered_insert(conn, &created, actor, prefix, year, now).await?;
        created.number = Set(number);
        return to_ticket(created.try_into_model()?);
    }
    let number = numbering::format(prefix, year, sequences::next(conn, "ticket", year).await?);
    created.number = Set(number.clone());
    let ticket = to_ticket(created.clone().try_into_model()?)?;
    row::Entity::insert(created).exec_without_returning(conn).await?;
    append_event(conn, id, actor, &TicketEvent::Created(Created { number: ticket.number.clone() }), now).await?;
    crate::search::store(conn, id, crate::search::document(&ticket, std::iter::empty())).await?;
    Ok(ticket)
}

/// PostgreSQL: increments the counter, inserts the ticket under the formatted number, its
/// `created` event and its search document — one statement. The number is formatted in SQL
/// as `numbering::format` does; the result is checked against it, so the two cannot drift.
async fn numbered_insert(
    conn: &impl ConnectionTrait,
    ticket: &row::ActiveModel,
    actor: Actor,
    prefix: &str,
    year: i32,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let (s, n, t) = (Alias::new("s"), Alias::new("n"), Alias::new("t"));
    let formatted = Expr::cust_with_values(
        "$1 || '-' || $2 || '-' || CASE WHEN last_value < 1000000 THEN lpad(last_value::text, 6, '0') ELSE last_value::text END",
        [prefix.to_owned(), year.to_string()],
    );
    let numbered = Query::select().column(Alias::new("last_value")).expr_as(formatted, Alias::new("number")).from(s.clone()).to_owned();
    let mut columns = Vec::new();
    let mut values = Query::select();
    for column in <row::Column as sea_orm::Iterable>::iter() {
        columns.push(column);
        match column {
            row::Column::Number => values.column((n.clone(), Alias::new("number"))),
            other => values.expr(Expr::val(ticket.get(other).into_value().unwrap_or(sea_orm::Value::String(None)))),
        };
    }
    values.from(n.clone());
    let mut insert_ticket = Query::insert();
    insert_ticket.into_table(row::Entity).columns(columns).select_from(values).map_err(custom)?;
    insert_ticket.returning(Query::returning().columns([row::Column::Id, row::Column::Number]));
    let mut insert_event = Query::insert();
    insert_event
        .into_table(ticket_events::Entity)
        .columns([
            ticket_events::Column::Id,
            ticket_events::Column::TicketId,
            ticket_events::Column::Kind,
            ticket_events::Column::ActorUserId,
            ticket_events::Column::ActorApiKeyId,
            ticket_events::Column::At,
            ticket_events::Column::Data,
        ])
        .select_from(
            Query::select()
                .expr(Expr::val(Uuid::now_v7()))
                .column((t.clone(), row::Column::Id))
                .expr(Expr::val(EventKind::Created.as_str()))
                .expr(Expr::val(actor.user_id))
                .expr(Expr::val(actor.api_key_id))
                .expr(Expr::val(now))
                .expr(Expr::cust("json_build_object('number', t.number)::text"))
                .from(t.clone())
                .to_owned(),
        )
        .map_err(custom)?;
    // The document is the number followed by the rest (see `search::document`).
    let draft = to_ticket(ticket.clone().try_into_model()?)?;
    let rest = crate::search::document(&draft, std::iter::empty());
    let insert_document = crate::search::insert_from(
        Query::select()
            .column((t.clone(), row::Column::Id))
            .expr(Expr::cust_with_values("t.number || $1", [rest]))
            .from(t.clone())
            .to_owned(),
    )?;
    let cte = |name: &Alias, query: sea_orm::sea_query::SubQueryStatement| {
        CommonTableExpression::new().query(query).table_name(name.clone()).to_owned()
    };
    let statement = WithClause::new()
        .cte(cte(&s, sequences::increment("ticket", year).into()))
        .cte(cte(&n, numbered.into()))
        .cte(cte(&t, insert_ticket.into()))
        .cte(cte(&Alias::new("e"), insert_event.into()))
        .cte(cte(&Alias::new("d"), insert_document.into()))
        .to_owned()
        .query(Query::select().column(Alias::new("last_value")).column(Alias::new("number")).from(n).to_owned());
    for _ in 0..2 {
        if let Some(row) = conn.query_one(&statement).await? {
            let last: i64 = row.try_get("", "last_value")?;
            let number: String = row.try_get("", "number")?;
            if number != numbering::format(prefix, year, last) {
                return Err(custom(format!("ticket number {number} does not match the numbering rule for {last}")));
            }
            return Ok(number);
        }
        // No counter row for the year yet: nothing was written; create it and go again.
        sequences::ensure(conn, "ticket", year).await?;
    }
    Err(sequences::missing("ticket", year))
}

fn custom(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Ticket, StoreError> {
    to_ticket(positional(row::Entity::find_by_id(id)).one(conn).await?.ok_or(StoreError::NotFound)?.0)
}

/// The ticket with this number (`T-2026-000042`), if any.
pub async fn by_number(conn: &impl ConnectionTrait, number: &str) -> Result<Option<Ticket>, StoreError> {
    positional(row::Entity::find().filter(row::Column::Number.eq(number))).one(conn).await?.map(|r| to_ticket(r.0)).transpose()
}

fn visible(visibility: &Visibility) -> Option<Condition> {
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
        Visibility::Nothing => None,
    }
}

/// The ids of statuses of class closed or cancelled: what "not open any more" means.
fn closed_statuses() -> sea_orm::sea_query::SelectStatement {
    sea_orm::QueryTrait::into_query(
        dictionary_entries::Entity::find()
            .select_only()
            .column(dictionary_entries::Column::Id)
            .filter(dictionary_entries::Column::Class.is_in(["closed", "cancelled"])),
    )
}

/// The ticket if the caller may see it; otherwise not found (hidden is 404).
pub async fn get_visible(conn: &impl ConnectionTrait, id: Uuid, visibility: &Visibility) -> Result<Ticket, StoreError> {
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
    let fetch = |select: Select<row::Entity>| async move {
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

pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: TicketChanges,
    now: DateTime<Utc>,
) -> Result<Ticket, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let mut u = row::Entity::update_many();
    macro_rules! set {
        ($field:ident, $col:ident) => {
            if let Some(v) = changes.$field {
                u = u.col_expr(row::Column::$col, Expr::value(v));
            }
        };
    }
    set!(title, Title);
    set!(description, Description);
    set!(details, Details);
    set!(customer_id, CustomerId);
    set!(location_id, LocationId);
    set!(contact_id, ContactId);
    set!(category_id, CategoryId);
    set!(type_id, TypeId);
    set!(priority_id, PriorityId);
    set!(expected_close_on, ExpectedCloseOn);
    set!(paid, Paid);
    if let Some(w) = changes.warranty {
        u = u
            .col_expr(row::Column::Warranty, Expr::value(w.flag))
            .col_expr(row::Column::WarrantyDefault, Expr::value(w.default))
            .col_expr(row::Column::WarrantyOverrideReason, Expr::value(w.override_reason));
    }
    if let Some(tags) = changes.tags {
        u = u.col_expr(row::Column::Tags, Expr::value(tags_json(&tags)));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    crate::search::refresh(conn, id).await?;
    get(conn, id).await
}

/// Notes that the ticket now has tasks, checklist lines or time (see [`Ticket::has_work`]).
pub async fn mark_has_work(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::HasWork, Expr::value(true))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::HasWork.eq(false))
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds `event` to the ticket's timeline (in the caller's transaction, with the change).
pub async fn append_event(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    actor: Actor,
    event: &TicketEvent,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    ticket_events::Entity::insert(event_row(ticket_id, actor, event, now)).exec_without_returning(conn).await?;
    Ok(())
}

fn event_row(ticket_id: Uuid, actor: Actor, event: &TicketEvent, now: DateTime<Utc>) -> ticket_events::ActiveModel {
    ticket_events::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        kind: Set(event.kind().as_str().to_owned()),
        actor_user_id: Set(actor.user_id),
        actor_api_key_id: Set(actor.api_key_id),
        at: Set(now),
        data: Set(event.data().to_string()),
    }
}

/// The timeline, oldest first, paged by event id.
pub async fn events(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
    after: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<Event>, Option<Uuid>), StoreError> {
    let mut select = ticket_events::Entity::find().filter(ticket_events::Column::TicketId.eq(ticket_id));
    if let Some(after) = after {
        select = select.filter(ticket_events::Column::Id.gt(after));
    }
    let (rows, next) =
        crate::page::split_page(page::all_limited(conn, select.order_by_asc(ticket_events::Column::Id), limit + 1).await?, limit, |e| e.id);
    let events = rows
        .into_iter()
        .map(|e| {
            let data = serde_json::from_str(&e.data).unwrap_or(serde_json::Value::Null);
            let event = TicketEvent::read(&e.kind, data).map_err(|err| StoreError::corrupt("ticket_events", format!("{}: {err}", e.id)))?;
            Ok(Event {
                id: e.id,
                ticket_id: e.ticket_id,
                actor: Actor { user_id: e.actor_user_id, api_key_id: e.actor_api_key_id },
                at: e.at,
                event,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok((events, next))
}

/// Moves the ticket to `status_id` with the stamps the domain computed.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    expected: Option<i64>,
    status_id: Uuid,
    stamps: servdesk_domain::tickets::Stamps,
    now: DateTime<Utc>,
) -> Result<Ticket, StoreError> {
    versioned::expect(expected, ticket.version)?;
    let u = row::Entity::update_many()
        .col_expr(row::Column::StatusId, Expr::value(status_id))
        .col_expr(row::Column::FirstResponseAt, Expr::value(stamps.first_response_at))
        .col_expr(row::Column::ResolvedAt, Expr::value(stamps.resolved_at))
        .col_expr(row::Column::ClosedAt, Expr::value(stamps.closed_at));
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, ticket.id, ticket.version, now, StoreError::from).await?;
    get(conn, ticket.id).await
}

/// Puts the ticket in `team_id`'s queue and/or on `assignee_id`'s desk.
pub async fn set_assignment(
    conn: &impl ConnectionTrait,
    ticket: &Ticket,
    expected: Option<i64>,
    team_id: Option<Uuid>,
    assignee_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Ticket, StoreError> {
    versioned::expect(expected, ticket.version)?;
    let u = row::Entity::update_many()
        .col_expr(row::Column::TeamId, Expr::value(team_id))
        .col_expr(row::Column::AssigneeId, Expr::value(assignee_id));
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, ticket.id, ticket.version, now, StoreError::from).await?;
    get(conn, ticket.id).await
}

/// Stamps the first response if there was none (a public reply answers the customer).
pub async fn stamp_first_response(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::FirstResponseAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(ticket_id))
        .filter(row::Column::FirstResponseAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// The open ticket (status not of class closed or cancelled) of a monitoring alarm.
pub async fn open_by_alarm_key(conn: &impl ConnectionTrait, key: &str) -> Result<Option<Ticket>, StoreError> {
    let found = row::Entity::find()
        .filter(row::Column::AlarmKey.eq(key))
        .filter(row::Column::StatusId.not_in_subquery(closed_statuses()))
        .order_by_desc(row::Column::Id)
        .one(conn)
        .await?;
    found.map(to_ticket).transpose()
}

/// Counts one more trigger of the ticket's alarm; returns the new count.
pub async fn repeat_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<i64, StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::AlarmCount, Expr::col(row::Column::AlarmCount).add(1))
        .col_expr(row::Column::AlarmLastSeenAt, Expr::value(now))
        .col_expr(row::Column::AlarmResolvedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok(i64::from(m.alarm_count))
}

/// Records that the alarm cleared.
pub async fn resolve_alarm(conn: &impl ConnectionTrait, ticket_id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::AlarmResolvedAt, Expr::value(now))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(ticket_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// The alarm state of a ticket: `(key, count, last seen, resolved at)`.
pub async fn alarm(
    conn: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<(Option<String>, i64, Option<DateTime<Utc>>, Option<DateTime<Utc>>), StoreError> {
    let m = row::Entity::find_by_id(ticket_id).one(conn).await?.ok_or(StoreError::NotFound)?;
    Ok((m.alarm_key, i64::from(m.alarm_count), m.alarm_last_seen_at, m.alarm_resolved_at))
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
