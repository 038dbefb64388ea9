//! Teams: queues of staff that work can be assigned to.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_persistence::teams::{Team, TeamChanges};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, teams, users};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation::{self, referenced};
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct TeamOut {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub member_ids: Vec<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn view(conn: &impl ConnectionTrait, team: Team) -> ApiResult<TeamOut> {
    let member_ids = teams::members(conn, team.id).await?;
    Ok(TeamOut {
        id: team.id,
        name: team.name,
        description: team.description,
        member_ids,
        version: team.version,
        created_at: team.created_at,
        updated_at: team.updated_at,
    })
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Field service Ljubljana", "description": "Technicians covering central Slovenia"}))]
pub struct CreateTeam {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<String>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"description": null}))]
pub struct UpdateTeam {
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(max = 2000))]
    #[schema(max_length = 2000)]
    pub description: Option<Option<String>>,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"user_id": "01933b5e-0000-7000-8000-000000000000"}))]
pub struct AddMember {
    pub user_id: Uuid,
}

/// Lists teams.
#[utoipa::path(
    operation_id = "list_teams",tag = tags::TEAMS, params(PageParams), responses((status = 200, body = Paged<TeamOut>)), security(("bearer" = []), ("api_key" = [])))]
#[get("/teams")]
pub async fn list(
    _auth: Authorized<can::TeamsRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<TeamOut>>> {
    let page = teams::list(&state.db, page.to_request()?).await?;
    let mut items = Vec::with_capacity(page.items.len());
    for team in page.items {
        items.push(view(&state.db, team).await?);
    }
    Ok(web::Json(Paged { items, next_cursor: page.next.map(crate::conventions::pagination::encode) }))
}

/// Creates a team (admins).
#[utoipa::path(
    operation_id = "create_team",
    tag = tags::TEAMS,
    request_body = CreateTeam,
    responses(
        (status = 201, body = TeamOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`team_name_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/teams")]
pub async fn create(
    _auth: Authorized<can::TeamsManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateTeam>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let team = teams::create(&txn, body.name.trim().to_owned(), body.description.clone().filter(|d| !d.trim().is_empty()), now()).await?;
    servdesk_usecases::commit(txn).await?;
    let (location, version) = (format!("/api/v1/teams/{}", team.id), team.version);
    Ok(created(location, version, &view(&state.db, team).await?))
}

/// One team with its members.
#[utoipa::path(
    operation_id = "get_team",
    tag = tags::TEAMS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = TeamOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/teams/{id}")]
pub async fn get(_auth: Authorized<can::TeamsRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let team = teams::get(&state.db, id.into_inner()).await?;
    let version = team.version;
    Ok(versioned(HttpResponse::Ok(), version, &view(&state.db, team).await?))
}

/// Renames or describes a team (admins).
#[utoipa::path(
    operation_id = "update_team",
    tag = tags::TEAMS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateTeam,
    responses(
        (status = 200, body = TeamOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`team_name_taken`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []))
)]
#[patch("/teams/{id}")]
pub async fn patch(
    _auth: Authorized<can::TeamsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateTeam>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let changes = TeamChanges { name: body.name.map(|n| n.trim().to_owned()), description: body.description };
    let team = teams::update(&state.db, id.into_inner(), if_match.0, changes, now()).await?;
    let version = team.version;
    Ok(versioned(HttpResponse::Ok(), version, &view(&state.db, team).await?))
}

/// Deletes a team nothing refers to (admins); 409 `team_in_use` otherwise.
#[utoipa::path(
    operation_id = "delete_team",
    tag = tags::TEAMS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`team_in_use`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/teams/{id}")]
pub async fn delete(_auth: Authorized<can::TeamsManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    teams::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Adds a member (admins). Adding someone already in the team changes nothing.
#[utoipa::path(
    tag = tags::TEAMS,
    params(("id" = Uuid, Path)),
    request_body = AddMember,
    responses((status = 200, body = TeamOut, headers(("ETag" = String))), NotFound),
    security(("bearer" = []))
)]
#[post("/teams/{id}/members")]
pub async fn add_member(
    _auth: Authorized<can::TeamsManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<AddMember>,
) -> ApiResult<HttpResponse> {
    let team_id = id.into_inner();
    let txn = state.db.begin().await?;
    referenced("user_id", users::get(&txn, body.user_id).await)?;
    teams::add_member(&txn, team_id, body.user_id, now()).await?;
    let team = teams::get(&txn, team_id).await?;
    let version = team.version;
    let view = view(&txn, team).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(versioned(HttpResponse::Ok(), version, &view))
}

/// Removes a member (admins).
#[utoipa::path(
    tag = tags::TEAMS,
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)),
    responses((status = 204, description = "removed"), NotFound),
    security(("bearer" = []))
)]
#[delete("/teams/{id}/members/{user_id}")]
pub async fn remove_member(
    _auth: Authorized<can::TeamsManage>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (team_id, user_id) = path.into_inner();
    let txn = state.db.begin().await?;
    teams::remove_member(&txn, team_id, user_id, now()).await?;
    servdesk_usecases::commit(txn).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(patch).service(delete).service(add_member).service(remove_member);
}
