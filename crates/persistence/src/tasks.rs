//! Tasks (work orders): numbered per ticket, changed under their version, and read by the
//! ticket's rules (progress, closing) as a list of statuses.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Statement, TryIntoModel};
use servdesk_domain::Visibility;
use servdesk_domain::tasks::{Task, TaskStatus, task_number};
use uuid::Uuid;

use crate::db::placeholder;
use crate::entities::tasks as row;
use crate::error::StoreError;
use crate::page::{self, Page, PageRequest};
use crate::tickets;
use crate::versioned::{self, Columns};

pub struct NewTask {
    pub ticket_id: Uuid,
    pub title: String,
    pub description: Option<String>,
    pub category_id: Option<Uuid>,
    pub type_id: Option<Uuid>,
    pub planned_start: Option<DateTime<Utc>>,
    pub planned_end: Option<DateTime<Utc>>,
    pub customer_id: Option<Uuid>,
    pub location_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub priority_id: Uuid,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub paid: bool,
    pub warranty: bool,
    pub notify_assignee: bool,
    pub status: TaskStatus,
    pub created_by: Option<Uuid>,
    /// The ERP's id for it (unique per kind).
    pub external_ref: Option<String>,
    /// Custom field values, checked against their definitions.
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Default, Clone)]
pub struct TaskFilter {
    pub ticket_id: Option<Uuid>,
    pub assignee_id: Option<Uuid>,
    pub partner_id: Option<Uuid>,
    pub status: Option<TaskStatus>,
    /// Only tasks of tickets this visibility sees (`None`: no such limit).
    pub tickets: Option<Visibility>,
    /// Only the record with this external reference.
    pub external_ref: Option<String>,
    /// Custom field values each task must have (`cf.<key>=<value>`).
    pub custom: Vec<crate::custom_fields::ValueFilter>,
}

impl TaskFilter {
    /// The filter's conditions; `None` when it can match nothing.
    fn condition(&self) -> Option<Condition> {
        let mut all = Condition::all();
        if let Some(t) = self.ticket_id {
            all = all.add(row::Column::TicketId.eq(t));
        }
        if let Some(a) = self.assignee_id {
            all = all.add(row::Column::AssigneeId.eq(a));
        }
        if let Some(p) = self.partner_id {
            all = all.add(row::Column::PartnerId.eq(p));
        }
        if let Some(s) = self.status {
            all = all.add(row::Column::Status.eq(s.as_str()));
        }
        if let Some(r) = &self.external_ref {
            all = all.add(row::Column::ExternalRef.eq(r.clone()));
        }
        match &self.tickets {
            None | Some(Visibility::All) => {}
            Some(visibility) => all = all.add(row::Column::TicketId.in_subquery(tickets::visible_ids(visibility)?)),
        }
        Some(all)
    }
}

fn to_task(m: row::Model) -> Result<Task, StoreError> {
    Ok(Task {
        status: TaskStatus::parse(&m.status).ok_or_else(|| StoreError::corrupt("tasks", format!("{}: status", m.id)))?,
        id: m.id,
        ticket_id: m.ticket_id,
        number: m.number,
        title: m.title,
        description: m.description,
        category_id: m.category_id,
        type_id: m.type_id,
        planned_start: m.planned_start,
        planned_end: m.planned_end,
        customer_id: m.customer_id,
        location_id: m.location_id,
        contact_id: m.contact_id,
        priority_id: m.priority_id,
        assignee_id: m.assignee_id,
        partner_id: m.partner_id,
        paid: m.paid,
        warranty: m.warranty,
        notify_assignee: m.notify_assignee,
        completed_at: m.completed_at,
        created_by: m.created_by,
        external_ref: m.external_ref,
        custom_fields: crate::json_object(&m.custom_fields),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Creates the task under the next number of its ticket (`T-2026-000123/2`). The ticket's
/// counter is incremented in the caller's transaction, which locks the ticket's row.
pub async fn create(conn: &impl ConnectionTrait, new: NewTask, now: DateTime<Utc>) -> Result<Task, StoreError> {
    let backend = conn.get_database_backend();
    let sql = format!(
        "UPDATE tickets SET task_seq = task_seq + 1, has_work = TRUE WHERE id = {} RETURNING task_seq, number",
        placeholder(backend, 1)
    );
    let row =
        conn.query_one_raw(Statement::from_sql_and_values(backend, sql, [new.ticket_id.into()])).await?.ok_or(StoreError::NotFound)?;
    let seq: i32 = row.try_get("", "task_seq")?;
    let ticket_number: String = row.try_get("", "number")?;
    let model = row::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(new.ticket_id),
        seq: Set(seq),
        number: Set(task_number(&ticket_number, i64::from(seq))),
        title: Set(new.title),
        description: Set(new.description),
        category_id: Set(new.category_id),
        type_id: Set(new.type_id),
        planned_start: Set(new.planned_start),
        planned_end: Set(new.planned_end),
        customer_id: Set(new.customer_id),
        location_id: Set(new.location_id),
        contact_id: Set(new.contact_id),
        priority_id: Set(new.priority_id),
        assignee_id: Set(new.assignee_id),
        partner_id: Set(new.partner_id),
        paid: Set(new.paid),
        warranty: Set(new.warranty),
        notify_assignee: Set(new.notify_assignee),
        status: Set(new.status.as_str().to_owned()),
        completed_at: Set(None),
        created_by: Set(new.created_by),
        external_ref: Set(new.external_ref),
        custom_fields: Set(serde_json::Value::Object(new.custom_fields).to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    row::Entity::insert(model.clone()).exec_without_returning(conn).await?;
    to_task(model.try_into_model()?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<Task, StoreError> {
    to_task(row::Entity::find_by_id(id).one(conn).await?.ok_or(StoreError::NotFound)?)
}

/// A ticket's tasks in number order.
pub async fn of_ticket(conn: &impl ConnectionTrait, ticket_id: Uuid) -> Result<Vec<Task>, StoreError> {
    row::Entity::find()
        .filter(row::Column::TicketId.eq(ticket_id))
        .order_by_asc(row::Column::Seq)
        .all(conn)
        .await?
        .into_iter()
        .map(to_task)
        .collect()
}

pub async fn list(conn: &impl ConnectionTrait, filter: &TaskFilter, req: PageRequest) -> Result<Page<Task>, StoreError> {
    let Some(condition) = filter.condition() else { return Ok(Page::empty()) };
    let mut select = row::Entity::find().filter(condition);
    for f in &filter.custom {
        select = select.filter(crate::custom_fields::condition(conn.get_database_backend(), "tasks", f));
    }
    page::fetch(conn, select, row::Column::Id, row::Column::UpdatedAt, req, |m| (m.updated_at, m.id)).await?.try_map(to_task)
}

/// Moves the task to `status` if it is still at `expected` version (when given), stamping
/// the completion time when it is done.
pub async fn set_status(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    status: TaskStatus,
    now: DateTime<Utc>,
) -> Result<Task, StoreError> {
    move_to(conn, id, expected, status, (status == TaskStatus::Done).then_some(now), now).await
}

/// Marks the task done as of `completed_at` (the time the field device says the work
/// ended), changed now: `updated_at` is always the server's clock, so a sync by
/// `updated_since` sees a completion that arrives late.
pub async fn complete(conn: &impl ConnectionTrait, id: Uuid, completed_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<Task, StoreError> {
    move_to(conn, id, None, TaskStatus::Done, Some(completed_at), now).await
}

async fn move_to(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    status: TaskStatus,
    completed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Task, StoreError> {
    let current = get(conn, id).await?;
    versioned::expect(expected, current.version)?;
    let u = row::Entity::update_many()
        .col_expr(row::Column::Status, Expr::value(status.as_str()))
        .col_expr(row::Column::CompletedAt, Expr::value(completed_at));
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    get(conn, id).await
}

/// A PATCH of a task's fields: `None` leaves a field alone; `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct TaskChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub category_id: Option<Option<Uuid>>,
    pub type_id: Option<Option<Uuid>>,
    pub planned_start: Option<Option<DateTime<Utc>>>,
    pub planned_end: Option<Option<DateTime<Utc>>>,
    pub customer_id: Option<Option<Uuid>>,
    pub location_id: Option<Option<Uuid>>,
    pub contact_id: Option<Option<Uuid>>,
    pub priority_id: Option<Uuid>,
    pub assignee_id: Option<Option<Uuid>>,
    pub partner_id: Option<Option<Uuid>>,
    pub paid: Option<bool>,
    pub warranty: Option<bool>,
    pub notify_assignee: Option<bool>,
    pub status: Option<TaskStatus>,
    pub external_ref: Option<Option<String>>,
    /// All the custom field values after the change.
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Applies `changes` if the task is still at `expected` version (when given).
pub async fn update(
    conn: &impl ConnectionTrait,
    id: Uuid,
    expected: Option<i64>,
    changes: TaskChanges,
    now: DateTime<Utc>,
) -> Result<Task, StoreError> {
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
    set!(category_id, CategoryId);
    set!(type_id, TypeId);
    set!(planned_start, PlannedStart);
    set!(planned_end, PlannedEnd);
    set!(customer_id, CustomerId);
    set!(location_id, LocationId);
    set!(contact_id, ContactId);
    set!(priority_id, PriorityId);
    set!(assignee_id, AssigneeId);
    set!(partner_id, PartnerId);
    set!(paid, Paid);
    set!(warranty, Warranty);
    set!(notify_assignee, NotifyAssignee);
    if let Some(status) = changes.status {
        u = u.col_expr(row::Column::Status, Expr::value(status.as_str()));
    }
    let cols = Columns { id: row::Column::Id, version: row::Column::Version, updated_at: row::Column::UpdatedAt };
    versioned::apply(conn, u, cols, id, current.version, now, StoreError::from).await?;
    get(conn, id).await
}

/// What the planner shows: planned tasks whose window meets `[from, to)`, and open tasks
/// without a window, narrowed to one assignee or partner (or the members of `assignees`).
#[derive(Debug, Default, Clone)]
pub struct PlannerFilter {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub assignees: Option<Vec<Uuid>>,
    pub partner_id: Option<Uuid>,
}

/// Most tasks one planner view returns; a wider range must be narrowed.
pub const PLANNER_LIMIT: u64 = 2000;

fn planner_scope(mut select: sea_orm::Select<row::Entity>, filter: &PlannerFilter) -> sea_orm::Select<row::Entity> {
    if let Some(assignees) = &filter.assignees {
        select = select.filter(row::Column::AssigneeId.is_in(assignees.iter().copied()));
    }
    if let Some(p) = filter.partner_id {
        select = select.filter(row::Column::PartnerId.eq(p));
    }
    select
}

/// Planned tasks (not cancelled) whose window meets the range, by start. A window without an
/// end counts as its start.
pub async fn planned(conn: &impl ConnectionTrait, filter: &PlannerFilter) -> Result<Vec<Task>, StoreError> {
    use sea_orm::sea_query::Condition;
    let ends_inside = Condition::any()
        .add(row::Column::PlannedEnd.gt(filter.from))
        .add(Condition::all().add(row::Column::PlannedEnd.is_null()).add(row::Column::PlannedStart.gte(filter.from)));
    let select = row::Entity::find()
        .filter(row::Column::PlannedStart.lt(filter.to))
        .filter(ends_inside)
        .filter(row::Column::Status.ne(TaskStatus::Cancelled.as_str()));
    let select = planner_scope(select, filter).order_by_asc(row::Column::PlannedStart).order_by_asc(row::Column::Id);
    crate::page::all_limited(conn, select, PLANNER_LIMIT).await?.into_iter().map(to_task).collect()
}

/// Open tasks with no planned start, oldest first: the dispatcher's to-do pile.
pub async fn unplanned(conn: &impl ConnectionTrait, filter: &PlannerFilter) -> Result<Vec<Task>, StoreError> {
    let open = [TaskStatus::New, TaskStatus::Scheduled, TaskStatus::InProgress, TaskStatus::OnHold].map(|s| s.as_str());
    let select = row::Entity::find().filter(row::Column::PlannedStart.is_null()).filter(row::Column::Status.is_in(open));
    let select = planner_scope(select, filter).order_by_asc(row::Column::CreatedAt).order_by_asc(row::Column::Id);
    crate::page::all_limited(conn, select, PLANNER_LIMIT).await?.into_iter().map(to_task).collect()
}

/// Done tasks that may resemble `task`: sharing a word of its text, done on the same
/// equipment (that of `equipment_id`'s tickets), or of the same category; newest first,
/// within `scope` (a technician's own, a partner's). The caller ranks them.
pub async fn similar_candidates(
    conn: &impl ConnectionTrait,
    task: &Task,
    equipment_id: Option<Uuid>,
    terms: &[String],
    scope: &TaskFilter,
    limit: u64,
) -> Result<Vec<Task>, StoreError> {
    use sea_orm::ExprTrait;
    use sea_orm::sea_query::{Func, Query};

    let mut related = Condition::any();
    for term in terms.iter().take(12) {
        let pattern = format!("%{term}%");
        related = related
            .add(Expr::expr(Func::lower(Expr::col(row::Column::Title))).like(pattern.clone()))
            .add(Expr::expr(Func::lower(Expr::col(row::Column::Description))).like(pattern));
    }
    if let Some(category) = task.category_id {
        related = related.add(row::Column::CategoryId.eq(category));
    }
    if let Some(equipment) = equipment_id {
        use crate::entities::tickets as ticket_row;
        let on_equipment = Query::select()
            .column(ticket_row::Column::Id)
            .from(ticket_row::Entity)
            .and_where(ticket_row::Column::EquipmentId.eq(equipment))
            .to_owned();
        related = related.add(row::Column::TicketId.in_subquery(on_equipment));
    }
    if related.is_empty() {
        return Ok(Vec::new());
    }
    let Some(scope) = scope.condition() else { return Ok(Vec::new()) };
    let select = row::Entity::find()
        .filter(related)
        .filter(scope)
        .filter(row::Column::Id.ne(task.id))
        .filter(row::Column::Status.eq(TaskStatus::Done.as_str()));
    crate::page::all_limited(conn, select.order_by_desc(row::Column::Id), limit).await?.into_iter().map(to_task).collect()
}
