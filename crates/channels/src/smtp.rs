//! Email out: a message from the outbox as RFC 5322 (plain text and HTML, attachments,
//! our Message-ID and the thread's headers), handed to the configured SMTP relay.

use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Attachment as MimeAttachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use servdesk_domain::messages::Message;
use servdesk_usecases::config::MailSettings;

use super::DeliveryError;

/// `Auto-Submitted` (RFC 3834): tells vacation responders and ticket systems on the other
/// side not to answer, which is what keeps two robots from mailing each other forever.
#[derive(Clone)]
struct AutoSubmitted(String);

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().to_owned()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// Microsoft's equivalent of `Auto-Submitted`, which Exchange's auto-replies honour.
#[derive(Clone)]
struct AutoResponseSuppress;

impl Header for AutoResponseSuppress {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("X-Auto-Response-Suppress")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "All".to_owned())
    }
}

/// A file sent with the message.
pub struct FileToSend {
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Smtp {
    pub fn new(settings: &MailSettings, url: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SERVDESK_SMTP_URL: {e}"))?
            .timeout(Some(settings.timeout))
            .build();
        let from = settings.from.parse().map_err(|e| format!("SERVDESK_MAIL_FROM: {e}"))?;
        Ok(Self { transport, from })
    }

    pub async fn send(&self, message: &Message, files: Vec<FileToSend>) -> Result<(), DeliveryError> {
        let email = build(&self.from, message, files).map_err(|e| DeliveryError::permanent(format!("cannot build the message: {e}")))?;
        self.transport.send(email).await.map(|_| ()).map_err(|e| {
            let answer = e.to_string();
            if e.is_permanent() { DeliveryError::permanent(answer) } else { DeliveryError::transient(answer) }
        })
    }
}

fn bracketed(id: &str) -> String {
    format!("<{id}>")
}

/// The RFC 5322 message of an outbox entry.
pub fn build(from: &Mailbox, message: &Message, files: Vec<FileToSend>) -> Result<lettre::Message, String> {
    let to = Mailbox::new(message.to_name.clone(), message.to_address.parse().map_err(|e| format!("recipient: {e}"))?);
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .reply_to(from.clone())
        .to(to)
        .subject(message.subject.clone())
        .date(message.created_at.into())
        .user_agent("Servdesk".to_owned())
        .message_id(message.message_id.as_deref().map(bracketed));
    if let Some(parent) = &message.in_reply_to {
        builder = builder.in_reply_to(bracketed(parent));
    }
    if !message.references.is_empty() {
        builder = builder.references(message.references.iter().map(|r| bracketed(r)).collect::<Vec<_>>().join(" "));
    }
    if let Some(value) = &message.auto_submitted {
        builder = builder.header(AutoSubmitted(value.clone())).header(AutoResponseSuppress);
    }
    let html = message.body_html.clone().unwrap_or_else(|| servdesk_domain::notifications::html_from_text(&message.body_text));
    let alternative = MultiPart::alternative()
        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(message.body_text.clone()))
        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html));
    let body = if files.is_empty() {
        alternative
    } else {
        let mut mixed = MultiPart::mixed().multipart(alternative);
        for file in files {
            let content_type = ContentType::parse(&file.content_type)
                .or_else(|_| ContentType::parse("application/octet-stream"))
                .map_err(|e| format!("{}: {e}", file.filename))?;
            mixed = mixed.singlepart(MimeAttachment::new(file.filename).body(file.bytes, content_type));
        }
        mixed
    };
    builder.multipart(body).map_err(|e| e.to_string())
}
