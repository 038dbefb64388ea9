//! Channels: notifications composed from templates into the outbox, and delivered from
//! there by email (SMTP) or SMS (an HTTP gateway) — by the job worker, never in a request.
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
mod notices;
mod parse;
pub mod sms;
pub mod smtp;

use std::sync::Arc;

use crate::state::AppState;
use crate::worker::Registry;

pub use compose::Compose;
pub use deliver::Deliver;
pub use notices::{Recipient, queue, status_changed, ticket_changed, ticket_created};

pub const DELIVER_EMAIL: &str = "deliver.email";
pub const DELIVER_SMS: &str = "deliver.sms";

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

/// Adds the channel handlers to `registry`: composing always, delivery for the channels
/// that are configured (without a relay or gateway, messages wait in the outbox).
pub fn register(mut registry: Registry, state: &AppState) -> Result<Registry, String> {
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
