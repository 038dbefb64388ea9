//! Tickets and their timeline.
//!
//! A ticket and its `created` event are written together, its number drawn from the `ticket`
//! sequence of the creation year in the same transaction. Events are only ever appended.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::ExprTrait;
use sea_orm::sea_query::{Alias, CommonTableExpression, Expr, Query, WithClause};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QuerySelect, Select, SelectModel,
    Selector, Statement, TryIntoModel,
};
use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::numbering::{self, Scheme};
use servdesk_domain::tickets::{Channel, EventKind, Ticket, Warranty};
use servdesk_domain::timeline::{Created, TicketEvent};
use uuid::Uuid;

use crate::entities::{ticket_events, tickets as row};
use crate::error::StoreError;
use crate::page::{self};
use crate::sequences;
use crate::versioned::{self, Columns};

pub use servdesk_domain::{Actor, Visibility};

mod alarms;
mod listing;
pub mod measures;
pub mod sla;
mod timeline;

pub use alarms::*;
pub use listing::*;
pub use timeline::*;

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
    /// The class of `status_id` (a ticket opens in a status of class `new`).
    pub status_class: StatusClass,
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
    /// The contract covering its work.
    pub contract_id: Option<Uuid>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    /// Custom field values, checked against their definitions.
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
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
    pub contract_id: Option<Option<Uuid>>,
    pub external_ref: Option<Option<String>>,
    /// All the custom field values after the change.
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
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
        contract_id: m.contract_id,
        external_ref: m.external_ref,
        custom_fields: crate::json_object(&m.custom_fields),
        sla: servdesk_domain::sla::Standing {
            policy_id: m.sla_policy_id,
            due_at: m.sla_due_at,
            warn_at: m.sla_warn_at,
            breached: m.sla_breached,
            paused_since: m.sla_paused_since,
        },
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Selects every column in the order [`row::Positional`] reads them.
fn all_columns(select: Select<row::Entity>) -> Select<row::Entity> {
    select.select_only().expr(Expr::cust(column_list()))
}

/// The quoted column list of [`all_columns`], written once: sea-query builds 37 column
/// expressions (and clones them) on every select otherwise, a tenth of a ticket read's CPU.
/// Both databases quote identifiers alike (a test checks).
fn column_list() -> &'static str {
    static LIST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    LIST.get_or_init(|| column_list_of(DbBackend::Postgres))
}

fn column_list_of(backend: DbBackend) -> String {
    let select = row::Entity::find().select_only().columns(row::COLUMNS.iter().copied());
    let sql = sea_orm::QueryTrait::build(&select, backend).sql;
    sql.strip_prefix("SELECT ").and_then(|rest| rest.split_once(" FROM ")).map(|(list, _)| list.to_owned()).unwrap_or_default()
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
    scheme: Scheme,
    actor: Actor,
    now: DateTime<Utc>,
) -> Result<Ticket, StoreError> {
    let year = now.year();
    let id = Uuid::now_v7();
    let class = new.status_class;
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
        external_ref: Set(new.external_ref),
        custom_fields: Set(serde_json::Value::Object(new.custom_fields).to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        alarm_count: Set(i32::from(new.alarm_key.is_some())),
        alarm_last_seen_at: Set(new.alarm_key.as_ref().map(|_| now)),
        alarm_key: Set(new.alarm_key),
        alarm_resolved_at: Set(None),
        has_work: Set(false),
        contract_id: Set(new.contract_id),
        sla_policy_id: Set(None),
        sla_due_at: Set(None),
        sla_warn_at: Set(None),
        sla_breached: Set(false),
        sla_paused_since: Set(None),
        sla_pauses: Set("[]".to_owned()),
        sla_awaiting_since: Set(None),
        sla_told: Set(String::new()),
        sla_watch_at: Set(None),
    };
    // The number, the ticket, its `created` event and its search document. On PostgreSQL one
    // statement draws the number and writes all three (and, see `numbered_insert`, its webhook
    // event and first measures): under the gapless scheme the year's counter row stays locked
    // from that statement to the commit (every other create waits), under the increasing one
    // nothing is held (see `sequences`).
    let (number, folded) = if conn.get_database_backend() == DbBackend::Postgres {
        numbered_insert(conn, &created, class, actor, prefix, scheme, year, now).await?
    } else {
        let number = numbering::format(prefix, year, sequences::draw(conn, scheme, "ticket", year).await?);
        created.number = Set(number.clone());
        let draft = to_ticket(created.clone().try_into_model()?)?;
        row::Entity::insert(created.clone()).exec_without_returning(conn).await?;
        let event = TicketEvent::Created(Created { number: number.clone() });
        ticket_events::Entity::insert(timeline::event_row(id, actor, &event, now)).exec_without_returning(conn).await?;
        crate::search::store(conn, id, crate::search::document(&draft, std::iter::empty())).await?;
        (number, Folded::default())
    };
    // The event was written without `append_event`: it is told to webhooks and moves the SLA
    // clocks here, from the row as written (nothing is read back).
    let event = TicketEvent::Created(Created { number: number.clone() });
    match folded.told {
        Some(0) => {}
        Some(_) => crate::webhooks::wake(conn, now).await?,
        None => crate::webhooks::tell(conn, &servdesk_domain::webhooks::events_for(id, &event), now).await?,
    }
    created.number = Set(number);
    let model = created.try_into_model()?;
    let standing = if folded.measured { None } else { sla::opened(conn, &model, class, actor, &event, now).await? };
    let mut ticket = to_ticket(model)?;
    if let Some(standing) = standing {
        ticket.sla = standing;
    }
    Ok(ticket)
}

/// What the statement that wrote a new ticket also did.
#[derive(Default)]
struct Folded {
    /// How many webhook events it wrote (`None`: it did not try).
    told: Option<u64>,
    /// It wrote the ticket's first measures: no SLA policy exists, so there is nothing else
    /// for the SLA step to do.
    measured: bool,
}

/// PostgreSQL: draws the number, inserts the ticket under the formatted number, its
/// `created` event, its search document, its webhook events (while a subscription is
/// active) and, while no SLA policy exists, its first measures — one statement, one round
/// trip. The number is formatted in SQL as `numbering::format` does; the result is checked
/// against it, so the two cannot drift. What the statement read about subscriptions and
/// policies is what a separate statement would have read in the same transaction.
#[allow(clippy::too_many_arguments)]
async fn numbered_insert(
    conn: &impl ConnectionTrait,
    ticket: &row::ActiveModel,
    class: StatusClass,
    actor: Actor,
    prefix: &str,
    scheme: Scheme,
    year: i32,
    now: DateTime<Utc>,
) -> Result<(String, Folded), StoreError> {
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
            other => values.expr(crate::insert_select::value(ticket, other)),
        };
    }
    values.from(n.clone());
    let mut insert_ticket = crate::insert_select::insert(row::Entity, columns, values)?;
    insert_ticket.returning(Query::returning().columns([row::Column::Id, row::Column::Number]));
    let insert_event = crate::insert_select::insert(
        ticket_events::Entity,
        [
            ticket_events::Column::Id,
            ticket_events::Column::TicketId,
            ticket_events::Column::Kind,
            ticket_events::Column::ActorUserId,
            ticket_events::Column::ActorApiKeyId,
            ticket_events::Column::At,
            ticket_events::Column::Data,
        ],
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
    )?;
    // The document is the number followed by the rest (see `search::document`).
    let model = ticket.clone().try_into_model()?;
    let draft = to_ticket(model.clone())?;
    let rest = crate::search::document(&draft, std::iter::empty());
    let insert_document = crate::search::insert_from(
        Query::select()
            .column((t.clone(), row::Column::Id))
            .expr(Expr::cust_with_values("t.number || $1", [rest]))
            .from(t.clone())
            .to_owned(),
    )?;
    let mut told = crate::webhooks::when_subscribed(&servdesk_domain::webhooks::ticket_created(draft.id), now);
    told.from(t.clone());
    let mut insert_told = crate::webhooks::insert_when_subscribed(told)?;
    insert_told.returning(Query::returning().column(Alias::new("id")));
    let mut no_policy = Query::select();
    no_policy.expr(Expr::val(1)).from(crate::entities::sla_policies::Entity);
    let measures = sla::opened_without_policies(&model, class, actor, now);
    let mut insert_measures = measures::insert_first(draft.id, &measures, |exprs| {
        Query::select().exprs(exprs).from(t.clone()).and_where(Expr::exists(no_policy).not()).to_owned()
    })?;
    insert_measures.returning(Query::returning().column(Alias::new("ticket_id")));

    let cte =
        |name: Alias, query: sea_orm::sea_query::SubQueryStatement| CommonTableExpression::new().query(query).table_name(name).to_owned();
    let mut with = WithClause::new();
    with.cte(cte(s, sequences::drawn(DbBackend::Postgres, scheme, "ticket", year)))
        .cte(cte(n.clone(), numbered.into()))
        .cte(cte(t.clone(), insert_ticket.into()))
        .cte(cte(Alias::new("e"), insert_event.into()))
        .cte(cte(Alias::new("d"), insert_document.into()))
        .cte(cte(Alias::new("m"), insert_measures.into()))
        .cte(cte(Alias::new("w"), insert_told.into()));
    let statement = with.query(
        Query::select()
            .column(Alias::new("last_value"))
            .column(Alias::new("number"))
            .expr_as(Expr::cust("(SELECT count(*) FROM w)"), Alias::new("told"))
            .expr_as(Expr::cust("EXISTS (SELECT 1 FROM m)"), Alias::new("measured"))
            .from(n)
            .to_owned(),
    );
    for _ in 0..2 {
        if let Some(row) = conn.query_one(&statement).await? {
            let last: i64 = row.try_get("", "last_value")?;
            let number: String = row.try_get("", "number")?;
            if number != numbering::format(prefix, year, last) {
                return Err(custom(format!("ticket number {number} does not match the numbering rule for {last}")));
            }
            let told: i64 = row.try_get("", "told")?;
            let measured: bool = row.try_get("", "measured")?;
            return Ok((number, Folded { told: Some(u64::try_from(told).unwrap_or(0)), measured }));
        }
        // No counter row for the year yet (gapless): nothing was written; create it and go again.
        sequences::ensure(conn, "ticket", year).await?;
    }
    Err(sequences::missing("ticket", year))
}

fn custom(e: impl std::fmt::Display) -> StoreError {
    StoreError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

/// Locks the ticket's row until the transaction ends, so use cases that decide from the
/// ticket and its tasks together (completing the last open task, adding a task, closing)
/// run one after the other on the same ticket. On SQLite writes are already serialised by
/// its single connection; there this does nothing. A missing ticket is not an error here:
/// the read that follows answers 404.
pub async fn lock(conn: &impl ConnectionTrait, id: Uuid) -> Result<(), StoreError> {
    if conn.get_database_backend() == DbBackend::Sqlite {
        return Ok(());
    }
    row::Entity::find_by_id(id).select_only().column(row::Column::Id).lock_exclusive().into_tuple::<Uuid>().one(conn).await?;
    Ok(())
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Ticket, StoreError> {
    let backend = conn.get_database_backend();
    let statement = Statement::from_sql_and_values(backend, by_id_sql(backend), [id.into()]);
    to_ticket(row::Positional::find_by_statement(statement).one(conn).await?.ok_or(StoreError::NotFound)?.0)
}

/// The statement of [`get`], built once per backend: a ticket by id is the most frequent
/// read, and building its 37-column SELECT through sea-query each time was a tenth of the
/// CPU a `GET /tickets/{id}` costs.
fn by_id_sql(backend: DbBackend) -> &'static str {
    static POSTGRES: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static SQLITE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let cell = if backend == DbBackend::Postgres { &POSTGRES } else { &SQLITE };
    cell.get_or_init(|| sea_orm::QueryTrait::build(&all_columns(row::Entity::find_by_id(Uuid::nil())), backend).sql)
}

/// The ticket with this number (`T-2026-000042`), if any.
pub async fn by_number(conn: &impl ConnectionTrait, number: &str) -> Result<Option<Ticket>, StoreError> {
    positional(row::Entity::find().filter(row::Column::Number.eq(number))).one(conn).await?.map(|r| to_ticket(r.0)).transpose()
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
    if let Some(v) = changes.external_ref {
        u = u.col_expr(row::Column::ExternalRef, Expr::value(v));
    }
    if let Some(v) = changes.custom_fields {
        u = u.col_expr(row::Column::CustomFields, Expr::value(serde_json::Value::Object(v).to_string()));
    }
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
    set!(contract_id, ContractId);
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

/// How many tickets there are (closed ones too).
pub async fn count(conn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(sea_orm::PaginatorTrait::count(row::Entity::find(), conn).await?)
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

/// Marks the ticket changed at `now` without a new version: what it shows moved on (a
/// comment, logged time) but none of its fields did, so an edit in progress stays valid.
pub async fn touch(conn: &impl ConnectionTrait, id: Uuid, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .filter(row::Column::UpdatedAt.lt(now))
        .exec(conn)
        .await?;
    Ok(())
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

/// What decides which contract covers a ticket.
#[derive(Debug, Clone)]
pub struct CoverageOf {
    pub id: Uuid,
    pub location_id: Option<Uuid>,
    pub equipment_contract_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub reported_on: chrono::NaiveDate,
    pub contract_id: Option<Uuid>,
}

/// A customer's tickets that are not closed, with what decides their coverage.
pub async fn coverage_of_open(conn: &impl ConnectionTrait, customer_id: Uuid) -> Result<Vec<CoverageOf>, StoreError> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "SELECT t.id, t.location_id, q.contract_id, t.category_id, t.reported_at, t.contract_id \
           FROM tickets t LEFT JOIN equipment q ON q.id = t.equipment_id \
          WHERE t.customer_id = {} AND t.closed_at IS NULL",
        crate::db::placeholder(backend, 1)
    );
    let rows = conn.query_all_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [customer_id.into()])).await?;
    rows.into_iter()
        .map(|r| {
            let reported: DateTime<Utc> = r.try_get_by_index(4)?;
            Ok(CoverageOf {
                id: r.try_get_by_index(0)?,
                location_id: r.try_get_by_index(1)?,
                equipment_contract_id: r.try_get_by_index(2)?,
                category_id: r.try_get_by_index(3)?,
                reported_on: reported.date_naive(),
                contract_id: r.try_get_by_index(5)?,
            })
        })
        .collect()
}

/// Marks the contract covering a ticket (a derived field: its version moves, so a client
/// holding the old one refetches).
pub async fn set_contract(conn: &impl ConnectionTrait, id: Uuid, contract_id: Option<Uuid>, now: DateTime<Utc>) -> Result<(), StoreError> {
    row::Entity::update_many()
        .col_expr(row::Column::ContractId, Expr::value(contract_id))
        .col_expr(row::Column::Version, Expr::col(row::Column::Version).add(1))
        .col_expr(row::Column::UpdatedAt, Expr::value(now))
        .filter(row::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ticket_column_list_is_the_same_sql_on_both_databases() {
        let list = column_list_of(DbBackend::Postgres);
        assert_eq!(list, column_list_of(DbBackend::Sqlite));
        assert_eq!(list.matches(", ").count() + 1, row::COLUMNS.len());
        assert!(list.starts_with("\"tickets\".\"id\""), "{list}");
    }
}
