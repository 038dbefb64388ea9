//! Dictionaries under `/dictionaries/{kind}`: ticket statuses, priorities, ticket categories
//! and types, task categories (with default checklists) and task types. All staff read them;
//! admins edit them.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::dictionaries::{DictionaryKind, Entry, StatusClass};
use servdesk_domain::errors::field;
use servdesk_persistence::TransactionTrait;
use servdesk_persistence::dictionaries::{self, EntryChanges, NewEntry};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::Paged;
use crate::conventions::validation::{self, Fields, referenced};
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct DictionaryEntryOut {
    pub id: Uuid,
    #[schema(schema_with = wire::dictionary_kind)]
    pub kind: DictionaryKind,
    pub name: String,
    /// Sort order (and a priority's rank).
    pub position: i32,
    /// Ticket statuses only.
    #[schema(schema_with = wire::status_class_or_null)]
    pub class: Option<StatusClass>,
    /// The default of its list (ticket statuses: of its class).
    pub is_default: bool,
    /// Task types only: their task category.
    pub parent_id: Option<Uuid>,
    /// Task categories only: lines copied into each new task's checklist.
    pub default_checklist: Vec<String>,
    pub active: bool,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Entry> for DictionaryEntryOut {
    fn from(e: Entry) -> Self {
        Self {
            id: e.id,
            kind: e.kind,
            name: e.name,
            position: e.position,
            class: e.class,
            is_default: e.is_default,
            parent_id: e.parent_id,
            default_checklist: e.default_checklist,
            active: e.active,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Waiting for approval", "class": "pending"}))]
pub struct CreateDictionaryEntry {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    /// Last when absent.
    pub position: Option<i32>,
    /// Required for ticket statuses, refused elsewhere.
    #[schema(schema_with = wire::status_class)]
    pub class: Option<StatusClass>,
    /// Ticket statuses and priorities: make this the default (the previous one stops being it).
    #[serde(default)]
    pub is_default: bool,
    /// Required for task types: their task category.
    pub parent_id: Option<Uuid>,
    /// Task categories only.
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub default_checklist: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Awaiting spare parts", "position": 5}))]
pub struct UpdateDictionaryEntry {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub position: Option<i32>,
    #[schema(schema_with = wire::status_class)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub class: Option<StatusClass>,
    /// `true` makes this the default; the default itself cannot be unset, only replaced.
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub is_default: Option<bool>,
    pub parent_id: Option<Uuid>,
    /// Replaces the lines; existing tasks keep theirs.
    #[validate(length(max = 100))]
    #[schema(max_items = 100)]
    pub default_checklist: Option<Vec<String>>,
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DictionaryFilterParams {
    /// Task types of this task category.
    pub parent_id: Option<Uuid>,
    pub active: Option<bool>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KindPath {
    #[param(schema_with = wire::dictionary_kind)]
    pub kind: DictionaryKind,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct EntryPath {
    #[param(schema_with = wire::dictionary_kind)]
    pub kind: DictionaryKind,
    pub id: Uuid,
}

fn lines(raw: Option<Vec<String>>, fields: &mut Fields) -> Option<Vec<String>> {
    let lines: Vec<String> = raw?.into_iter().map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()).collect();
    if lines.iter().any(|l| l.chars().count() > 500) {
        fields.add("default_checklist", field::LENGTH, "each line at most 500 characters");
    }
    Some(lines)
}

fn shape(
    fields: &mut Fields,
    kind: DictionaryKind,
    class: Option<StatusClass>,
    parent: Option<Uuid>,
    has_checklist: bool,
    is_default: bool,
) {
    for error in kind.check_shape(class, parent, has_checklist, is_default) {
        fields.add(error.field(), field::NOT_FOR_THIS_KIND, error.to_string());
    }
}

/// A task type's parent must be a task category.
async fn check_parent(conn: &impl servdesk_persistence::ConnectionTrait, parent: Option<Uuid>) -> ApiResult<()> {
    if let Some(parent) = parent {
        referenced("parent_id", dictionaries::get(conn, DictionaryKind::TaskCategory, parent).await)?;
    }
    Ok(())
}

/// One dictionary, in its order. Dictionaries are short: one page, `next_cursor` is null.
#[utoipa::path(
    operation_id = "list_dictionary_entries",
    tag = tags::DICTIONARIES,
    params(KindPath, DictionaryFilterParams),
    responses((status = 200, body = Paged<DictionaryEntryOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/dictionaries/{kind}")]
pub async fn list(
    _auth: Authorized<can::DictionariesRead>,
    state: web::Data<AppState>,
    path: web::Path<KindPath>,
    filter: web::Query<DictionaryFilterParams>,
) -> ApiResult<web::Json<Paged<DictionaryEntryOut>>> {
    let entries = dictionaries::list(&state.db, path.kind, filter.parent_id, filter.active).await?;
    Ok(web::Json(Paged { items: entries.into_iter().map(DictionaryEntryOut::from).collect(), next_cursor: None }))
}

/// Adds an entry (admins).
#[utoipa::path(
    operation_id = "create_dictionary_entry",
    tag = tags::DICTIONARIES,
    params(KindPath),
    request_body = CreateDictionaryEntry,
    responses(
        (status = 201, body = DictionaryEntryOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`name_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/dictionaries/{kind}")]
pub async fn create(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    path: web::Path<KindPath>,
    body: web::Json<CreateDictionaryEntry>,
) -> ApiResult<HttpResponse> {
    let kind = path.kind;
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    let checklist = lines(body.default_checklist, &mut fields);
    shape(&mut fields, kind, body.class, body.parent_id, checklist.is_some(), body.is_default);
    fields.finish()?;
    let txn = state.db.begin().await?;
    check_parent(&txn, body.parent_id).await?;
    let new = NewEntry {
        kind,
        name: body.name.trim().to_owned(),
        position: body.position,
        class: body.class,
        is_default: body.is_default,
        parent_id: body.parent_id,
        default_checklist: checklist.unwrap_or_default(),
    };
    let entry = dictionaries::create(&txn, new, now()).await?;
    servdesk_usecases::commit(txn).await?;
    state.dictionaries_changed();
    Ok(created(format!("/api/v1/dictionaries/{}/{}", kind.as_str(), entry.id), entry.version, &DictionaryEntryOut::from(entry)))
}

/// One entry.
#[utoipa::path(
    operation_id = "get_dictionary_entry",
    tag = tags::DICTIONARIES,
    params(EntryPath),
    responses((status = 200, body = DictionaryEntryOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/dictionaries/{kind}/{id}")]
pub async fn get(
    _auth: Authorized<can::DictionariesRead>,
    state: web::Data<AppState>,
    path: web::Path<EntryPath>,
) -> ApiResult<HttpResponse> {
    let entry = dictionaries::get(&state.db, path.kind, path.id).await?;
    Ok(versioned(HttpResponse::Ok(), entry.version, &DictionaryEntryOut::from(entry)))
}

/// Renames, reorders, re-classes or deactivates an entry, or makes it the default (admins).
#[utoipa::path(
    operation_id = "update_dictionary_entry",
    tag = tags::DICTIONARIES,
    params(EntryPath, IfMatch),
    request_body = UpdateDictionaryEntry,
    responses(
        (status = 200, body = DictionaryEntryOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`name_taken`, `default_required`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []))
)]
#[patch("/dictionaries/{kind}/{id}")]
pub async fn patch(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    path: web::Path<EntryPath>,
    if_match: IfMatch,
    body: web::Json<UpdateDictionaryEntry>,
) -> ApiResult<HttpResponse> {
    let EntryPath { kind, id } = path.into_inner();
    let body = body.into_inner();
    let mut fields = Fields::check(&body);
    let checklist = lines(body.default_checklist, &mut fields);
    // Only the fields being set are checked against the kind (a status keeps its class).
    let class_check = if kind == DictionaryKind::TicketStatus { body.class.or(Some(StatusClass::Open)) } else { body.class };
    let parent_check = if kind == DictionaryKind::TaskType { body.parent_id.or(Some(Uuid::nil())) } else { body.parent_id };
    shape(&mut fields, kind, class_check, parent_check, checklist.is_some(), body.is_default == Some(true));
    fields.finish()?;
    let txn = state.db.begin().await?;
    check_parent(&txn, body.parent_id).await?;
    let changes = EntryChanges {
        name: body.name.map(|n| n.trim().to_owned()),
        position: body.position,
        class: body.class,
        is_default: body.is_default,
        parent_id: body.parent_id,
        default_checklist: checklist,
        active: body.active,
    };
    let entry = dictionaries::update(&txn, kind, id, if_match.0, changes, now()).await?;
    servdesk_usecases::commit(txn).await?;
    state.dictionaries_changed();
    Ok(versioned(HttpResponse::Ok(), entry.version, &DictionaryEntryOut::from(entry)))
}

/// Deletes an entry nothing refers to (admins); 409 `dictionary_entry_in_use` otherwise,
/// `default_required` for a list's default.
#[utoipa::path(
    operation_id = "delete_dictionary_entry",
    tag = tags::DICTIONARIES,
    params(EntryPath),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`dictionary_entry_in_use`, `default_required`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/dictionaries/{kind}/{id}")]
pub async fn delete(
    _auth: Authorized<can::DictionariesManage>,
    state: web::Data<AppState>,
    path: web::Path<EntryPath>,
) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    dictionaries::delete(&txn, path.kind, path.id).await?;
    servdesk_usecases::commit(txn).await?;
    state.dictionaries_changed();
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(patch).service(delete);
}
