//! Portal login: a password, an emailed one-time login link, or the invitation link that
//! sets the first password. Failed password logins are throttled as staff logins are.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};
use servdesk_domain::Email;
use servdesk_domain::errors::code;
use servdesk_domain::portal::{LinkPurpose, PortalRole};
use servdesk_usecases::portal::accounts::{self, Login};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::caller::{CUSTOMER_ROLE, client_address};
use crate::auth::tokens::claims_for;
use crate::auth::{Customer, passwords, throttle};
use crate::conventions::validation;
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::tags;
use crate::state::{AppState, now};
use crate::wire;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"email": "anna.nowak@example.com", "password": "correct horse battery staple"}))]
pub struct PortalLoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"email": "anna.nowak@example.com"}))]
pub struct LoginLinkRequest {
    #[validate(custom(function = "validation::email"))]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"token": "Zm9yIGV4YW1wbGUgb25seSwgbm90IGEgcmVhbCB0b2tlbg"}))]
pub struct RedeemRequest {
    /// The `token` of the emailed link.
    pub token: String,
}

#[derive(Deserialize, ToSchema, Validate)]
#[schema(example = json!({"token": "Zm9yIGV4YW1wbGUgb25seSwgbm90IGEgcmVhbCB0b2tlbg", "password": "correct horse battery staple"}))]
pub struct AcceptInvitationRequest {
    /// The `token` of the invitation link.
    pub token: String,
    /// The password to set.
    #[validate(custom(function = "validation::password"))]
    pub password: String,
}

/// A portal access token. It lasts the whole portal session (12 hours unless configured);
/// log in again after it.
#[derive(Serialize, ToSchema)]
pub struct PortalToken {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    pub expires_in: u64,
    pub contact_id: Uuid,
    pub customer_id: Uuid,
    #[schema(schema_with = wire::portal_role)]
    pub role: PortalRole,
}

fn token(state: &AppState, session: &Login) -> ApiResult<PortalToken> {
    let ttl = state.config.portal_session_ttl;
    let c = &session.customer;
    let claims = claims_for(c.contact_id, CUSTOMER_ROLE, c.session_id, now(), ttl);
    let access_token = state.jwt.issue(&claims).map_err(ApiError::internal)?;
    Ok(PortalToken {
        access_token,
        token_type: "Bearer",
        expires_in: ttl.as_secs(),
        contact_id: c.contact_id,
        customer_id: c.customer_id,
        role: c.role,
    })
}

/// Logs a contact in with their email and password.
#[utoipa::path(
    operation_id = "portal_login",
    tag = tags::PORTAL,
    request_body = PortalLoginRequest,
    responses(
        (status = 200, body = PortalToken),
        (status = 401, description = "`invalid_credentials`: wrong email or password, no portal access, or no password set yet", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "`too_many_login_attempts`", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/portal/auth/login")]
pub async fn login(state: web::Data<AppState>, req: HttpRequest, body: web::Json<PortalLoginRequest>) -> ApiResult<web::Json<PortalToken>> {
    let body = body.into_inner();
    let email = Email::parse(&body.email);
    let account = format!("portal:{}", email.as_ref().map_or_else(|_| body.email.trim().to_lowercase(), |e| e.to_string()));
    let address = client_address(&req.connection_info(), state.config.trust_proxy);
    throttle::check_both(&state, &account, &address).await?;
    let candidates = match &email {
        Ok(email) => accounts::password_candidates(&state, email).await?,
        Err(_) => Vec::new(),
    };
    let mut matched = None;
    for (candidate, hash) in candidates {
        if passwords::verify(Some(hash), body.password.clone()).await? {
            matched = Some(candidate);
            break;
        }
    }
    if matched.is_none() {
        // The same work as a wrong password, so an unknown address takes as long.
        passwords::verify(None, body.password).await?;
    }
    let Some(found) = matched else {
        throttle::failed(&state, &account, &address).await?;
        return Err(ApiError::new(code::INVALID_CREDENTIALS, "the email or the password is wrong"));
    };
    throttle::succeeded(&state, &account).await?;
    let session = accounts::start_session(&state, &found).await?;
    Ok(web::Json(token(&state, &session)?))
}

/// Emails a one-time login link (15 minutes) to the contact with this address, if there is
/// one with portal access. The answer is the same either way.
#[utoipa::path(
    operation_id = "portal_login_link",
    tag = tags::PORTAL,
    request_body = LoginLinkRequest,
    responses(
        (status = 202, description = "If the address belongs to a portal user, a link is on its way"),
        (status = 422, description = "`validation_failed`: not an email address", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/portal/auth/login-link")]
pub async fn login_link(state: web::Data<AppState>, body: web::Json<LoginLinkRequest>) -> ApiResult<HttpResponse> {
    body.validate()?;
    let email =
        Email::parse(&body.email).map_err(|e| ApiError::invalid_field("email", servdesk_domain::errors::field::EMAIL, e.to_string()))?;
    accounts::send_login_link(&state, &email).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Logs in with an emailed login link's token (once).
#[utoipa::path(
    operation_id = "portal_redeem_login_link",
    tag = tags::PORTAL,
    request_body = RedeemRequest,
    responses(
        (status = 200, body = PortalToken),
        (status = 401, description = "`invalid_link`: unknown, used or expired", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/portal/auth/login-link/redeem")]
pub async fn redeem_login_link(state: web::Data<AppState>, body: web::Json<RedeemRequest>) -> ApiResult<web::Json<PortalToken>> {
    let session = accounts::redeem(&state, &body.token, LinkPurpose::Login, None).await?;
    Ok(web::Json(token(&state, &session)?))
}

/// Accepts an invitation: sets the password and logs in.
#[utoipa::path(
    operation_id = "portal_accept_invitation",
    tag = tags::PORTAL,
    request_body = AcceptInvitationRequest,
    responses(
        (status = 200, body = PortalToken),
        (status = 401, description = "`invalid_link`: unknown, used or expired", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`validation_failed`: `password_policy`", body = Problem, content_type = "application/problem+json")
    )
)]
#[post("/portal/auth/invitation")]
pub async fn accept_invitation(state: web::Data<AppState>, body: web::Json<AcceptInvitationRequest>) -> ApiResult<web::Json<PortalToken>> {
    body.validate()?;
    let body = body.into_inner();
    let hash = passwords::hash(body.password).await?;
    let session = accounts::redeem(&state, &body.token, LinkPurpose::Invitation, Some(hash)).await?;
    Ok(web::Json(token(&state, &session)?))
}

/// Ends the portal session of the token.
#[utoipa::path(
    operation_id = "portal_logout",
    tag = tags::PORTAL,
    responses((status = 204, description = "Logged out"), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[post("/portal/auth/logout")]
pub async fn logout(who: Customer, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    accounts::end_session(&state, who.0.session_id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The logged-in contact.
#[derive(Serialize, ToSchema)]
pub struct PortalMe {
    pub contact_id: Uuid,
    pub name: String,
    pub email: Option<String>,
    pub customer_id: Uuid,
    pub customer_name: String,
    #[schema(schema_with = wire::portal_role)]
    pub role: PortalRole,
}

/// The logged-in contact, their company and role.
#[utoipa::path(
    operation_id = "portal_me",
    tag = tags::PORTAL,
    responses((status = 200, body = PortalMe), (status = 401, description = "no portal token", body = Problem, content_type = "application/problem+json")),
    security(("bearer" = []))
)]
#[get("/portal/me")]
pub async fn me(who: Customer, state: web::Data<AppState>) -> ApiResult<web::Json<PortalMe>> {
    let contact = servdesk_persistence::directory::contacts::get(&state.db, who.0.contact_id).await?;
    let customer = servdesk_persistence::directory::customers::get(&state.db, who.0.customer_id).await?;
    Ok(web::Json(PortalMe {
        contact_id: contact.id,
        name: contact.name,
        email: contact.email.map(|e| e.to_string()),
        customer_id: customer.id,
        customer_name: customer.name,
        role: who.0.role,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(login_link).service(redeem_login_link).service(accept_invitation).service(logout).service(me);
}
