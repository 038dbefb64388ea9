//! Portal accounts: staff invite a contact (an email with a one-time link to set a
//! password); the contact logs in with the password or with an emailed login link; each
//! login is a session checked on every request, so taking access away ends it at once.
//!
//! Passwords are hashed by the caller (the API's hasher runs on the blocking pool); here
//! only digests and hashes are stored.

use chrono::{DateTime, Utc};
use serde_json::json;
use servdesk_domain::directory::{Contact, NotificationChannel};
use servdesk_domain::errors::{code, field};
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::portal::{LinkPurpose, PortalCustomer, PortalRole, check_access};
use servdesk_persistence::directory::contacts::{self, ContactChanges};
use servdesk_persistence::portal::{self, Account};
use servdesk_persistence::{ConnectionTrait, TransactionTrait};
use uuid::Uuid;

use crate::notify::{self, Recipient};
use crate::secrets::{link_secret, sha256_hex};
use crate::{Desk, Error, Result, now};

/// A portal login: the session and who holds it.
#[derive(Debug, Clone)]
pub struct Login {
    pub customer: PortalCustomer,
    pub expires_at: DateTime<Utc>,
}

fn invalid_link() -> Error {
    Error::new(code::INVALID_LINK, "this link is unknown, used or expired; ask for a new one")
}

/// The email a portal message goes to: always email (a login link in an SMS would be read
/// over someone's shoulder as often as not), to the contact's address.
fn by_email(contact: &Contact) -> Option<Recipient> {
    let address = contact.email.as_ref()?.to_string();
    Some(Recipient {
        channel: NotificationChannel::Email,
        address,
        name: Some(contact.name.clone()),
        language: contact.language.clone(),
        contact_id: Some(contact.id),
    })
}

/// Queues a message with a fresh one-time link of `purpose` for the contact.
async fn send_link(conn: &impl ConnectionTrait, desk: &Desk, contact: &Contact, purpose: LinkPurpose, now: DateTime<Utc>) -> Result<()> {
    let Some(to) = by_email(contact) else { return Ok(()) };
    let token = link_secret()?;
    portal::create_link(conn, contact.id, purpose, sha256_hex(&token), now).await?;
    let (event, page) = match purpose {
        LinkPurpose::Invitation => (NotificationEvent::PortalInvitation, "invitation"),
        LinkPurpose::Login => (NotificationEvent::PortalLogin, "login"),
    };
    let link = format!("{}/{page}?token={token}", desk.config.portal_url);
    let payload = json!({"contact_id": contact.id, "to": to.to_json(), "link": link});
    notify::queue(conn, event, payload, now).await?;
    Ok(())
}

/// Invites a contact to the portal as `role` (again, if they were: the earlier invitation
/// stops working). Grants portal access; the contact needs an email address.
pub async fn invite(desk: &Desk, contact_id: Uuid, role: PortalRole) -> Result<Account> {
    let now = now();
    let txn = desk.db.begin().await?;
    let contact = contacts::get(&txn, contact_id).await?;
    if !contact.active {
        return Err(Error::invalid_field("contact_id", field::INACTIVE, "the contact is deactivated"));
    }
    if contact.email.is_none() {
        return Err(Error::invalid_field("email", field::REQUIRED, "the contact has no email address to send the invitation to"));
    }
    if !contact.portal_access {
        contacts::update(&txn, contact.id, None, ContactChanges { portal_access: Some(true), ..ContactChanges::default() }, now).await?;
    }
    portal::invite(&txn, contact.id, role, now).await?;
    portal::void_links(&txn, contact.id, LinkPurpose::Invitation, now).await?;
    send_link(&txn, desk, &contact, LinkPurpose::Invitation, now).await?;
    let account = portal::account(&txn, contact.id).await?.ok_or_else(|| Error::internal("the account just written is missing"))?;
    crate::commit(txn).await?;
    Ok(account)
}

/// The contact's portal account (404 when they have none).
pub async fn account(desk: &Desk, contact_id: Uuid) -> Result<Account> {
    contacts::get(&desk.db, contact_id).await?;
    portal::account(&desk.db, contact_id).await?.ok_or_else(Error::not_found)
}

/// Emails a login link to every contact with this address who may use the portal. Says
/// nothing about whether there is one: the answer is the same either way.
pub async fn send_login_link(desk: &Desk, email: &servdesk_domain::Email) -> Result<()> {
    let now = now();
    let txn = desk.db.begin().await?;
    for account in portal::accounts_by_email(&txn, email.as_str()).await? {
        if check_access(account.portal_access, account.active).is_ok() {
            let contact = contacts::get(&txn, account.contact_id).await?;
            send_link(&txn, desk, &contact, LinkPurpose::Login, now).await?;
        }
    }
    crate::commit(txn).await?;
    Ok(())
}

/// The accounts a password login with this email may be for, with their password hashes
/// (those that may log in and have set a password).
pub async fn password_candidates(desk: &Desk, email: &servdesk_domain::Email) -> Result<Vec<(Account, String)>> {
    Ok(portal::accounts_by_email(&desk.db, email.as_str())
        .await?
        .into_iter()
        .filter(|a| check_access(a.portal_access, a.active).is_ok())
        .filter_map(|a| a.password_hash.clone().map(|h| (a, h)))
        .collect())
}

/// Starts a session for an account whose password was verified.
pub async fn start_session(desk: &Desk, account: &Account) -> Result<Login> {
    let now = now();
    let txn = desk.db.begin().await?;
    let login = open_session(&txn, desk, account, now).await?;
    crate::commit(txn).await?;
    Ok(login)
}

async fn open_session(conn: &impl ConnectionTrait, desk: &Desk, account: &Account, now: DateTime<Utc>) -> Result<Login> {
    let ttl = servdesk_domain::policy::duration(desk.config.portal_session_ttl);
    let session_id = portal::create_session(conn, account.contact_id, now, ttl).await?;
    portal::record_login(conn, account.contact_id, now).await?;
    Ok(Login {
        customer: PortalCustomer { contact_id: account.contact_id, customer_id: account.customer_id, role: account.role, session_id },
        expires_at: now + ttl,
    })
}

/// Redeems a one-time link: an invitation sets the first password (`password_hash`), a
/// login link just logs in. Either way the link is spent and a session starts.
pub async fn redeem(desk: &Desk, token: &str, purpose: LinkPurpose, password_hash: Option<String>) -> Result<Login> {
    let now = now();
    let txn = desk.db.begin().await?;
    let link = portal::link_by_token_hash(&txn, &sha256_hex(token.trim())).await?.ok_or_else(invalid_link)?;
    if !link.redeemable(purpose, now) || !portal::use_link(&txn, link.id, now).await? {
        return Err(invalid_link());
    }
    let account = portal::account(&txn, link.contact_id).await?.ok_or_else(invalid_link)?;
    check_access(account.portal_access, account.active).map_err(|_| invalid_link())?;
    if let Some(hash) = password_hash {
        portal::set_password(&txn, account.contact_id, hash, now).await?;
    }
    let login = open_session(&txn, desk, &account, now).await?;
    crate::commit(txn).await?;
    Ok(login)
}

/// Ends a portal session (logout).
pub async fn end_session(desk: &Desk, session_id: Uuid) -> Result<()> {
    portal::revoke_session(&desk.db, session_id, now()).await?;
    Ok(())
}

/// Who holds a portal session, if it is still good: not revoked, not expired, and the
/// contact still active with portal access.
pub async fn holder(desk: &Desk, session_id: Uuid) -> Result<Option<PortalCustomer>> {
    let Some(h) = portal::session_holder(&desk.db, session_id).await? else { return Ok(None) };
    let good = !h.revoked && now() < h.expires_at && check_access(h.account.portal_access, h.account.active).is_ok();
    Ok(good.then_some(PortalCustomer {
        contact_id: h.account.contact_id,
        customer_id: h.account.customer_id,
        role: h.account.role,
        session_id,
    }))
}
