//! Resolving the `Authorization` header to a [`Principal`], once per request.
//!
//! The `authenticate` middleware does the I/O (session and user checks, API key lookup) and
//! leaves its outcome in the request; the [`Caller`] extractor then only reads it, so it is
//! synchronous and, placed first among a handler's arguments, answers 401 before any body
//! or path is looked at.

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, web};
use servdesk_domain::errors::{Code, code};
use servdesk_domain::portal::PortalCustomer;
use servdesk_domain::{Permission, Principal};
use servdesk_persistence::api_keys;

use super::api_keys::split;
use super::tokens::{TokenError, constant_time_eq, sha256_hex};
use crate::dto::pay;
use crate::error::ApiError;
use crate::state::{AppState, now};

#[derive(Debug, Clone)]
pub(super) enum AuthOutcome {
    Anonymous,
    Authenticated(Principal),
    /// A customer's contact logged in to the portal: never a [`Principal`], so no staff
    /// permission can ever reach them.
    Customer(PortalCustomer),
    Rejected {
        code: Code,
        detail: &'static str,
    },
}

/// The role a portal access token carries.
pub const CUSTOMER_ROLE: &str = "customer";

/// The authenticated caller of a request; extracting it answers 401 for anyone else.
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// 403 unless the caller's role or key scopes grant `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.0.can(permission) { Ok(()) } else { Err(ApiError::forbidden()) }
    }

    /// The staff member calling; 403 for an API key (the route is for people).
    pub fn user_id(&self) -> Result<uuid::Uuid, ApiError> {
        self.0.user_id().ok_or_else(ApiError::forbidden)
    }

    pub fn principal(&self) -> &Principal {
        &self.0
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match req.extensions().get::<AuthOutcome>() {
            Some(AuthOutcome::Authenticated(p)) => Ok(Caller(p.clone())),
            Some(AuthOutcome::Rejected { code, detail }) => Err(ApiError::new(*code, *detail)),
            Some(AuthOutcome::Customer(_)) => {
                Err(ApiError::new(code::CUSTOMER_TOKEN, "a customer's portal token opens the portal routes (/api/v1/portal) only"))
            }
            Some(AuthOutcome::Anonymous) | None => {
                Err(ApiError::new(code::MISSING_CREDENTIALS, "send `Authorization: Bearer <access token or API key>`"))
            }
        })
    }
}

/// The principal of a request the middleware authenticated, for other middleware
/// (idempotency records are kept per principal).
/// Who an anonymous request is counted against (failed logins, rate limits): its client
/// address, the forwarded one when a trusted proxy sets it.
pub fn client_address(info: &actix_web::dev::ConnectionInfo, trust_proxy: bool) -> String {
    let address = if trust_proxy { info.realip_remote_addr() } else { info.peer_addr() };
    format!("ip:{}", address.unwrap_or("unknown"))
}

pub fn principal_of(req: &ServiceRequest) -> Option<Principal> {
    match req.extensions().get::<AuthOutcome>() {
        Some(AuthOutcome::Authenticated(p)) => Some(p.clone()),
        _ => None,
    }
}

pub async fn authenticate(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let token = req.headers().get(header::AUTHORIZATION).map(|v| v.to_str().map(str::to_owned));
    let outcome = match token {
        None => AuthOutcome::Anonymous,
        Some(Err(_)) => rejected_malformed(),
        Some(Ok(value)) => match value.strip_prefix("Bearer ").map(str::trim) {
            None | Some("") => rejected_malformed(),
            Some(token) => {
                let resolved = match req.app_data::<web::Data<AppState>>() {
                    Some(state) => resolve(state, token).await,
                    None => Err(ApiError::internal("AppState missing")),
                };
                match resolved {
                    Ok(outcome) => outcome,
                    Err(e) => {
                        let response = actix_web::ResponseError::error_response(&e);
                        return Ok(req.into_response(response).map_into_right_body());
                    }
                }
            }
        },
    };
    let principal = match &outcome {
        AuthOutcome::Authenticated(p) => Some(p.clone()),
        _ => None,
    };
    req.extensions_mut().insert(outcome);
    pay::scope(principal.as_ref(), next.call(req)).await.map(ServiceResponse::map_into_left_body)
}

fn rejected_malformed() -> AuthOutcome {
    AuthOutcome::Rejected { code: code::INVALID_CREDENTIALS, detail: "the Authorization header must be `Bearer <token>`" }
}

async fn resolve(state: &AppState, token: &str) -> Result<AuthOutcome, ApiError> {
    if let Some((prefix, secret)) = split(token) {
        return resolve_api_key(state, prefix, secret).await;
    }
    let claims = match state.jwt.verify(token) {
        Ok(c) => c,
        Err(TokenError::Expired) => {
            return Ok(AuthOutcome::Rejected { code: code::TOKEN_EXPIRED, detail: "the access token expired; refresh it" });
        }
        Err(TokenError::Invalid) => return Ok(AuthOutcome::Rejected { code: code::INVALID_TOKEN, detail: "the token is not valid" }),
    };
    if claims.role == CUSTOMER_ROLE {
        return resolve_customer(state, &claims).await;
    }
    // Checked on every request (remembered for a moment: see `holders`) so logout,
    // deactivation and role changes apply now, not when the access token happens to expire.
    let holder = match state.session_holders.get(&state.db, claims.sid).await {
        Ok(h) => h,
        Err(servdesk_persistence::StoreError::NotFound) => {
            return Ok(AuthOutcome::Rejected { code: code::INVALID_TOKEN, detail: "the token is not valid" });
        }
        Err(e) => return Err(e.into()),
    };
    if holder.revoked || holder.user_id != claims.sub {
        return Ok(AuthOutcome::Rejected { code: code::SESSION_REVOKED, detail: "this session was ended; log in again" });
    }
    if !holder.active {
        return Ok(AuthOutcome::Rejected { code: code::USER_INACTIVE, detail: "this account is deactivated" });
    }
    // The role is read now, not from the token, so a role change applies at once.
    Ok(AuthOutcome::Authenticated(Principal::User { id: holder.user_id, role: holder.role, session_id: claims.sid }))
}

async fn resolve_api_key(state: &AppState, prefix: &str, secret: &str) -> Result<AuthOutcome, ApiError> {
    let invalid = AuthOutcome::Rejected { code: code::INVALID_API_KEY, detail: "unknown or revoked API key" };
    let Some((key, secret_hash)) = api_keys::find_by_prefix(&state.db, prefix).await? else {
        return Ok(invalid);
    };
    if key.revoked_at.is_some() || !constant_time_eq(&secret_hash, &sha256_hex(secret)) {
        return Ok(invalid);
    }
    api_keys::touch(&state.db, key.id, now()).await?;
    Ok(AuthOutcome::Authenticated(Principal::ApiKey { id: key.id, scopes: key.scopes }))
}

/// A portal token: its session is checked on every request (revoked, expired, access taken
/// away or the contact deactivated all end it at once).
async fn resolve_customer(state: &AppState, claims: &super::tokens::Claims) -> Result<AuthOutcome, ApiError> {
    match servdesk_usecases::portal::accounts::holder(state, claims.sid).await? {
        Some(customer) if customer.contact_id == claims.sub => Ok(AuthOutcome::Customer(customer)),
        _ => Ok(AuthOutcome::Rejected { code: code::SESSION_REVOKED, detail: "this portal session was ended; log in again" }),
    }
}

/// The outcome the middleware left in a request.
pub(super) fn outcome_of(req: &HttpRequest) -> Option<AuthOutcome> {
    req.extensions().get::<AuthOutcome>().cloned()
}
