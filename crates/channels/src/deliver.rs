//! Delivering a message from the outbox, once.
//!
//! The message row is the truth: a delivery job whose message is no longer `queued` (it
//! was sent, or an admin gave up on it) does nothing, so a job that runs again after its
//! worker died after sending does not send twice in the common case. What remains — a crash
//! between the relay's "250 OK" and our write of `sent` — can repeat a message, never lose one.

use futures_util::TryStreamExt;
use servdesk_domain::Actor;
use servdesk_domain::messages::{Message, MessageStatus, retry_after_failure};
use servdesk_domain::timeline::{MessageFailed, TicketEvent};
use servdesk_persistence::jobs::Job;
use servdesk_persistence::{DatabaseConnection, StoreError, TransactionTrait, attachments, messages, tickets};
use servdesk_usecases::jobs::{JobFuture, JobHandler};
use servdesk_usecases::{Desk, now};
use uuid::Uuid;

use super::DeliveryError;
use super::sms::SmsGateway;
use super::smtp::{FileToSend, Smtp};

enum Channel {
    Email(Smtp),
    Sms(SmsGateway),
}

pub struct Deliver {
    state: Desk,
    channel: Channel,
}

impl Deliver {
    pub fn email(state: Desk, smtp: Smtp) -> Self {
        Self { state, channel: Channel::Email(smtp) }
    }

    pub fn sms(state: Desk, gateway: SmsGateway) -> Self {
        Self { state, channel: Channel::Sms(gateway) }
    }
}

impl JobHandler for Deliver {
    fn run<'a>(&'a self, job: &'a Job, db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move { self.deliver(job, db).await })
    }
}

impl Deliver {
    async fn files(&self, db: &DatabaseConnection, ids: &[Uuid]) -> Result<Vec<FileToSend>, DeliveryError> {
        let mut files = Vec::new();
        for id in ids {
            let file = attachments::get(db, *id).await.map_err(|e| DeliveryError::transient(format!("attachment {id}: {e}")))?;
            let stream =
                self.state.storage.read(&file.storage_key).await.map_err(|e| DeliveryError::transient(format!("attachment {id}: {e}")))?;
            let chunks: Vec<bytes::Bytes> =
                stream.try_collect().await.map_err(|e| DeliveryError::transient(format!("attachment {id}: {e}")))?;
            files.push(FileToSend { filename: file.filename, content_type: file.content_type, bytes: chunks.concat() });
        }
        Ok(files)
    }

    async fn send(&self, db: &DatabaseConnection, message: &Message) -> Result<(), DeliveryError> {
        match &self.channel {
            Channel::Email(smtp) => {
                let files = self.files(db, &message.attachment_ids).await?;
                smtp.send(message, files).await
            }
            Channel::Sms(gateway) => gateway.send(message).await,
        }
    }

    async fn deliver(&self, job: &Job, db: &DatabaseConnection) -> Result<(), String> {
        let id = job
            .payload
            .get("message_id")
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or("the job names no message")?;
        let message = match messages::get(db, id).await {
            Ok(m) => m,
            Err(StoreError::NotFound) => return Ok(()),
            Err(e) => return Err(e.to_string()),
        };
        if message.status != MessageStatus::Queued {
            return Ok(());
        }
        match self.send(db, &message).await {
            Ok(()) => {
                messages::mark_sent(db, id, job.attempts, now()).await.map_err(|e| e.to_string())?;
                tracing::info!(message_id = %id, channel = %message.channel, "message delivered");
                Ok(())
            }
            Err(failure) => {
                let give_up = !retry_after_failure(failure.permanent, job.attempts, job.max_attempts);
                self.record_failure(db, &message, job.attempts, &failure, give_up).await.map_err(|e| e.to_string())?;
                if give_up { Ok(()) } else { Err(failure.message) }
            }
        }
    }

    async fn record_failure(
        &self,
        db: &DatabaseConnection,
        message: &Message,
        attempts: u32,
        failure: &DeliveryError,
        give_up: bool,
    ) -> Result<(), StoreError> {
        let now = now();
        let txn = db.begin().await?;
        let recorded = messages::record_failure(&txn, message.id, attempts, &failure.message, give_up, now).await?;
        if give_up && recorded {
            tracing::warn!(message_id = %message.id, error = %failure.message, "message failed for good");
            if let Some(ticket_id) = message.ticket_id {
                let event = TicketEvent::MessageFailed(MessageFailed {
                    message_id: message.id,
                    channel: message.channel.as_str().to_owned(),
                    to: message.to_address.clone(),
                    event: message.event.map(|e| e.as_str().to_owned()),
                    error: failure.message.clone(),
                    attempts: Some(attempts),
                    bounce_message_id: None,
                });
                tickets::append_event(&txn, ticket_id, Actor::default(), &event, now).await?;
            }
        }
        txn.commit().await?;
        Ok(())
    }
}
