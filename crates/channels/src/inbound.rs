//! Inbound email, from the IMAP poller or `POST /inbound/email`: the raw message is parsed
//! here and filed by the inbound use case (`servdesk_usecases::inbound`).

use bytes::Bytes;
use servdesk_domain::Actor;
use servdesk_usecases::inbound::{self, InboundOutcome};
use servdesk_usecases::{Desk, Result};

use crate::parse;

/// Parses and files one raw message.
pub async fn receive(desk: &Desk, raw: Bytes, received_by: Actor) -> Result<InboundOutcome> {
    let parsed = parse::parse(&raw);
    inbound::file(desk, raw, parsed, received_by).await
}
