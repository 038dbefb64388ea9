//! Staff accounts: admins manage them; staff read the directory.

use actix_web::http::header;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::{Email, Permission, Role, password};
use servdesk_persistence::users::{NewUser, User, UserChanges, UserFilter};
use servdesk_persistence::{TransactionTrait, sessions, users};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::tags;
use crate::auth::{Caller, passwords};
use crate::conventions::etag::{IfMatch, versioned};
use crate::conventions::pagination::{PageParams, Paged};
use crate::conventions::patch::double_option;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::state::{AppState, now};

#[derive(Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub phone: Option<String>,
    pub active: bool,
    /// Send back in `If-Match` (as the `ETag`) to update safely.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserView {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            role: Role::parse(&u.role).unwrap_or(Role::Agent),
            email: u.email,
            name: u.name,
            phone: u.phone,
            active: u.active,
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "ana.kos@example.com", "name": "Ana Kos", "role": "agent", "password": "a long passphrase"}))]
pub struct CreateUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// At least 10 characters.
    pub password: String,
    pub phone: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"name": "Ana Kos-Novak", "phone": null, "active": true}))]
pub struct PatchUser {
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Option<Role>,
    /// `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    pub phone: Option<Option<String>>,
    /// `false` deactivates the account and ends its sessions.
    pub active: Option<bool>,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"password": "a new long passphrase"}))]
pub struct SetPassword {
    pub password: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilterParams {
    /// Search in name and email.
    pub q: Option<String>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

/// Field checks shared by create and patch.
#[derive(Default)]
pub(crate) struct Checks(Vec<FieldError>);

impl Checks {
    pub(crate) fn fail(&mut self, field: &str, code: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.to_owned(), code: code.to_owned(), message: message.into() });
    }

    pub(crate) fn email(&mut self, field: &str, raw: &str) -> String {
        match Email::parse(raw) {
            Ok(e) => e.to_string(),
            Err(e) => {
                self.fail(field, "email", e.to_string());
                String::new()
            }
        }
    }

    pub(crate) fn text(&mut self, field: &str, raw: &str, max: usize) -> String {
        let value = raw.trim().to_owned();
        if value.is_empty() || value.chars().count() > max {
            self.fail(field, "length", format!("must be 1–{max} characters"));
        }
        value
    }

    pub(crate) fn password(&mut self, field: &str, raw: &str) {
        if let Err(e) = password::check(raw) {
            self.fail(field, "password_policy", e.to_string());
        }
    }

    pub(crate) fn finish(self) -> ApiResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(ApiError::validation(self.0)) }
    }
}

fn phone(checks: &mut Checks, raw: &str) -> String {
    let value: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let digits = value.trim_start_matches('+');
    if digits.len() < 5 || digits.len() > 20 || !digits.chars().all(|c| c.is_ascii_digit()) {
        checks.fail("phone", "phone", "must be a phone number (digits, optional leading +)");
    }
    value
}

/// Lists staff accounts.
#[utoipa::path(
    tag = tags::USERS,
    params(PageParams, UserFilterParams),
    responses((status = 200, body = Paged<UserView>)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/users")]
pub async fn list(
    caller: Caller,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<UserFilterParams>,
) -> ApiResult<web::Json<Paged<UserView>>> {
    caller.require(Permission::UsersRead)?;
    let filter = UserFilter { q: filter.q.clone(), role: filter.role.map(|r| r.as_str().to_owned()), active: filter.active };
    let page = users::list(&state.db, &filter, page.to_request()?).await?;
    Ok(web::Json(Paged::from_page(page, UserView::from)))
}

/// Creates a staff account (admins).
#[utoipa::path(
    tag = tags::USERS,
    request_body = CreateUser,
    responses(
        (status = 201, body = UserView, headers(("ETag" = String), ("Location" = String))),
        (status = 409, description = "`email_taken`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/users")]
pub async fn create(caller: Caller, state: web::Data<AppState>, body: web::Json<CreateUser>) -> ApiResult<HttpResponse> {
    caller.require(Permission::UsersManage)?;
    let body = body.into_inner();
    let mut checks = Checks::default();
    let email = checks.email("email", &body.email);
    let name = checks.text("name", &body.name, 200);
    checks.password("password", &body.password);
    let phone = body.phone.as_deref().map(|p| phone(&mut checks, p));
    checks.finish()?;
    let password_hash = passwords::hash(body.password).await?;
    let user = users::create(&state.db, NewUser { email, name, role: body.role.as_str().to_owned(), password_hash, phone }, now()).await?;
    tracing::info!(user_id = %user.id, by = %caller.principal().subject(), "user created");
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, format!("/api/v1/users/{}", user.id)));
    Ok(versioned(response, user.version, &UserView::from(user)))
}

/// One staff account.
#[utoipa::path(
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UserView, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/users/{id}")]
pub async fn get(caller: Caller, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    caller.require(Permission::UsersRead)?;
    let user = users::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), user.version, &UserView::from(user)))
}

/// Changes a staff account (admins). `active: false` deactivates it and ends its sessions;
/// the last active admin cannot be deactivated or demoted.
#[utoipa::path(
    tag = tags::USERS,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "ETag of the version you read")),
    request_body = PatchUser,
    responses(
        (status = 200, body = UserView, headers(("ETag" = String))),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`email_taken`, `last_admin`", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "`stale_version`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[patch("/users/{id}")]
pub async fn patch(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<PatchUser>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::UsersManage)?;
    let id = id.into_inner();
    let body = body.into_inner();
    let mut checks = Checks::default();
    let changes = UserChanges {
        email: body.email.as_deref().map(|e| checks.email("email", e)),
        name: body.name.as_deref().map(|n| checks.text("name", n, 200)),
        role: body.role.map(|r| r.as_str().to_owned()),
        phone: body.phone.map(|p| p.as_deref().map(|p| phone(&mut checks, p))),
        active: body.active,
    };
    checks.finish()?;
    let txn = state.db.begin().await?;
    let current = users::get(&txn, id).await?;
    let loses_admin = current.active
        && current.role == Role::Admin.as_str()
        && (changes.active == Some(false) || changes.role.as_deref().is_some_and(|r| r != Role::Admin.as_str()));
    if loses_admin && users::count_active_with_role(&txn, Role::Admin.as_str()).await? <= 1 {
        return Err(ApiError::conflict("last_admin", "this is the last active admin; make someone else admin first"));
    }
    let deactivating = changes.active == Some(false) && current.active;
    let user = users::update(&txn, id, if_match.0, changes, now()).await?;
    if deactivating {
        sessions::revoke_all_for_user(&txn, id, None, "deactivated", now()).await?;
    }
    txn.commit().await?;
    Ok(versioned(HttpResponse::Ok(), user.version, &UserView::from(user)))
}

/// Deletes an account that has no history (never logged in, nothing refers to it); others
/// answer 409 `user_has_history` — deactivate them instead.
#[utoipa::path(
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`user_has_history`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[delete("/users/{id}")]
pub async fn delete(caller: Caller, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    caller.require(Permission::UsersManage)?;
    let txn = state.db.begin().await?;
    users::delete(&txn, id.into_inner()).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Sets a user's password (admins) and ends all their sessions.
#[utoipa::path(
    tag = tags::USERS,
    params(("id" = Uuid, Path)),
    request_body = SetPassword,
    responses((status = 204, description = "password set"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/users/{id}/password")]
pub async fn reset_password(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<SetPassword>,
) -> ApiResult<HttpResponse> {
    caller.require(Permission::UsersManage)?;
    let mut checks = Checks::default();
    checks.password("password", &body.password);
    checks.finish()?;
    let id = id.into_inner();
    let hash = passwords::hash(body.into_inner().password).await?;
    let txn = state.db.begin().await?;
    users::set_password(&txn, id, hash, now()).await?;
    sessions::revoke_all_for_user(&txn, id, None, "password_reset", now()).await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
