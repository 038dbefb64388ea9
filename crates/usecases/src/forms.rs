//! Web forms: staff define them; anyone submits them. A submission that passes the bot
//! checks and the form's rules becomes a call of channel `web_form` — its answers kept in
//! the call's metadata, its sender acknowledged, and when the form says so converted at
//! once to a ticket routed where the chosen options say.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use servdesk_domain::calls::{AlarmAction, Call};
use servdesk_domain::errors::{code, field};
use servdesk_domain::forms::{self, Accepted, BotCheck, Definition, FormField, Routing, WebForm};
use servdesk_domain::phone::PhoneNumber;
use servdesk_domain::tickets::Channel;
use servdesk_domain::{Actor, Email, Principal};
use servdesk_persistence::{ConnectionTrait, Page, PageRequest, TransactionTrait, attachments, calls, web_forms};
use uuid::Uuid;

use crate::attachments::StoredFile;
use crate::calls::{Conversion, Intake};
use crate::secrets::{sign, verify};
use crate::{Desk, Error, FieldError, Result, now, references};

fn definition_problems(problems: Vec<forms::DefinitionProblem>) -> Error {
    Error::validation(problems.into_iter().map(|(f, c, m)| FieldError::new(f, c, m)).collect())
}

/// Checks a definition and that everything it routes to exists.
async fn check(conn: &impl ConnectionTrait, d: &Definition) -> Result<()> {
    forms::check_definition(d).map_err(definition_problems)?;
    references::routing(conn, "routing", &d.routing).await?;
    for (i, f) in d.fields.iter().enumerate() {
        for (j, choice) in f.options.iter().enumerate() {
            references::routing(conn, &format!("fields[{i}].options[{j}].routing"), &choice.routing).await?;
        }
    }
    Ok(())
}

pub async fn create(desk: &Desk, d: Definition) -> Result<WebForm> {
    let txn = desk.db.begin().await?;
    check(&txn, &d).await?;
    let form = web_forms::create(&txn, d, now()).await?;
    crate::commit(txn).await?;
    Ok(form)
}

pub async fn replace(desk: &Desk, id: Uuid, expected: Option<i64>, d: Definition) -> Result<WebForm> {
    let txn = desk.db.begin().await?;
    check(&txn, &d).await?;
    let form = web_forms::replace(&txn, id, expected, d, now()).await?;
    crate::commit(txn).await?;
    Ok(form)
}

pub async fn list(desk: &Desk, req: PageRequest) -> Result<Page<WebForm>> {
    Ok(web_forms::list(&desk.db, req).await?)
}

pub async fn get(desk: &Desk, id: Uuid) -> Result<WebForm> {
    Ok(web_forms::get(&desk.db, id).await?)
}

pub async fn delete(desk: &Desk, id: Uuid) -> Result<()> {
    Ok(web_forms::delete(&desk.db, id).await?)
}

/// The public form of a slug: an active one, else not found.
pub async fn public(desk: &Desk, slug: &str) -> Result<WebForm> {
    if !forms::check_slug(slug) {
        return Err(Error::not_found());
    }
    let form = web_forms::by_slug(&desk.db, slug).await?;
    if form.definition.active { Ok(form) } else { Err(Error::not_found()) }
}

/// The signed issue time handed out with a form (`<unix seconds>.<signature>`); a
/// submission carries it back, so the time taken to fill the form in can be told.
pub fn issue_token(desk: &Desk, form: &WebForm, at: DateTime<Utc>) -> String {
    let secs = at.timestamp();
    format!("{secs}.{}", sign(&desk.signing_key, &format!("{}:{secs}", form.id)))
}

/// The issue time a token carries, if it is one of ours for this form.
pub fn issued_at(desk: &Desk, form: &WebForm, token: Option<&str>) -> Option<DateTime<Utc>> {
    let (secs, signature) = token?.trim().split_once('.')?;
    let secs: i64 = secs.parse().ok()?;
    verify(&desk.signing_key, &format!("{}:{secs}", form.id), signature).then(|| DateTime::from_timestamp(secs, 0)).flatten()
}

/// What became of a submission.
#[derive(Debug, Clone)]
pub enum Taken {
    /// A call (and, for a converting form, its ticket).
    Call { call: Box<Call>, ticket_number: Option<String> },
    /// A bot's, dropped without a trace but a log line.
    Dropped(&'static str),
}

/// A submission as the API received it: the text answers and the files of file fields
/// (already in the file store; removed again when the submission is not taken).
pub struct Submission {
    pub values: BTreeMap<String, String>,
    pub files: Vec<(String, StoredFile)>,
}

/// Takes a submission of `form`: bot checks, the form's rules (refusals per field in the
/// form's language), then the call — all in one transaction with its files.
pub async fn submit(desk: &Desk, form: &WebForm, submission: Submission) -> Result<Taken> {
    let keys: Vec<&str> = submission.files.iter().map(|(_, f)| f.storage_key.as_str()).collect();
    let result = take(desk, form, &submission).await;
    if !matches!(result, Ok(Taken::Call { .. })) {
        desk.storage.discard(keys).await;
    }
    result
}

async fn take(desk: &Desk, form: &WebForm, submission: &Submission) -> Result<Taken> {
    let d = &form.definition;
    let now = now();
    let issued = issued_at(desk, form, submission.values.get(forms::ISSUED).map(String::as_str));
    let min_fill = Duration::seconds(i64::from(d.min_fill_seconds));
    if let BotCheck::Bot(why) = forms::bot_check(submission.values.get(forms::HONEYPOT).map(String::as_str), issued, min_fill, now) {
        tracing::info!(form = %d.slug, reason = why, "web form submission dropped as a bot's");
        return Ok(Taken::Dropped(why));
    }
    let files_in: Vec<String> = submission.files.iter().map(|(name, _)| name.clone()).collect();
    if let Some((name, _)) =
        submission.files.iter().find(|(name, _)| !d.fields.iter().any(|f| f.name == *name && f.kind == forms::FieldKind::File))
    {
        return Err(Error::invalid_field(name, field::UNKNOWN_PART, "the form has no file field of this name"));
    }
    let region = desk.config.default_phone_region;
    let accepted = forms::check_submission(
        &d.fields,
        &d.language,
        &submission.values,
        &files_in,
        |e| Email::parse(e).is_ok(),
        |p| PhoneNumber::parse(p, region).is_ok(),
    )
    .map_err(|problems| Error::validation(problems.into_iter().map(|p| FieldError::new(p.field, p.code, p.message)).collect()))?;
    let routing = accepted.routing.or(&d.routing);
    let txn = desk.db.begin().await?;
    let intake = intake(desk, form, &accepted, &routing);
    let call = crate::calls::register(&txn, desk, &intake, Actor::SYSTEM, now).await?;
    // A triage rule may have made it a ticket already: the files go there too.
    for (_, file) in &submission.files {
        attachments::create(&txn, file.row(Some(call.id), call.ticket_id, None, Actor::SYSTEM, "file"), now).await?;
    }
    let ticket_number = if d.auto_convert {
        let conversion = Conversion {
            team_id: routing.team_id,
            category_id: routing.category_id,
            type_id: routing.type_id,
            priority_id: routing.priority_id,
            ..Conversion::default()
        };
        Some(crate::calls::convert(&txn, desk, &Principal::System, &call, conversion).await?.number)
    } else {
        None
    };
    let call = calls::get(&txn, call.id).await?;
    crate::commit(txn).await?;
    Ok(Taken::Call { call: Box::new(call), ticket_number })
}

/// The call a submission becomes: the roles' answers in their places, every answer (by
/// label) in the text, and the structured answers in the metadata.
fn intake(desk: &Desk, form: &WebForm, a: &Accepted, routing: &Routing) -> Intake {
    let d = &form.definition;
    let lines: Vec<String> = d
        .fields
        .iter()
        .filter(|f| a.values.contains_key(&f.name))
        .map(|f: &FormField| format!("{}: {}", f.label, shown(f, &a.values[&f.name])))
        .collect();
    let body = match &a.message {
        Some(message) => format!("{message}\n\n--\n{}", lines.join("\n")),
        None => lines.join("\n"),
    };
    Intake {
        channel: Channel::WebForm,
        subject: Some(a.subject.clone().unwrap_or_else(|| d.title.clone())),
        body: Some(body),
        from_name: a.sender_name.clone(),
        from_email: a.sender_email.as_deref().and_then(|e| Email::parse(e).ok()),
        from_phone: a.sender_phone.as_deref().and_then(|p| PhoneNumber::parse(p, desk.config.default_phone_region).ok()),
        customer_id: None,
        contact_id: None,
        dedup_key: None,
        action: AlarmAction::Trigger,
        // A converting form converts itself; the rules triage the rest.
        auto_convert: d.auto_convert,
        metadata: Some(json!({
            "form": {"id": form.id, "slug": d.slug, "title": d.title},
            "fields": a.values,
            "routing": routing,
        })),
    }
}

fn shown(f: &FormField, value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(v) => f.options.iter().find(|o| o.value == *v).map_or_else(|| v.clone(), |o| o.label.clone()),
        serde_json::Value::Bool(true) => "yes".to_owned(),
        serde_json::Value::Bool(false) => "no".to_owned(),
        other => other.to_string(),
    }
}

/// What a submission answers about problems nobody may see, for logs: the message when a
/// form refuses a submission for its origin.
pub fn origin_refused(form: &WebForm, origin: &str) -> Error {
    tracing::info!(form = %form.definition.slug, origin, "web form posted from an origin it does not allow");
    Error::new(code::ORIGIN_NOT_ALLOWED, "this form does not take submissions from this site")
}
