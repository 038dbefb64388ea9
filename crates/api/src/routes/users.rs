//! Staff accounts: admins manage them; staff read the directory.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use serde::Deserialize;
use servdesk_domain::errors::field;
use servdesk_domain::users as rules;
use servdesk_domain::{Email, Role};
use servdesk_persistence::directory::partners;
use servdesk_persistence::users::{NewUser, UserChanges, UserFilter};
use servdesk_persistence::{ConnectionTrait, TransactionTrait, sessions, users};
use servdesk_usecases::Error;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can, passwords};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::conventions::validation;
use crate::dto::UserOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::openapi::{NotFound, StaleVersion};
use crate::state::{AppState, now};
use crate::wire;

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"email": "ana.kos@example.com", "name": "Ana Kos", "role": "agent", "password": "a long passphrase"}))]
pub struct CreateUser {
    #[validate(custom(function = "validation::email"))]
    pub email: String,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    pub name: String,
    #[schema(schema_with = wire::role)]
    pub role: Role,
    /// At least 10 characters.
    #[validate(custom(function = "validation::password"))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
    #[validate(custom(function = "validation::phone"))]
    pub phone: Option<String>,
    /// The PBX extension they answer on (telephony logs name who took a call by it).
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    pub extension: Option<String>,
    /// Required for role `partner` (and only for it): the partner they work for.
    pub partner_id: Option<Uuid>,
    /// Cost of an hour of work in minor units; default 0.
    #[validate(range(min = 0, max = 100_000_000))]
    #[schema(minimum = 0, maximum = 100000000)]
    #[serde(default)]
    pub cost_rate_minor: i64,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"name": "Ana Kos-Novak", "phone": null, "active": true}))]
pub struct UpdateUser {
    #[validate(custom(function = "validation::email"))]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub email: Option<String>,
    #[validate(custom(function = "validation::not_blank"), length(max = 200))]
    #[schema(max_length = 200, min_length = 1, pattern = r"\S")]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub name: Option<String>,
    #[schema(schema_with = wire::role)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub role: Option<Role>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(custom(function = "validation::phone"))]
    pub phone: Option<Option<String>>,
    /// The PBX extension; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[validate(length(min = 1, max = 32))]
    #[schema(min_length = 1, max_length = 32)]
    pub extension: Option<Option<String>>,
    /// `false` deactivates the account and ends its sessions.
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub active: Option<bool>,
    /// `null` clears it (when the role stops being `partner`).
    #[serde(default, deserialize_with = "double_option")]
    pub partner_id: Option<Option<Uuid>>,
    /// Applies to time logged from now on; existing entries keep the rate they were written with.
    #[validate(range(min = 0, max = 100_000_000))]
    #[schema(minimum = 0, maximum = 100000000)]
    #[serde(default, deserialize_with = "crate::conventions::patch::present")]
    #[schema(nullable = false)]
    pub cost_rate_minor: Option<i64>,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"password": "a new long passphrase"}))]
pub struct SetPassword {
    #[validate(custom(function = "validation::password"))]
    #[schema(min_length = 10, max_length = 256)]
    pub password: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilterParams {
    /// Search in name and email.
    pub q: Option<String>,
    #[param(schema_with = wire::role)]
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Checks that a partner user names an existing partner and nobody else names one.
async fn partner_link(conn: &impl ConnectionTrait, role: Role, partner_id: Option<Uuid>) -> ApiResult<()> {
    rules::check_partner_link(role, partner_id).map_err(|e| Error::domain(&e))?;
    if let Some(partner) = partner_id {
        crate::conventions::validation::referenced("partner_id", partners::get(conn, partner).await)?;
    }
    Ok(())
}

/// An email already checked by the DTO's validation, as the domain type.
pub(crate) fn checked_email(raw: &str) -> ApiResult<Email> {
    Email::parse(raw).map_err(|e| ApiError::invalid_field("email", field::EMAIL, e.to_string()))
}

/// Lists staff accounts.
#[utoipa::path(
    operation_id = "list_users",
    tag = tags::USERS,
    params(PageParams, UserFilterParams),
    responses((status = 200, body = Paged<UserOut>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/users")]
pub async fn list(
    auth: Authorized<can::UsersRead>,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<UserFilterParams>,
) -> ApiResult<web::Json<Paged<UserOut>>> {
    let filter = UserFilter { q: filter.q.clone(), role: filter.role, active: filter.active };
    let page = users::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, |u| UserOut::from(u).seen_by(auth.principal()))))
}

/// Creates a staff account (admins).
#[utoipa::path(
    operation_id = "create_user",
    tag = tags::USERS,
    request_body = CreateUser,
    responses(
        (status = 201, body = UserOut, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create(
    caller: Authorized<can::UsersManage>,
    state: web::Data<AppState>,
    body: web::Json<CreateUser>,
) -> ApiResult<HttpResponse> {
    let body = body.into_inner();
    body.validate()?;
    let email = checked_email(&body.email)?;
    let phone = body.phone.as_deref().map(validation::normalize_phone);
    partner_link(&state.db, body.role, body.partner_id).await?;
    let password_hash = passwords::hash(body.password).await?;
    let new = NewUser {
        email,
        name: body.name.trim().to_owned(),
        role: body.role,
        password_hash,
        phone,
        extension: body.extension.map(|e| e.trim().to_owned()),
        partner_id: body.partner_id,
        cost_rate_minor: body.cost_rate_minor,
    };
    // A transaction of its own, so an Idempotency-Key is marked carried out with the write.
    let txn = state.db.begin().await?;
    let user = users::create(&txn, new, now()).await?;
    servdesk_usecases::commit(txn).await?;
    tracing::info!(user_id = %user.id, by = %caller.principal().subject(), "user created");
    Ok(created(format!("/api/v1/users/{}", user.id), user.version, &UserOut::from(user)))
}

/// One staff account.
#[utoipa::path(
    operation_id = "get_user",
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UserOut, headers(("ETag" = String))),
        NotFound
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/users/{id}")]
pub async fn get(auth: Authorized<can::UsersRead>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let user = users::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), user.version, &UserOut::from(user).seen_by(auth.principal())))
}

/// Changes a staff account (admins). `active: false` deactivates it and ends its sessions;
/// the last active admin cannot be deactivated or demoted.
#[utoipa::path(
    operation_id = "update_user",
    tag = tags::USERS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = UpdateUser,
    responses(
        (status = 200, body = UserOut, headers(("ETag" = String))),
        NotFound,
        (status = 409, description = "`email_taken`, `last_admin`", body = Problem, content_type = "application/problem+json"),
        StaleVersion
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn patch(
    _auth: Authorized<can::UsersManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<UpdateUser>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let body = body.into_inner();
    body.validate()?;
    let changes = UserChanges {
        email: body.email.as_deref().map(checked_email).transpose()?,
        name: body.name.map(|n| n.trim().to_owned()),
        role: body.role,
        phone: body.phone.map(|p| p.as_deref().map(validation::normalize_phone)),
        extension: body.extension.map(|e| e.map(|e| e.trim().to_owned())),
        active: body.active,
        partner_id: body.partner_id,
        cost_rate_minor: body.cost_rate_minor,
    };
    let txn = state.db.begin().await?;
    let current = users::get(&txn, id).await?;
    if changes.role.is_some() || changes.partner_id.is_some() {
        let partner = changes.partner_id.unwrap_or(current.partner_id);
        partner_link(&txn, changes.role.unwrap_or(current.role), partner).await?;
    }
    if current.loses_admin(changes.role, changes.active) {
        let admins = users::count_active_with_role(&txn, Role::Admin).await?;
        current.check_admin_kept(changes.role, changes.active, admins).map_err(|e| Error::domain(&e))?;
    }
    let deactivating = changes.active == Some(false) && current.active;
    let user = users::update(&txn, id, if_match.0, changes, now()).await?;
    if deactivating {
        sessions::revoke_all_for_user(&txn, id, None, "deactivated", now()).await?;
    }
    servdesk_usecases::commit(txn).await?;
    state.session_holders.forget_user(id);
    Ok(versioned(HttpResponse::Ok(), user.version, &UserOut::from(user)))
}

/// Deletes an account that has no history (never logged in, nothing refers to it); others
/// answer 409 `user_has_history` — deactivate them instead.
#[utoipa::path(
    operation_id = "delete_user",
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        NotFound,
        (status = 409, description = "`user_has_history`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete(_auth: Authorized<can::UsersManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let txn = state.db.begin().await?;
    users::delete(&txn, id).await?;
    servdesk_usecases::commit(txn).await?;
    state.session_holders.forget_user(id);
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a user's password (admins) and ends all their sessions.
#[utoipa::path(
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    request_body = SetPassword,
    responses((status = 204, description = "password set"), NotFound),
    security(("bearer" = []))
)]
#[post("/users/{id}/password")]
pub async fn reset_password(
    _auth: Authorized<can::UsersManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<SetPassword>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let id = id.into_inner();
    let hash = passwords::hash(body.into_inner().password).await?;
    let txn = state.db.begin().await?;
    users::set_password(&txn, id, hash, now()).await?;
    sessions::revoke_all_for_user(&txn, id, None, "password_reset", now()).await?;
    servdesk_usecases::commit(txn).await?;
    state.session_holders.forget_user(id);
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(create).service(get).service(patch).service(delete).service(reset_password);
}
