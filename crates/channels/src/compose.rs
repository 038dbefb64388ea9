//! Composing a notification: recipient, channel, language, template, rendered text, thread
//! headers — stored in the outbox with its delivery job, in one transaction.

use serde_json::{Value, json};
use servdesk_domain::calls::Call;
use servdesk_domain::dictionaries::DictionaryKind;
use servdesk_domain::directory::NotificationChannel;
use servdesk_domain::mail;
use servdesk_domain::messages::{Message, MessageDirection, MessageStatus};
use servdesk_domain::notifications::{self, Audience, NotificationEvent, TemplateText};
use servdesk_domain::tickets::Ticket;
use servdesk_persistence::calls;
use servdesk_persistence::directory::{contacts, customers, locations};
use servdesk_persistence::jobs::{self, Job, NewJob};
use servdesk_persistence::messages::ThreadOf;
use servdesk_persistence::tracking::Request;
use servdesk_persistence::{
    DatabaseConnection, StoreError, TransactionTrait, comments, dictionaries, messages, notification_settings, tasks, templates, tickets,
    users,
};
use servdesk_usecases::jobs::{JobFuture, JobHandler};
use servdesk_usecases::notify::{DELIVER_EMAIL, DELIVER_SMS, Recipient};
use servdesk_usecases::{Desk, now, tracking};
use uuid::Uuid;

pub struct Compose {
    state: Desk,
}

impl Compose {
    pub fn new(state: Desk) -> Self {
        Self { state }
    }
}

impl JobHandler for Compose {
    fn run<'a>(&'a self, job: &'a Job, db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move { self.compose(job, db).await.map_err(|e| e.to_string()) })
    }
}

fn id_in(payload: &Value, key: &str) -> Option<Uuid> {
    payload.get(key).and_then(Value::as_str).and_then(|s| Uuid::parse_str(s).ok())
}

fn text_in(payload: &Value, key: &str) -> Option<String> {
    payload.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// What the message is about, read when it is composed.
#[derive(Default)]
struct Facts {
    ticket: Option<Ticket>,
    call: Option<Call>,
    task: Option<servdesk_domain::tasks::Task>,
    comment: Option<comments::Comment>,
    comment_author: Option<String>,
    customer: Option<servdesk_domain::directory::Customer>,
    contact: Option<servdesk_domain::directory::Contact>,
    status: Option<String>,
    location: Option<String>,
    actor_name: Option<String>,
}

fn optional<T>(found: Result<T, StoreError>) -> Result<Option<T>, StoreError> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

impl Compose {
    async fn facts(&self, db: &DatabaseConnection, payload: &Value) -> Result<Facts, StoreError> {
        let mut f = Facts { actor_name: text_in(payload, "actor_name"), ..Facts::default() };
        if let Some(id) = id_in(payload, "ticket_id") {
            f.ticket = optional(tickets::get(db, id).await)?;
        }
        if let Some(id) = id_in(payload, "call_id") {
            f.call = optional(calls::get(db, id).await)?;
        }
        if let Some(id) = id_in(payload, "task_id") {
            f.task = optional(tasks::get(db, id).await)?;
        }
        if let Some(id) = id_in(payload, "comment_id") {
            f.comment = optional(comments::get(db, id).await)?;
        }
        if let Some(user_id) = f.comment.as_ref().and_then(|c| c.author.user_id) {
            f.comment_author = optional(users::get(db, user_id).await)?.map(|u| u.name);
        }
        let customer_id = f.ticket.as_ref().and_then(|t| t.customer_id).or(f.call.as_ref().and_then(|c| c.customer_id));
        if let Some(id) = customer_id {
            f.customer = optional(customers::get(db, id).await)?;
        }
        let contact_id = f.ticket.as_ref().and_then(|t| t.contact_id).or(f.call.as_ref().and_then(|c| c.contact_id));
        if let Some(id) = contact_id.or(id_in(payload, "contact_id")) {
            f.contact = optional(contacts::get(db, id).await)?;
        }
        // A message about the contact alone (a portal invitation) names their company.
        if let (None, Some(contact)) = (&f.customer, &f.contact) {
            f.customer = optional(customers::get(db, contact.customer_id).await)?;
        }
        if let Some(ticket) = &f.ticket {
            f.status = optional(dictionaries::get(db, DictionaryKind::TicketStatus, ticket.status_id).await)?.map(|s| s.name);
        }
        if let Some(id) = f.task.as_ref().and_then(|t| t.location_id) {
            f.location = optional(locations::get(db, id).await)?.map(|l| {
                let city = [l.postal_code.unwrap_or_default(), l.city].join(" ").trim().to_owned();
                format!("{}, {}", l.address_line, city)
            });
        }
        Ok(f)
    }

    /// The template context: every variable of the event, empty where the fact is missing.
    fn context(&self, event: NotificationEvent, f: &Facts, recipient: &Recipient, link: &str, payload: &Value) -> Value {
        let when = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default();
        let mut ctx = event.sample_context();
        let facts = json!({
            "company": {"name": self.state.config.company_name},
            "recipient": {"name": recipient.name.clone().unwrap_or_default()},
            "link": link,
            "ticket": f.ticket.as_ref().map(|t| json!({
                "number": t.number, "title": t.title, "description": t.description.clone().unwrap_or_default(),
                "status": f.status.clone().unwrap_or_default(),
            })),
            "customer": {"name": f.customer.as_ref().map(|c| c.name.clone()).unwrap_or_default()},
            "contact": {"name": f.contact.as_ref().map(|c| c.name.clone()).unwrap_or_default()},
            "call": f.call.as_ref().map(|c| json!({
                "number": c.number, "subject": c.subject.clone().unwrap_or_default(), "channel": c.channel.as_str(),
            })),
            "comment": f.comment.as_ref().map(|c| json!({
                "body": c.body, "author": f.comment_author.clone().unwrap_or_else(|| self.state.config.company_name.clone()),
            })),
            "task": f.task.as_ref().map(|t| json!({
                "number": t.number, "title": t.title, "description": t.description.clone().unwrap_or_default(),
                "planned_start": when(t.planned_start), "planned_end": when(t.planned_end),
                "location": f.location.clone().unwrap_or_default(),
            })),
            "actor": {"name": f.actor_name.clone().unwrap_or_default()},
            "webhook": payload.get("webhook"),
            "sla": payload.get("sla"),
        });
        // Every variable the event documents exists (empty when unknown), so a template
        // accepted when it was saved always renders.
        if let (Some(ctx), Some(facts)) = (ctx.as_object_mut(), facts.as_object()) {
            for (key, slot) in ctx.iter_mut() {
                match (slot, facts.get(key)) {
                    (Value::Object(fields), Some(Value::Object(known))) => {
                        for (field, value) in fields.iter_mut() {
                            *value = known.get(field).cloned().unwrap_or_else(|| json!(""));
                        }
                    }
                    (Value::Object(fields), _) => fields.values_mut().for_each(|v| *v = json!("")),
                    (slot, Some(known @ Value::String(_))) => *slot = known.clone(),
                    (slot, _) => *slot = json!(""),
                }
            }
        }
        ctx
    }

    /// The message's link: the one the change sent (a portal invitation), else for a
    /// customer the request's tracking page (made with its first notice), for a colleague
    /// the ticket or task in the staff frontend.
    async fn link(&self, db: &DatabaseConnection, event: NotificationEvent, f: &Facts, payload: &Value) -> Result<String, StoreError> {
        if let Some(link) = text_in(payload, "link") {
            return Ok(link);
        }
        let frontend = self.state.config.frontend_url.trim_end_matches('/');
        if event.audience() == Audience::Contact {
            let request = match (&f.ticket, &f.call) {
                (Some(t), _) => Some(Request::Ticket(t.id)),
                (None, Some(c)) => Some(c.ticket_id.map_or(Request::Call(c.id), Request::Ticket)),
                _ => None,
            };
            if let Some(request) = request {
                let link = tracking::link_for(db, request).await.map_err(|e| StoreError::corrupt("tracking_links", e.to_string()))?;
                return Ok(tracking::url(&self.state, &link));
            }
        }
        Ok(match (&f.task, &f.ticket) {
            (Some(task), _) if event == NotificationEvent::TaskAssigned => format!("{frontend}/tasks/{}", task.id),
            (_, Some(ticket)) => format!("{frontend}/tickets/{}", ticket.id),
            _ => match &f.call {
                Some(call) => format!("{frontend}/calls/{}", call.id),
                None => frontend.to_owned(),
            },
        })
    }

    async fn recipient(
        &self,
        db: &DatabaseConnection,
        event: NotificationEvent,
        f: &Facts,
        payload: &Value,
    ) -> Result<Option<Recipient>, StoreError> {
        match event.audience() {
            Audience::Colleague => {
                let Some(user_id) = id_in(payload, "user_id") else { return Ok(None) };
                let Some(user) = optional(users::get(db, user_id).await)? else { return Ok(None) };
                Ok(user.active.then(|| Recipient {
                    channel: NotificationChannel::Email,
                    address: user.email.to_string(),
                    name: Some(user.name),
                    language: None,
                    contact_id: None,
                }))
            }
            Audience::Contact => {
                if let Some(to) = payload.get("to").and_then(|v| serde_json::from_value::<Recipient>(v.clone()).ok()) {
                    return Ok(Some(to));
                }
                Ok(f.contact.as_ref().filter(|c| c.active).and_then(Recipient::of_contact))
            }
        }
    }

    /// The template in the first language of `chain` that has one: an admin's, else a
    /// built-in one (English always exists).
    async fn template(
        &self,
        db: &DatabaseConnection,
        event: NotificationEvent,
        chain: &[String],
    ) -> Result<(String, TemplateText), StoreError> {
        let stored = templates::of_event(db, event, chain).await?;
        for language in chain {
            if let Some(t) = stored.iter().find(|t| &t.language == language) {
                return Ok((language.clone(), t.text.clone()));
            }
            if let Some(t) = notifications::built_in(event, language) {
                return Ok((language.clone(), t));
            }
        }
        Ok(("en".to_owned(), notifications::default_template(event)))
    }

    async fn compose(&self, job: &Job, db: &DatabaseConnection) -> Result<(), StoreError> {
        let Some(event) = NotificationEvent::from_job_kind(&job.kind) else { return Ok(()) };
        let payload = &job.payload;
        let f = self.facts(db, payload).await?;
        let customer_id = f.customer.as_ref().map(|c| c.id);
        let (everyone, customer) = notification_settings::of_event(db, event, customer_id).await?;
        if !notifications::is_enabled(everyone, customer) {
            tracing::info!(event = %event, "notification switched off; nothing sent");
            return Ok(());
        }
        let Some(recipient) = self.recipient(db, event, &f, payload).await? else {
            tracing::info!(event = %event, "no recipient with an address; nothing sent");
            return Ok(());
        };
        // A colleague reads the installation's language, not the customer's.
        let customer_language = f.customer.as_ref().and_then(|c| c.language.as_deref()).filter(|_| event.audience() == Audience::Contact);
        let chain = notifications::language_chain(recipient.language.as_deref(), customer_language, &self.state.config.default_language);
        let (language, template) = self.template(db, event, &chain).await?;
        let link = self.link(db, event, &f, payload).await?;
        let ctx = self.context(event, &f, &recipient, &link, payload);
        let rendered = match notifications::render(&template, &ctx) {
            Ok(r) => r,
            Err(e) => {
                // Saved templates were checked; should one still fail, the customer gets the
                // built-in text rather than nothing.
                tracing::error!(event = %event, error = %e, "template failed to render; using the built-in one");
                notifications::render(&notifications::default_template(event), &ctx)
                    .map_err(|e| StoreError::corrupt("templates", e.to_string()))?
            }
        };
        let id = Uuid::now_v7();
        let now = now();
        let mut message = Message {
            id,
            direction: MessageDirection::Outbound,
            channel: recipient.channel,
            event: Some(event),
            status: MessageStatus::Queued,
            // An acknowledgement composed after its call became a ticket joins the ticket's thread.
            ticket_id: f.ticket.as_ref().map(|t| t.id).or(f.call.as_ref().and_then(|c| c.ticket_id)),
            call_id: f.call.as_ref().map(|c| c.id),
            comment_id: f.comment.as_ref().map(|c| c.id),
            task_id: f.task.as_ref().map(|t| t.id),
            contact_id: recipient.contact_id,
            user_id: id_in(payload, "user_id").filter(|_| event.audience() == Audience::Colleague),
            to_address: recipient.address.clone(),
            to_name: recipient.name.clone(),
            from_address: None,
            from_name: None,
            subject: String::new(),
            body_text: rendered.sms.clone(),
            body_html: None,
            language: Some(language),
            message_id: None,
            in_reply_to: None,
            references: Vec::new(),
            auto_submitted: event.auto_submitted().map(|a| a.as_str().to_owned()),
            attachment_ids: Vec::new(),
            attempts: 0,
            last_error: None,
            created_at: now,
            updated_at: now,
            sent_at: None,
        };
        if recipient.channel == NotificationChannel::Email {
            let number = f.ticket.as_ref().map(|t| t.number.as_str()).or(f.call.as_ref().map(|c| c.number.as_str()));
            message.subject = match number {
                Some(n) => mail::subject_with_ticket(&rendered.subject, n),
                None => rendered.subject.clone(),
            };
            message.body_text = rendered.text;
            message.body_html = Some(rendered.html);
            let domain = mail::domain_of(&self.state.config.mail.from).unwrap_or_else(|| "servdesk.local".to_owned());
            message.message_id = Some(mail::message_id(id, &domain));
            let thread = match (&f.ticket, &f.call) {
                // Colleagues get their own messages, not the customer's thread.
                _ if event.audience() == Audience::Colleague => Vec::new(),
                (Some(t), _) => messages::thread(db, ThreadOf::Ticket(t.id)).await?,
                (None, Some(c)) => messages::thread(db, ThreadOf::Call(c.id)).await?,
                _ => Vec::new(),
            };
            let (in_reply_to, references) = mail::thread_headers(&thread);
            message.in_reply_to = in_reply_to;
            message.references = references;
            if event == NotificationEvent::PublicReply
                && let Some(comment) = &f.comment
            {
                let files = servdesk_persistence::attachments::of_comments(db, &[comment.id]).await?;
                message.attachment_ids = files.into_iter().map(|a| a.id).collect();
            }
        }
        let txn = db.begin().await?;
        if messages::insert_composed(&txn, &message, job.id).await? {
            let kind = if message.channel == NotificationChannel::Email { DELIVER_EMAIL } else { DELIVER_SMS };
            let mut deliver = NewJob::now(kind, json!({"message_id": message.id}), now);
            deliver.unique_key = Some(format!("deliver:{}", message.id));
            jobs::enqueue(&txn, deliver, now).await?;
        }
        txn.commit().await?;
        Ok(())
    }
}
