//! Web forms: what a website's contact form asks, and the rules a submission meets before
//! it becomes a call. A form is defined by staff (its fields, which choice routes the
//! request, the origins allowed to post it, its language) and filled in by anyone: what is
//! wrong is answered per field in the form's language, and bots are dropped silently (a
//! honeypot field, a minimum time to fill the form in).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::errors::{Code, field};

named_enum! {
    /// What a form field takes.
    FieldKind {
        Text = "text",
        Textarea = "textarea",
        Email = "email",
        Phone = "phone",
        /// One of the field's options.
        Select = "select",
        /// Ticked or not.
        Checkbox = "checkbox",
        /// Files (as multipart parts of the field's name).
        File = "file",
    }
}

named_enum! {
    /// What a field's answer becomes on the call (the rest is kept as the call's form data).
    FieldRole {
        SenderName = "sender_name",
        SenderEmail = "sender_email",
        SenderPhone = "sender_phone",
        Subject = "subject",
        Message = "message",
    }
}

/// Where choosing an option sends the request (the customer picks the department).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Routing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority_id: Option<Uuid>,
}

impl Routing {
    pub fn is_empty(&self) -> bool {
        *self == Routing::default()
    }

    /// This routing, with `fallback`'s values where it has none.
    pub fn or(&self, fallback: &Routing) -> Routing {
        Routing {
            team_id: self.team_id.or(fallback.team_id),
            category_id: self.category_id.or(fallback.category_id),
            type_id: self.type_id.or(fallback.type_id),
            priority_id: self.priority_id.or(fallback.priority_id),
        }
    }
}

/// An option of a select field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub value: String,
    pub label: String,
    /// Where this choice sends the request.
    #[serde(default, skip_serializing_if = "Routing::is_empty")]
    pub routing: Routing,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormField {
    /// The name the value is posted under (`[a-z][a-z0-9_]*`).
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<FieldRole>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<Choice>,
    /// Shown inside an empty field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
}

impl FormField {
    /// The longest answer accepted.
    pub fn max_chars(&self) -> usize {
        match self.kind {
            FieldKind::Textarea => 20_000,
            FieldKind::Email | FieldKind::Phone => 254,
            _ => 500,
        }
    }
}

/// What staff define of a form (everything but its identity and history).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub slug: String,
    pub title: String,
    pub description: Option<String>,
    /// The language of its built-in messages (field errors, the button).
    pub language: String,
    pub fields: Vec<FormField>,
    /// The websites that may embed the form and post it (`https://www.example.com`).
    pub allowed_origins: Vec<String>,
    /// Shown (or answered) when a submission is taken.
    pub success_text: String,
    /// Where a plain HTML form (no JavaScript) is sent back to after posting.
    pub thank_you_url: Option<String>,
    /// Submissions become tickets at once instead of waiting for triage.
    pub auto_convert: bool,
    /// Where every submission goes unless a chosen option says otherwise.
    pub routing: Routing,
    /// Seconds a person needs at least (the bot check); 0 turns it off.
    pub min_fill_seconds: i32,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebForm {
    pub id: Uuid,
    pub definition: Definition,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl WebForm {
    /// Whether a page of `origin` may post the form.
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.definition.allowed_origins.iter().any(|o| o.eq_ignore_ascii_case(origin.trim_end_matches('/')))
    }
}

/// Checks a whole definition: its slug, origins and fields.
pub fn check_definition(d: &Definition) -> Result<(), Vec<DefinitionProblem>> {
    let mut problems = check_fields(&d.fields).err().unwrap_or_default();
    if !check_slug(&d.slug) {
        problems.push(("slug".to_owned(), field::PATTERN, "2–64 lower-case letters, digits and -".to_owned()));
    }
    for (i, origin) in d.allowed_origins.iter().enumerate() {
        if !check_origin(origin) {
            problems.push((format!("allowed_origins[{i}]"), field::ORIGIN, "http(s)://host[:port], nothing after".to_owned()));
        }
    }
    if !(0..=3600).contains(&d.min_fill_seconds) {
        problems.push(("min_fill_seconds".to_owned(), field::RANGE, "0–3600".to_owned()));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// The honeypot: a field hidden from people (by the embed's CSS and `aria-hidden`) that
/// only bots fill in.
pub const HONEYPOT: &str = "_hp";
/// The signed moment the form was handed out.
pub const ISSUED: &str = "_ts";
/// Forms filled in faster than this were not filled in by a person.
pub const MIN_FILL: Duration = Duration::seconds(3);
/// A form handed out longer ago than this is stale (its token is no longer accepted).
pub const MAX_FILL: Duration = Duration::days(1);

/// Languages the built-in messages of forms speak (others fall back to English).
pub const LANGUAGES: [&str; 5] = ["en", "pl", "it", "sl", "hr"];

/// A problem with one field of a submission, with the message to show next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: Code,
    pub message: String,
}

/// The form's messages in its language: what the embed shows, what a refusal says.
pub fn message(language: &str, key: &str) -> &'static str {
    let lang = language.split('-').next().unwrap_or("en");
    match (lang, key) {
        ("pl", "required") => "To pole jest wymagane.",
        ("pl", "email") => "Proszę podać poprawny adres e-mail.",
        ("pl", "phone") => "Proszę podać poprawny numer telefonu.",
        ("pl", "option") => "Proszę wybrać jedną z opcji.",
        ("pl", "too_long") => "Tekst jest za długi.",
        ("pl", "send") => "Wyślij",
        ("pl", "sending") => "Wysyłanie…",
        ("pl", "failed") => "Nie udało się wysłać formularza. Proszę spróbować ponownie.",
        ("it", "required") => "Questo campo è obbligatorio.",
        ("it", "email") => "Inserire un indirizzo e-mail valido.",
        ("it", "phone") => "Inserire un numero di telefono valido.",
        ("it", "option") => "Scegliere una delle opzioni.",
        ("it", "too_long") => "Il testo è troppo lungo.",
        ("it", "send") => "Invia",
        ("it", "sending") => "Invio in corso…",
        ("it", "failed") => "Invio non riuscito. Riprovare.",
        ("sl", "required") => "To polje je obvezno.",
        ("sl", "email") => "Vnesite veljaven e-poštni naslov.",
        ("sl", "phone") => "Vnesite veljavno telefonsko številko.",
        ("sl", "option") => "Izberite eno od možnosti.",
        ("sl", "too_long") => "Besedilo je predolgo.",
        ("sl", "send") => "Pošlji",
        ("sl", "sending") => "Pošiljanje …",
        ("sl", "failed") => "Obrazca ni bilo mogoče poslati. Poskusite znova.",
        ("hr", "required") => "Ovo polje je obavezno.",
        ("hr", "email") => "Unesite ispravnu adresu e-pošte.",
        ("hr", "phone") => "Unesite ispravan broj telefona.",
        ("hr", "option") => "Odaberite jednu od opcija.",
        ("hr", "too_long") => "Tekst je predug.",
        ("hr", "send") => "Pošalji",
        ("hr", "sending") => "Slanje…",
        ("hr", "failed") => "Slanje obrasca nije uspjelo. Pokušajte ponovno.",
        (_, "required") => "This field is required.",
        (_, "email") => "Please enter a valid email address.",
        (_, "phone") => "Please enter a valid phone number.",
        (_, "option") => "Please choose one of the options.",
        (_, "too_long") => "The text is too long.",
        (_, "send") => "Send",
        (_, "sending") => "Sending…",
        (_, "failed") => "The form could not be sent. Please try again.",
        _ => "",
    }
}

/// Why a form definition is refused, per field of the definition.
pub type DefinitionProblem = (String, Code, String);

/// Checks a form's fields: names well formed and unique, labels present, choices where a
/// select needs them and nowhere else, each role at most once on a field of a fitting kind.
pub fn check_fields(fields: &[FormField]) -> Result<(), Vec<DefinitionProblem>> {
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, f) in fields.iter().enumerate() {
        let at = |what: &str| format!("fields[{i}].{what}");
        let well_formed = f.name.len() <= 64
            && f.name.starts_with(|c: char| c.is_ascii_lowercase())
            && f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !well_formed {
            problems.push((at("name"), field::PATTERN, "lower-case letters, digits and _, starting with a letter".to_owned()));
        } else if !seen.insert(f.name.as_str()) {
            problems.push((at("name"), field::DUPLICATE, format!("another field is named {}", f.name)));
        }
        if f.label.trim().is_empty() {
            problems.push((at("label"), field::BLANK, "must not be blank".to_owned()));
        }
        match (f.kind, f.options.is_empty()) {
            (FieldKind::Select, true) => problems.push((at("options"), field::REQUIRED, "a select needs options".to_owned())),
            (FieldKind::Select, false) => {
                let mut values = std::collections::HashSet::new();
                if f.options.iter().any(|o| o.value.trim().is_empty() || !values.insert(o.value.as_str())) {
                    problems.push((at("options"), field::UNKNOWN, "option values are non-blank and unique".to_owned()));
                }
            }
            (_, false) => problems.push((at("options"), field::NOT_FOR_THIS_KIND, "only a select has options".to_owned())),
            (_, true) => {}
        }
        if let Some(role) = f.role {
            let fits = match role {
                FieldRole::SenderEmail => f.kind == FieldKind::Email,
                FieldRole::SenderPhone => f.kind == FieldKind::Phone,
                FieldRole::SenderName | FieldRole::Subject => matches!(f.kind, FieldKind::Text | FieldKind::Select),
                FieldRole::Message => matches!(f.kind, FieldKind::Text | FieldKind::Textarea),
            };
            if !fits {
                problems.push((at("role"), field::NOT_FOR_THIS_KIND, format!("{role} does not fit a {} field", f.kind)));
            }
            if fields.iter().take(i).any(|other| other.role == Some(role)) {
                problems.push((at("role"), field::DUPLICATE, format!("another field is the {role}")));
            }
        }
    }
    if fields.is_empty() {
        problems.push(("fields".to_owned(), field::REQUIRED, "a form has fields".to_owned()));
    }
    if problems.is_empty() { Ok(()) } else { Err(problems) }
}

/// A form's slug: what its public URL ends in.
pub fn check_slug(slug: &str) -> bool {
    (2..=64).contains(&slug.len())
        && slug.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// An origin as a browser sends it: `scheme://host[:port]`, nothing after.
pub fn check_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else { return false };
    matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#', ' ']) && !origin.ends_with(':')
}

/// A submission that passed the form's rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accepted {
    /// Every answered field, by name (a checkbox as `true`/`false`).
    pub values: BTreeMap<String, serde_json::Value>,
    pub sender_name: Option<String>,
    pub sender_email: Option<String>,
    pub sender_phone: Option<String>,
    pub subject: Option<String>,
    pub message: Option<String>,
    /// Where the chosen options send the request.
    pub routing: Routing,
}

/// Checks a submission's text answers (`values`) and which file fields carry files against
/// the form's fields. Every problem is reported at once, each in the form's language.
/// `email_ok` and `phone_ok` judge addresses and numbers (the caller owns those parsers).
pub fn check_submission(
    fields: &[FormField],
    language: &str,
    values: &BTreeMap<String, String>,
    files_in: &[String],
    email_ok: impl Fn(&str) -> bool,
    phone_ok: impl Fn(&str) -> bool,
) -> Result<Accepted, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let mut out = Accepted::default();
    let problem =
        |name: &str, code: Code, key: &str| FieldProblem { field: name.to_owned(), code, message: message(language, key).to_owned() };
    for f in fields {
        let raw = values.get(&f.name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let answered = match f.kind {
            FieldKind::File => files_in.contains(&f.name),
            FieldKind::Checkbox => raw.is_some_and(|v| matches!(v, "true" | "on" | "1" | "yes")),
            _ => raw.is_some(),
        };
        if f.required && !answered {
            problems.push(problem(&f.name, field::REQUIRED, "required"));
            continue;
        }
        if f.kind == FieldKind::Checkbox {
            out.values.insert(f.name.clone(), serde_json::Value::Bool(answered));
            continue;
        }
        let Some(value) = raw.filter(|_| f.kind != FieldKind::File) else { continue };
        if value.chars().count() > f.max_chars() {
            problems.push(problem(&f.name, field::LENGTH, "too_long"));
            continue;
        }
        match f.kind {
            FieldKind::Email if !email_ok(value) => problems.push(problem(&f.name, field::EMAIL, "email")),
            FieldKind::Phone if !phone_ok(value) => problems.push(problem(&f.name, field::PHONE, "phone")),
            FieldKind::Select => match f.options.iter().find(|o| o.value == value) {
                Some(choice) => out.routing = choice.routing.or(&out.routing),
                None => problems.push(problem(&f.name, field::UNKNOWN, "option")),
            },
            _ => {}
        }
        let shown = match f.kind {
            FieldKind::Select => f.options.iter().find(|o| o.value == value).map_or(value, |o| o.label.as_str()),
            _ => value,
        };
        match f.role {
            Some(FieldRole::SenderName) => out.sender_name = Some(shown.to_owned()),
            Some(FieldRole::SenderEmail) => out.sender_email = Some(value.to_owned()),
            Some(FieldRole::SenderPhone) => out.sender_phone = Some(value.to_owned()),
            Some(FieldRole::Subject) => out.subject = Some(shown.to_owned()),
            Some(FieldRole::Message) => out.message = Some(value.to_owned()),
            None => {}
        }
        out.values.insert(f.name.clone(), serde_json::Value::String(value.to_owned()));
    }
    if problems.is_empty() { Ok(out) } else { Err(problems) }
}

/// What the bot checks say about a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BotCheck {
    Person,
    /// Dropped without a word (the bot is told it worked, and learns nothing).
    Bot(&'static str),
}

/// A submission is a bot's when the honeypot is filled in, the form was sent faster than a
/// person fills it in, or it carries no (or a stale, or a forged) issue time.
pub fn bot_check(honeypot: Option<&str>, issued_at: Option<DateTime<Utc>>, min_fill: Duration, now: DateTime<Utc>) -> BotCheck {
    if honeypot.is_some_and(|v| !v.trim().is_empty()) {
        return BotCheck::Bot("honeypot");
    }
    match issued_at {
        None => BotCheck::Bot("no_issue_time"),
        Some(at) if now - at < min_fill => BotCheck::Bot("too_fast"),
        Some(at) if now - at > MAX_FILL => BotCheck::Bot("stale"),
        Some(_) => BotCheck::Person,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str, role: Option<FieldRole>, required: bool) -> FormField {
        FormField {
            name: name.to_owned(),
            label: name.to_owned(),
            kind: FieldKind::Text,
            required,
            role,
            options: vec![],
            placeholder: None,
        }
    }

    fn department() -> FormField {
        let team = Uuid::from_u128(7);
        FormField {
            kind: FieldKind::Select,
            options: vec![
                Choice { value: "heating".into(), label: "Heating".into(), routing: Routing { team_id: Some(team), ..Routing::default() } },
                Choice { value: "other".into(), label: "Other".into(), routing: Routing::default() },
            ],
            ..text("department", Some(FieldRole::Subject), true)
        }
    }

    fn email() -> FormField {
        FormField { kind: FieldKind::Email, ..text("email", Some(FieldRole::SenderEmail), true) }
    }

    fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    fn check(values: &[(&str, &str)], language: &str) -> Result<Accepted, Vec<FieldProblem>> {
        let fields = [text("name", Some(FieldRole::SenderName), false), email(), department()];
        check_submission(&fields, language, &answers(values), &[], |e| e.contains('@'), |_| true)
    }

    #[test]
    fn the_chosen_department_routes_the_request_and_the_roles_fill_the_call() {
        let ok = check(&[("name", "Ivo"), ("email", "ivo@example.com"), ("department", "heating")], "en").unwrap_or_default();
        assert_eq!(ok.routing.team_id, Some(Uuid::from_u128(7)));
        assert_eq!((ok.sender_name.as_deref(), ok.subject.as_deref()), (Some("Ivo"), Some("Heating")));
        assert_eq!(ok.values["department"], "heating");
    }

    #[test]
    fn every_wrong_field_is_reported_at_once_in_the_forms_language() {
        let problems = check(&[("email", "not-an-address"), ("department", "plumbing")], "pl").err().unwrap_or_default();
        let by_field: Vec<(&str, &str)> = problems.iter().map(|p| (p.field.as_str(), p.message.as_str())).collect();
        assert_eq!(by_field, vec![("email", "Proszę podać poprawny adres e-mail."), ("department", "Proszę wybrać jedną z opcji.")]);
        let missing = check(&[], "hr").err().unwrap_or_default();
        assert_eq!(missing.len(), 2);
        assert!(missing.iter().all(|p| p.code == field::REQUIRED && p.message == "Ovo polje je obavezno."));
    }

    #[test]
    fn a_required_checkbox_must_be_ticked_and_a_required_file_sent() {
        let consent = FormField { kind: FieldKind::Checkbox, ..text("consent", None, true) };
        let photo = FormField { kind: FieldKind::File, ..text("photo", None, true) };
        let fields = [consent, photo];
        let refused = check_submission(&fields, "en", &answers(&[("consent", "false")]), &[], |_| true, |_| true);
        assert_eq!(refused.err().map(|p| p.len()), Some(2));
        let ok = check_submission(&fields, "en", &answers(&[("consent", "on")]), &["photo".to_owned()], |_| true, |_| true);
        assert_eq!(ok.map(|a| a.values["consent"].clone()), Ok(serde_json::Value::Bool(true)));
    }

    #[test]
    fn a_definition_with_duplicate_names_a_select_without_options_or_a_misplaced_role_is_refused() {
        let mut dup = text("name", None, false);
        dup.kind = FieldKind::Select;
        let wrong_role = FormField { kind: FieldKind::Textarea, ..text("mail", Some(FieldRole::SenderEmail), false) };
        let problems = check_fields(&[text("name", None, false), dup, wrong_role]).err().unwrap_or_default();
        let at: Vec<&str> = problems.iter().map(|p| p.0.as_str()).collect();
        assert_eq!(at, vec!["fields[1].name", "fields[1].options", "fields[2].role"]);
        assert!(check_fields(&[email(), department()]).is_ok());
        assert!(check_fields(&[]).is_err());
    }

    #[test]
    fn the_honeypot_and_the_fill_time_tell_bots_from_people() {
        let now = DateTime::<Utc>::UNIX_EPOCH + Duration::days(10);
        assert_eq!(bot_check(None, Some(now - Duration::seconds(20)), MIN_FILL, now), BotCheck::Person);
        assert_eq!(bot_check(Some("http://spam"), Some(now - Duration::seconds(20)), MIN_FILL, now), BotCheck::Bot("honeypot"));
        assert_eq!(bot_check(None, Some(now - Duration::seconds(1)), MIN_FILL, now), BotCheck::Bot("too_fast"));
        assert_eq!(bot_check(None, Some(now - Duration::days(2)), MIN_FILL, now), BotCheck::Bot("stale"));
        assert_eq!(bot_check(None, None, MIN_FILL, now), BotCheck::Bot("no_issue_time"));
    }

    #[test]
    fn slugs_and_origins_have_the_shape_a_url_and_a_browser_give_them() {
        assert!(check_slug("contact-us") && !check_slug("Contact") && !check_slug("a") && !check_slug("-x"));
        assert!(check_origin("https://www.example.com") && check_origin("http://127.0.0.1:8081"));
        assert!(!check_origin("https://example.com/") && !check_origin("example.com") && !check_origin("ftp://x"));
    }
}
