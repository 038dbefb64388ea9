//! Staff give a contact access to the customers' portal: an invitation (again, to resend
//! it or change the contact's role) and the account's state.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::portal::PortalRole;
use servdesk_persistence::portal::Account;
use servdesk_usecases::portal::accounts;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::auth::{Authorized, can};
use crate::error::{ApiResult, Problem};
use crate::openapi::{NotFound, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"role": "requester"}))]
pub struct InvitationIn {
    /// `requester` (default) or `manager`.
    #[schema(schema_with = wire::portal_role)]
    pub role: Option<PortalRole>,
}

#[derive(Serialize, ToSchema)]
pub struct PortalAccountOut {
    pub contact_id: Uuid,
    pub customer_id: Uuid,
    #[schema(schema_with = wire::portal_role)]
    pub role: PortalRole,
    /// Whether the contact may log in now (staff can switch `portal_access` off on the contact).
    pub portal_access: bool,
    pub invited_at: Option<DateTime<Utc>>,
    /// When the contact first set a password or logged in.
    pub activated_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
}

impl From<Account> for PortalAccountOut {
    fn from(a: Account) -> Self {
        PortalAccountOut {
            contact_id: a.contact_id,
            customer_id: a.customer_id,
            role: a.role,
            portal_access: a.portal_access && a.active,
            invited_at: a.invited_at,
            activated_at: a.activated_at,
            last_login_at: a.last_login_at,
        }
    }
}

/// Invites the contact to the portal: grants portal access and emails a link (valid 7
/// days) to set a password. Inviting again sends a new link (the old one stops working)
/// and sets the role.
#[utoipa::path(
    operation_id = "invite_to_portal",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path, description = "The contact")),
    request_body = InvitationIn,
    responses(
        (status = 201, body = PortalAccountOut),
        NotFound,
        (status = 422, description = "`validation_failed`: the contact has no email (`email`: `required`) or is deactivated", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/contacts/{id}/portal-invitation")]
pub async fn invite(
    _auth: Authorized<can::DirectoryWrite>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: web::Json<InvitationIn>,
) -> ApiResult<HttpResponse> {
    let invited = accounts::invite(&state, id.into_inner(), body.role.unwrap_or(PortalRole::Requester)).await?;
    Ok(HttpResponse::Created().json(PortalAccountOut::from(invited)))
}

/// The contact's portal account (404 when never invited).
#[utoipa::path(
    operation_id = "get_portal_account",
    tag = tags::DIRECTORY,
    params(("id" = Uuid, Path, description = "The contact")),
    responses((status = 200, body = PortalAccountOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/contacts/{id}/portal-account")]
pub async fn account(
    _auth: Authorized<can::DirectoryRead>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PortalAccountOut>> {
    Ok(web::Json(accounts::account(&state, id.into_inner()).await?.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(invite).service(account);
}
