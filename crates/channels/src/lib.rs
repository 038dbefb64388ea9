//! Servdesk's channels: notifications composed from templates into the outbox and delivered
//! from there by email (SMTP) or SMS (an HTTP gateway), and inbound email read from an IMAP
//! mailbox (or posted raw) — by the job worker, never in a request. MIME is parsed here; what
//! a message means for the desk is decided by the use cases.
//!
//! Two jobs per message. `notify.<event>` is enqueued by the change that causes it, in the
//! same transaction; it picks the recipient, channel and language, renders the template and
//! stores the message together with its `deliver.<channel>` job. Delivery retries with
//! backoff on transient failures; a permanent refusal marks the message failed with the
//! server's answer and puts that on the ticket's timeline.

mod compose;
mod deliver;
pub mod imap;
pub mod inbound;
pub mod parse;
pub mod sms;
pub mod smtp;

use std::sync::Arc;

use servdesk_usecases::Desk;
use servdesk_usecases::jobs::Registry;
use servdesk_usecases::notify::{DELIVER_EMAIL, DELIVER_SMS};

pub use compose::Compose;
pub use deliver::Deliver;

/// A failed delivery: `permanent` ones are not retried.
#[derive(Debug, Clone)]
pub struct DeliveryError {
    pub permanent: bool,
    pub message: String,
}

impl DeliveryError {
    pub fn permanent(message: impl Into<String>) -> Self {
        Self { permanent: true, message: message.into() }
    }

    pub fn transient(message: impl Into<String>) -> Self {
        Self { permanent: false, message: message.into() }
    }
}

/// Everything a Servdesk worker runs: the standard handlers and the channels.
pub fn registry(desk: &Desk) -> Result<Registry, String> {
    register(Registry::of_desk(desk), desk)
}

/// Adds the channel handlers to `registry`: composing always, delivery for the channels
/// that are configured (without a relay or gateway, messages wait in the outbox).
pub fn register(mut registry: Registry, state: &Desk) -> Result<Registry, String> {
    let compose = Arc::new(Compose::new(state.clone()));
    for event in servdesk_domain::notifications::NotificationEvent::ALL {
        registry = registry.register_shared(&event.job_kind(), compose.clone());
    }
    if let Some(url) = &state.config.mail.smtp_url {
        let smtp = smtp::Smtp::new(&state.config.mail, url)?;
        registry = registry.register(DELIVER_EMAIL, Deliver::email(state.clone(), smtp));
    }
    if let Some(url) = &state.config.sms.url {
        let gateway = sms::SmsGateway::new(&state.config.sms, url)?;
        registry = registry.register(DELIVER_SMS, Deliver::sms(state.clone(), gateway));
    }
    if let Some(settings) = &state.config.imap {
        registry = registry
            .register(imap::POLL_IMAP, imap::ImapPoll::new(state.clone(), settings.clone()))
            .every(imap::POLL_IMAP, settings.interval);
    }
    Ok(registry)
}
