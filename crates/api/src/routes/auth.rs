//! Login, token refresh and logout.

use actix_web::{HttpRequest, HttpResponse, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::Email;
use servdesk_domain::errors::code;
use servdesk_persistence::sessions::Consumed;
use servdesk_persistence::{TransactionTrait, login_failures, sessions, users};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::caller::client_address;
use crate::auth::tokens::{claims_for, random_token, sha256_hex};
use crate::auth::{passwords, throttle};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::state::{AppState, now};

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "admin@servdesk.local", "password": "correct horse battery staple"}))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenPair {
    /// JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Opaque; exchange at `/auth/refresh` for a new pair. Each one works once.
    pub refresh_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"refresh_token": "3q2-7wEXAMPLE"}))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(code::INVALID_CREDENTIALS, "the email or the password is wrong")
}

async fn issue_pair(
    state: &AppState,
    conn: &impl servdesk_persistence::ConnectionTrait,
    user: &users::User,
    session: &sessions::Session,
) -> ApiResult<TokenPair> {
    let refresh_token = random_token(32).map_err(ApiError::internal)?;
    sessions::add_refresh_token(conn, session, sha256_hex(&refresh_token), now()).await?;
    let ttl = state.config.access_token_ttl;
    let access_token = state.jwt.issue(&claims_for(user.id, user.role.as_str(), session.id, now(), ttl)).map_err(ApiError::internal)?;
    Ok(TokenPair { access_token, refresh_token, token_type: "Bearer", expires_in: ttl.as_secs() })
}

/// Logs in with email and password.
///
/// Unknown email and wrong password get the same answer. Failures are limited per account
/// and per client address (429 with `Retry-After`).
#[utoipa::path(
    tag = tags::AUTH,
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "wrong email or password (`invalid_credentials`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "too many failed attempts", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/login")]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: web::Json<LoginRequest>) -> ApiResult<web::Json<TokenPair>> {
    let body = body.into_inner();
    let email = Email::parse(&body.email);
    let account = format!("email:{}", email.as_ref().map_or_else(|_| body.email.trim().to_lowercase(), |e| e.to_string()));
    let address = client_address(&req.connection_info(), state.config.trust_proxy);
    throttle::check_both(&state, &account, &address).await?;

    let found = match &email {
        Ok(email) => users::credentials(&state.db, email).await?,
        Err(_) => None,
    };
    let (user, hash) = found.map_or((None, None), |(u, h)| (Some(u), Some(h)));
    let verified = passwords::verify(hash, body.password).await?;
    let user = match user {
        Some(u) if verified && u.active => u,
        _ => {
            throttle::failed(&state, &account, &address).await?;
            return Err(invalid_credentials());
        }
    };
    let txn = state.db.begin().await?;
    login_failures::clear(&txn, &account).await?;
    let ttl = servdesk_domain::policy::duration(state.config.session_ttl);
    let session = sessions::create(&txn, user.id, now(), ttl).await?;
    let pair = issue_pair(&state, &txn, &user, &session).await?;
    servdesk_usecases::commit(txn).await?;
    tracing::info!(user_id = %user.id, session_id = %session.id, "login");
    Ok(web::Json(pair))
}

/// Exchanges a refresh token for a new pair. Each refresh token works once; presenting a
/// used one again ends the whole session (`refresh_token_reused`).
#[utoipa::path(
    tag = tags::AUTH,
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenPair),
        (status = 401, description = "`invalid_refresh_token`, `refresh_token_reused` or `user_inactive`", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> ApiResult<web::Json<TokenPair>> {
    let txn = state.db.begin().await?;
    match sessions::consume_refresh_token(&txn, &sha256_hex(body.refresh_token.trim()), now()).await? {
        Consumed::Fresh(session) => {
            let user = users::get(&txn, session.user_id).await?;
            if !user.active {
                return Err(ApiError::new(code::USER_INACTIVE, "this account is deactivated"));
            }
            let pair = issue_pair(&state, &txn, &user, &session).await?;
            servdesk_usecases::commit(txn).await?;
            Ok(web::Json(pair))
        }
        Consumed::Reused(session_id) => {
            // Keep the revocation: the token was copied, the session is no longer trusted.
            servdesk_usecases::commit(txn).await?;
            state.session_holders.forget_session(session_id);
            tracing::warn!("refresh token reused; session revoked");
            Err(ApiError::new(code::REFRESH_TOKEN_REUSED, "this refresh token was already used; the session has been ended"))
        }
        Consumed::Invalid => Err(ApiError::new(code::INVALID_REFRESH_TOKEN, "unknown, expired or revoked refresh token")),
    }
}

/// Ends the session the refresh token belongs to. Always 204, also for an unknown token.
#[utoipa::path(tag = tags::AUTH, request_body = RefreshRequest, responses((status = 204, description = "session ended")))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, body: web::Json<RefreshRequest>) -> ApiResult<HttpResponse> {
    let txn = state.db.begin().await?;
    let session_id = sessions::session_of_refresh_token(&txn, &sha256_hex(body.refresh_token.trim())).await?;
    if let Some(session_id) = session_id {
        sessions::revoke(&txn, session_id, "logout", now()).await?;
    }
    servdesk_usecases::commit(txn).await?;
    if let Some(session_id) = session_id {
        state.session_holders.forget_session(session_id);
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Registers this module's routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(refresh).service(logout);
}
