//! The customers' portal: which contacts may log in, what each sees, and the one-time links
//! that invite them and log them in.
//!
//! A contact with portal access is either a *requester*, who sees the requests they made,
//! or a *manager* of their company, who sees all of the company's and its bills. What a
//! customer may not see does not exist for them: it answers as unknown, never as forbidden.

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::access::Visibility;

named_enum! {
    /// What a contact sees in the portal.
    PortalRole {
        /// The requests they made (the tickets and calls they are the contact of).
        Requester = "requester",
        /// Every request of their company, its equipment and its bills.
        Manager = "manager",
    }
}

named_enum! {
    /// What a one-time portal link is for.
    LinkPurpose {
        /// Sets the first password (sent when staff invite the contact).
        Invitation = "invitation",
        /// Logs in without a password (asked for on the login page).
        Login = "login",
    }
}

impl LinkPurpose {
    /// How long a link of this purpose works: an invitation waits a week for its reader,
    /// a login link is meant for now.
    pub fn lifetime(self) -> Duration {
        match self {
            LinkPurpose::Invitation => Duration::days(7),
            LinkPurpose::Login => Duration::minutes(15),
        }
    }
}

/// A contact who may log in to the portal, as a request sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalCustomer {
    pub contact_id: Uuid,
    pub customer_id: Uuid,
    pub role: PortalRole,
    pub session_id: Uuid,
}

impl PortalCustomer {
    /// The tickets this contact sees.
    pub fn visibility(&self) -> Visibility {
        match self.role {
            PortalRole::Requester => Visibility::Requester { contact_id: self.contact_id },
            PortalRole::Manager => Visibility::Company { customer_id: self.customer_id },
        }
    }

    /// Statements and invoices are the company's business: its managers see them.
    pub fn sees_bills(&self) -> bool {
        self.role == PortalRole::Manager
    }
}

/// Why a portal account cannot log in (any more).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the contact has no portal access")]
    NoAccess,
    #[error("the contact is deactivated")]
    Inactive,
}

/// Whether a contact may use the portal: staff granted access and the contact is active.
/// Checked at login and on every request, so taking access away ends open sessions at once.
pub fn check_access(portal_access: bool, active: bool) -> Result<(), Refusal> {
    match (portal_access, active) {
        (_, false) => Err(Refusal::Inactive),
        (false, _) => Err(Refusal::NoAccess),
        (true, true) => Ok(()),
    }
}

/// A one-time link as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink {
    pub id: Uuid,
    pub contact_id: Uuid,
    pub purpose: LinkPurpose,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

impl PortalLink {
    /// A link works once, before it expires, for the purpose it was made for.
    pub fn redeemable(&self, purpose: LinkPurpose, now: DateTime<Utc>) -> bool {
        self.purpose == purpose && self.used_at.is_none() && now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH + Duration::minutes(minutes)
    }

    fn link(purpose: LinkPurpose) -> PortalLink {
        PortalLink { id: Uuid::nil(), contact_id: Uuid::nil(), purpose, expires_at: at(0) + purpose.lifetime(), used_at: None }
    }

    #[test]
    fn a_login_link_works_once_within_a_quarter_of_an_hour() {
        let fresh = link(LinkPurpose::Login);
        assert!(fresh.redeemable(LinkPurpose::Login, at(14)));
        assert!(!fresh.redeemable(LinkPurpose::Login, at(15)));
        let used = PortalLink { used_at: Some(at(1)), ..fresh };
        assert!(!used.redeemable(LinkPurpose::Login, at(2)));
    }

    #[test]
    fn an_invitation_waits_a_week_and_never_logs_in_as_a_login_link() {
        let invitation = link(LinkPurpose::Invitation);
        assert!(invitation.redeemable(LinkPurpose::Invitation, at(60 * 24 * 6)));
        assert!(!invitation.redeemable(LinkPurpose::Login, at(1)));
        assert!(!invitation.redeemable(LinkPurpose::Invitation, at(60 * 24 * 7)));
    }

    #[test]
    fn a_requester_sees_their_own_requests_and_a_manager_the_whole_company() {
        let (contact, customer) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let requester = PortalCustomer { contact_id: contact, customer_id: customer, role: PortalRole::Requester, session_id: Uuid::nil() };
        assert_eq!(requester.visibility(), Visibility::Requester { contact_id: contact });
        assert!(!requester.sees_bills());
        let manager = PortalCustomer { role: PortalRole::Manager, ..requester };
        assert_eq!(manager.visibility(), Visibility::Company { customer_id: customer });
        assert!(manager.sees_bills());
    }

    #[test]
    fn taking_portal_access_away_or_deactivating_the_contact_locks_them_out() {
        assert_eq!(check_access(true, true), Ok(()));
        assert_eq!(check_access(false, true), Err(Refusal::NoAccess));
        assert_eq!(check_access(true, false), Err(Refusal::Inactive));
    }
}
