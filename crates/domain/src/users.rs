//! Staff: user accounts (roles, partner links) and the teams they work in.
//!
//! A user's email is unique (case-insensitively, see [`Email`]); users with history are
//! deactivated, never deleted; there is always at least one active admin (checked by the
//! use case, which can count them). A team is a named queue of staff.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::Role;
use crate::email::Email;
use crate::errors::{Code, DomainError, code, field};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: Email,
    pub name: String,
    pub role: Role,
    pub phone: Option<String>,
    /// The PBX extension they answer on (telephony names who took a call by it).
    pub extension: Option<String>,
    pub active: bool,
    /// The subcontractor a `partner` user works for (set for partners, and only for them).
    pub partner_id: Option<Uuid>,
    /// What an hour of this person's work costs, in minor units; copied into each time entry.
    pub cost_rate_minor: i64,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whether this change takes away an active admin (deactivation or another role).
    pub fn loses_admin(&self, new_role: Option<Role>, new_active: Option<bool>) -> bool {
        self.active && self.role == Role::Admin && (new_active == Some(false) || new_role.is_some_and(|r| r != Role::Admin))
    }

    /// The change may go ahead unless it takes away the last active admin (`active_admins`:
    /// how many there are now).
    pub fn check_admin_kept(&self, new_role: Option<Role>, new_active: Option<bool>, active_admins: u64) -> Result<(), LastAdmin> {
        if self.loses_admin(new_role, new_active) && active_admins <= 1 { Err(LastAdmin) } else { Ok(()) }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this is the last active admin; make someone else admin first")]
pub struct LastAdmin;

impl DomainError for LastAdmin {
    fn code(&self) -> Code {
        code::LAST_ADMIN
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartnerLinkRefused {
    #[error("a partner user must name the partner they work for")]
    Missing,
    #[error("only partner users work for a partner")]
    NotAPartner,
}

impl DomainError for PartnerLinkRefused {
    fn code(&self) -> Code {
        field::PARTNER_LINK
    }

    fn field(&self) -> Option<&'static str> {
        Some("partner_id")
    }
}

/// Partner users (subcontractors' field staff) belong to exactly one partner; staff of our
/// own roles belong to none.
pub fn check_partner_link(role: Role, partner_id: Option<Uuid>) -> Result<(), PartnerLinkRefused> {
    match (role, partner_id) {
        (Role::Partner, None) => Err(PartnerLinkRefused::Missing),
        (Role::Partner, Some(_)) | (_, None) => Ok(()),
        (_, Some(_)) => Err(PartnerLinkRefused::NotAPartner),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin(active: bool) -> User {
        User {
            id: Uuid::nil(),
            email: Email::parse("a@example.com").unwrap(),
            name: "A".into(),
            role: Role::Admin,
            phone: None,
            extension: None,
            active,
            partner_id: None,
            cost_rate_minor: 0,
            version: 1,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            updated_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn deactivating_or_demoting_an_active_admin_loses_an_admin() {
        assert!(admin(true).loses_admin(None, Some(false)));
        assert!(admin(true).loses_admin(Some(Role::Agent), None));
    }

    #[test]
    fn the_last_active_admin_is_neither_demoted_nor_deactivated() {
        assert_eq!(admin(true).check_admin_kept(Some(Role::Agent), None, 1), Err(LastAdmin));
        assert_eq!(admin(true).check_admin_kept(None, Some(false), 1), Err(LastAdmin));
        assert_eq!(admin(true).check_admin_kept(None, Some(false), 2), Ok(()));
        assert_eq!(admin(true).check_admin_kept(None, Some(true), 1), Ok(()));
    }

    #[test]
    fn a_partner_user_needs_a_partner_and_nobody_else_has_one() {
        let partner = Some(Uuid::nil());
        assert_eq!(check_partner_link(Role::Partner, partner), Ok(()));
        assert_eq!(check_partner_link(Role::Partner, None), Err(PartnerLinkRefused::Missing));
        assert_eq!(check_partner_link(Role::Technician, partner), Err(PartnerLinkRefused::NotAPartner));
        assert_eq!(check_partner_link(Role::Technician, None), Ok(()));
    }

    #[test]
    fn renaming_an_admin_or_touching_an_inactive_one_loses_none() {
        assert!(!admin(true).loses_admin(Some(Role::Admin), Some(true)));
        assert!(!admin(false).loses_admin(Some(Role::Agent), Some(false)));
    }
}
