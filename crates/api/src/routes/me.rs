//! The caller themself.

use actix_web::{HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::Principal;
use servdesk_domain::errors::field;
use servdesk_persistence::{TransactionTrait, api_keys, sessions, users};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use validator::Validate;

use crate::auth::{Caller, passwords};
use crate::conventions::validation;
use crate::dto::ApiKeyOut;
use crate::dto::UserOut;
use crate::error::{ApiError, ApiResult, FieldError, Problem};
use crate::openapi::tags;
use crate::state::{AppState, now};

/// A staff member, or the API key an integration calls with.
#[derive(Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Me {
    User(UserOut),
    ApiKey(ApiKeyOut),
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"current_password": "old long passphrase", "new_password": "new long passphrase"}))]
pub struct ChangePassword {
    pub current_password: String,
    #[validate(custom(function = "validation::password"))]
    #[schema(min_length = 10, max_length = 256)]
    pub new_password: String,
}

/// Who is calling: the user (any role) or the API key.
#[utoipa::path(tag = tags::AUTH, responses((status = 200, body = Me)), security(("bearer" = []), ("api_key" = [])))]
#[get("/me")]
pub async fn get_me(caller: Caller, state: web::Data<AppState>) -> ApiResult<web::Json<Me>> {
    Ok(web::Json(match caller.principal() {
        Principal::User { id, .. } => Me::User(users::get(&state.db, *id).await?.into()),
        Principal::ApiKey { id, .. } => Me::ApiKey(api_keys::get(&state.db, *id).await?.into()),
        // Never the caller of a request.
        Principal::System => return Err(ApiError::forbidden()),
    }))
}

/// Changes the caller's own password; their other sessions end, this one stays.
#[utoipa::path(
    tag = tags::AUTH,
    request_body = ChangePassword,
    responses(
        (status = 204, description = "password changed"),
        (status = 422, description = "`validation_failed`: wrong current password or weak new one", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []))
)]
#[post("/me/password")]
pub async fn change_password(caller: Caller, state: web::Data<AppState>, body: web::Json<ChangePassword>) -> ApiResult<HttpResponse> {
    let user_id = caller.user_id()?;
    let body = body.into_inner();
    let mut errors = body.validate().err().map(|e| ApiError::from(e).0.errors).unwrap_or_default();
    let current_hash = users::password_hash(&state.db, user_id).await?;
    if !passwords::verify(Some(current_hash), body.current_password).await? {
        errors.insert(0, FieldError::new("current_password", field::WRONG_PASSWORD, "the current password is wrong"));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let hash = passwords::hash(body.new_password).await?;
    let session_id = match caller.principal() {
        Principal::User { session_id, .. } => Some(*session_id),
        Principal::ApiKey { .. } | Principal::System => None,
    };
    let txn = state.db.begin().await?;
    users::set_password(&txn, user_id, hash, now()).await?;
    sessions::revoke_all_for_user(&txn, user_id, session_id, "password_changed", now()).await?;
    servdesk_usecases::commit(txn).await?;
    state.session_holders.forget_user(user_id);
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_me).service(change_password);
}
