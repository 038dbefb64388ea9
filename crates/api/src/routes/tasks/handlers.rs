//! The tasks handlers: parse, call the use case or store, answer.

use actix_web::{HttpResponse, get, patch, post, put, web};
use servdesk_domain::tasks::{self as rules, Task};
use servdesk_domain::tickets::{self as ticket_rules};
use servdesk_domain::{Permission, Principal, Role};
use servdesk_persistence::tasks::{self, TaskFilter};
use servdesk_persistence::{tickets, time};
use servdesk_usecases::access::{scope_tasks, visibility, visible_task};
use servdesk_usecases::tasks as task_cases;
use uuid::Uuid;
use validator::Validate;

use super::dto::*;
use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::export::{ExportParams, Representation, csv_download, every_page, representation};
use crate::conventions::external_ref::{self, Upsert};
use crate::conventions::pagination::{PageParams, Paged};
use crate::dto::TaskOut;
use crate::dto::names::Names;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::AppState;
use servdesk_domain::dictionaries::DictionaryKind;

/// Adds a task to a ticket. Customer, location, contact and priority default from the
/// ticket; a planned window makes it `scheduled`, otherwise it is `new`.
#[utoipa::path(
    operation_id = "create_ticket_task",
    tag = tags::TASKS,
    params(("id" = Uuid, Path, description = "The ticket")),
    request_body = CreateTask,
    responses(
        (status = 201, body = TaskOut, headers(("Location" = String), ("ETag" = String))),
        NotFound,
        (status = 409, description = "`ticket_closed`: closed or cancelled tickets take no new tasks", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tickets/{id}/tasks")]
pub async fn create(
    auth: Authorized<can::TasksWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<CreateTask>,
) -> ApiResult<HttpResponse> {
    insert(&state, auth.principal(), id.into_inner(), body.into_inner()).await
}

/// Creates one (the POST and the upsert).
async fn insert(state: &AppState, principal: &Principal, ticket_id: Uuid, body: CreateTask) -> ApiResult<HttpResponse> {
    body.validate()?;
    let task = task_cases::add(state, principal, ticket_id, body.into()).await?;
    Ok(created(format!("/api/v1/tasks/{}", task.id), task.version, &TaskOut::from(task)))
}

/// A ticket's tasks in number order (for who sees tickets; partners list their tasks at `/tasks`).
#[utoipa::path(
    operation_id = "list_ticket_tasks",
    tag = tags::TASKS,
    params(("id" = Uuid, Path, description = "The ticket")),
    responses(
        (status = 200, body = Vec<TaskOut>),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tickets/{id}/tasks")]
pub async fn of_ticket(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<TaskOut>>> {
    // Partners work tasks without seeing tickets: browsing a ticket's tasks is not for them.
    if !auth.principal().can(Permission::TicketsRead) {
        return Err(ApiError::forbidden());
    }
    let visibility = visibility(&state.db, auth.principal()).await?;
    let ticket = tickets::get_visible(&state.db, id.into_inner(), &visibility).await?;
    let mut found = tasks::of_ticket(&state.db, ticket.id).await?;
    if let Principal::User { id: user, role: Role::Technician, .. } = auth.principal() {
        found.retain(|t| t.assignee_id == Some(*user));
    }
    let time = time::totals_by_ticket_tasks(&state.db, ticket.id).await?;
    Ok(web::Json(found.into_iter().map(|t| TaskOut::new(t, &time)).collect()))
}

/// One task.
#[utoipa::path(
    operation_id = "get_task",
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TaskOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}")]
pub async fn get(auth: Authorized<can::TasksRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let (task, _) = visible_task(&state.db, auth.principal(), id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), task.version, &TaskOut::read(&state.db, task).await?))
}

/// Tasks across tickets, filtered: coordinators, agents, finance and integrations see all,
/// technicians the tasks given to them.
///
/// Custom fields filter as `cf.<key>=<value>` (any number of them, all must hold; a multiple
/// choice matches when it includes the value); an unknown key answers 422.
///
/// `Accept: text/csv` (or `format=csv`) exports every task the filter selects (not a page;
/// at most 100,000, else 422 `export_too_large`) as a spreadsheet: names beside ids, a
/// column `cf.<key>` per active custom field of tasks (multiple choices joined by `|`).
#[utoipa::path(
    operation_id = "list_tasks",
    tag = tags::TASKS,
    params(PageParams, TaskFilterParams, ExportParams),
    responses(
        (status = 200, content(
            (Paged<TaskOut> = "application/json"),
            (String = "text/csv", example = json!("number,title,status,ticket_id,…,cf.pressure_bar\r\nT-2027-000001/1,Replace the valve,done,0193…,…,3.5\r\n"))
        )),
        (status = 422, description = "`export_too_large`: more than 100,000 tasks to export; narrow the filter", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks")]
pub async fn list(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<TaskFilterParams>,
    export: web::Query<ExportParams>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    let representation = representation(&req, &state.config, &export, &["json", "csv"])?;
    let f = filter.into_inner();
    let custom = servdesk_usecases::custom_fields::filters(
        &state.db,
        servdesk_domain::custom_fields::FieldEntity::Task,
        &crate::conventions::validation::query_pairs(&req),
    )
    .await?;
    let asked = TaskFilter {
        custom,
        ticket_id: f.ticket_id,
        assignee_id: f.assignee_id,
        partner_id: f.partner_id,
        status: f.status,
        external_ref: f.external_ref,
        tickets: None,
    };
    let scoped = scope_tasks(&state.db, auth.principal(), asked).await?;
    if let Representation::Csv(format) = representation {
        let all = match &scoped {
            Some(filter) => every_page(|request| tasks::list(&state.db, filter, request)).await?,
            None => Vec::new(),
        };
        let ids: Vec<Uuid> = all.iter().map(|t| t.id).collect();
        let time = time::totals_by_task(&state.db, &ids).await?;
        let kinds = [DictionaryKind::Priority, DictionaryKind::TaskCategory, DictionaryKind::TaskType];
        let names = Names::load(&state.db, &kinds, all.iter().filter_map(|t| t.customer_id)).await?;
        let fields = servdesk_usecases::custom_fields::columns(&state.db, servdesk_domain::custom_fields::FieldEntity::Task).await?;
        let rows: Vec<TaskOut> = all.into_iter().map(|t| TaskOut::new(t, &time)).collect();
        return Ok(csv_download("tasks.csv", super::export::csv(&rows, &names, &fields, format)));
    }
    let Some(filter) = scoped else {
        return Ok(HttpResponse::Ok().json(Paged::<TaskOut> { items: Vec::new(), next_cursor: None }));
    };
    let page = tasks::list(&state.db, &filter, page.to_request()?).await?;
    let ids: Vec<Uuid> = page.items.iter().map(|t| t.id).collect();
    let time = time::totals_by_task(&state.db, &ids).await?;
    Ok(HttpResponse::Ok().json(Paged::from_page(page, |t| TaskOut::new(t, &time))))
}

/// Moves a task along `new -> scheduled -> in_progress <-> on_hold -> done` (or cancels it).
/// Technicians move their own tasks. Completing a ticket's last open task closes the ticket.
#[utoipa::path(
    operation_id = "change_task_status",
    tag = tags::TASKS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = ChangeTaskStatus,
    responses(
        (status = 200, body = TaskOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`invalid_transition`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/tasks/{id}/status")]
pub async fn change_status(
    auth: Authorized<can::TasksWork>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<ChangeTaskStatus>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let changed = task_cases::change_status(&state, auth.principal(), id.into_inner(), if_match.0, body.status, body.note).await?;
    let out = TaskOut::read(&state.db, changed).await?;
    Ok(versioned(HttpResponse::Ok(), out.version, &out))
}

/// Changes a task's fields (`If-Match` guards against lost updates); status has its own
/// action. Done and cancelled tasks are history and cannot be edited. A new assignee is
/// notified when the task asks for it. Each change is a `task_updated` event with before and
/// after.
#[utoipa::path(
    operation_id = "update_task",
    tag = tags::TASKS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateTask,
    responses(
        (status = 200, body = TaskOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`task_closed`: done or cancelled", body = Problem, content_type = "application/problem+json"),
        StaleVersion,
        (status = 422, description = "`before_start`, `wrong_category`, unknown references", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[patch("/tasks/{id}")]
pub async fn update(
    auth: Authorized<can::TasksWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateTask>,
) -> ApiResult<HttpResponse> {
    change(&state, auth.principal(), id.into_inner(), if_match.0, body.into_inner()).await
}

/// Changes one (the PATCH and the upsert).
async fn change(state: &AppState, principal: &Principal, id: Uuid, expected: Option<i64>, body: UpdateTask) -> ApiResult<HttpResponse> {
    body.validate()?;
    let task = task_cases::edit(state, principal, id, expected, body.into()).await?;
    let out = TaskOut::read(&state.db, task).await?;
    Ok(versioned(HttpResponse::Ok(), out.version, &out))
}

/// Past done tasks like this one — similar text, the same equipment, the same category — best
/// first (at most 10): how was this solved before? Technicians and partners search the tasks
/// they may see.
#[utoipa::path(
    operation_id = "list_similar_tasks",
    tag = tags::TASKS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Vec<SimilarTaskOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/{id}/similar")]
pub async fn similar(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Vec<SimilarTaskOut>>> {
    let principal = auth.principal();
    let (task, ticket) = visible_task(&state.db, principal, id.into_inner()).await?;
    let scope = scope_tasks(&state.db, principal, TaskFilter::default()).await?.unwrap_or_default();
    let terms = ticket_rules::significant_words(&format!("{} {}", task.title, task.description.as_deref().unwrap_or("")));
    let candidates = tasks::similar_candidates(&state.db, &task, ticket.equipment_id, &terms, &scope, 200).await?;
    let ticket_ids: Vec<Uuid> = candidates.iter().map(|t| t.ticket_id).collect();
    let equipment = tickets::equipment_of(&state.db, &ticket_ids).await?;
    let me = rules::Compared { task: &task, equipment_id: ticket.equipment_id };
    let mut ranked: Vec<(rules::Similarity, Task)> = candidates
        .into_iter()
        .map(|c| (rules::similarity(&me, &rules::Compared { task: &c, equipment_id: equipment.get(&c.ticket_id).copied() }), c))
        .filter(|(s, _)| s.score > 0)
        .collect();
    ranked.sort_by(|a, b| b.0.score.cmp(&a.0.score).then(b.1.id.cmp(&a.1.id)));
    ranked.truncate(10);
    let ids: Vec<Uuid> = ranked.iter().map(|(_, t)| t.id).collect();
    let time = time::totals_by_task(&state.db, &ids).await?;
    Ok(web::Json(
        ranked
            .into_iter()
            .map(|(s, t)| SimilarTaskOut {
                task: TaskOut::new(t, &time),
                score: s.score,
                same_equipment: s.same_equipment,
                same_category: s.same_category,
                shared_words: s.shared_words,
            })
            .collect(),
    ))
}

/// Creates or changes the task with this external reference, so a sync job can send the same
/// thing again safely: the create body with the `ticket_id` it belongs to; 201 when it is new,
/// 200 when it existed — then the fields the body names are set (as `PATCH` would) and the
/// rest keep their values.
#[utoipa::path(
    operation_id = "upsert_task_by_external_ref",
    tag = tags::TASKS,
    params(("ref" = String, Path, description = "The ERP's id for it, 1 to 128 characters")),
    request_body = UpsertTask,
    responses(
        (status = 200, body = TaskOut, headers(("ETag" = String))),
        (status = 201, body = TaskOut, headers(("ETag" = String), ("Location" = String))),
        NotFound,
        (status = 409, description = "`ticket_closed`, `external_ref_taken`", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`, `invalid_body`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[put("/tasks/by-external-ref/{ref}")]
pub async fn upsert(
    auth: Authorized<can::TasksWrite>,
    state: web::Data<AppState>,
    reference: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> ApiResult<HttpResponse> {
    match external_ref::upsert::<UpsertTask, UpdateTask>(&state.db, "tasks", &reference, body.into_inner()).await? {
        Upsert::Create(body) => insert(&state, auth.principal(), body.ticket_id, body.task).await,
        Upsert::Update(id, body) => change(&state, auth.principal(), id, None, body).await,
    }
}

/// The task with this external reference (404 also when the caller may not see it).
#[utoipa::path(
    operation_id = "get_task_by_external_ref",
    tag = tags::TASKS,
    params(("ref" = String, Path, description = "The ERP's id for it")),
    responses((status = 200, body = TaskOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/tasks/by-external-ref/{ref}")]
pub async fn by_external_ref(
    auth: Authorized<can::TasksRead>,
    state: web::Data<AppState>,
    reference: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let id = external_ref::existing(&state.db, "tasks", &reference).await?;
    let (task, _) = visible_task(&state.db, auth.principal(), id).await?;
    Ok(versioned(HttpResponse::Ok(), task.version, &TaskOut::read(&state.db, task).await?))
}
