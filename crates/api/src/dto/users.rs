//! Staff accounts and API keys on the wire (shown by users, API keys and the caller's own `/me`).

use chrono::{DateTime, Utc};
use serde::Serialize;
use servdesk_domain::users::User;
use servdesk_domain::{ApiKey, Permission, Principal, Role, Scope};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire;

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    #[schema(schema_with = wire::role)]
    pub role: Role,
    pub phone: Option<String>,
    /// The PBX extension they answer on.
    pub extension: Option<String>,
    pub active: bool,
    /// The partner a `partner` user works for.
    pub partner_id: Option<Uuid>,
    /// Cost of an hour of this person's work in minor units (cents). Shown to admins, finance
    /// and the person themselves; `null` to others.
    pub cost_rate_minor: Option<i64>,
    /// Send back in `If-Match` (as the `ETag`) to update safely.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email.to_string(),
            name: u.name,
            role: u.role,
            phone: u.phone,
            extension: u.extension,
            active: u.active,
            partner_id: u.partner_id,
            cost_rate_minor: Some(u.cost_rate_minor),
            version: u.version,
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

impl UserOut {
    /// The account as `viewer` may see it: cost rates are pay data.
    pub fn seen_by(mut self, viewer: &Principal) -> Self {
        let sees_rates = viewer.user_id() == Some(self.id) || viewer.can(Permission::CostsRead);
        if !sees_rates {
            self.cost_rate_minor = None;
        }
        self
    }
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyOut {
    pub id: Uuid,
    pub name: String,
    /// The key's public part (`sdk_<prefix>_…`), to tell keys apart.
    pub prefix: String,
    #[schema(schema_with = wire::scopes)]
    pub scopes: Vec<Scope>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// Updated at most once a minute.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyOut {
    fn from(k: ApiKey) -> Self {
        Self {
            scopes: k.scopes,
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            created_by: k.created_by,
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}
