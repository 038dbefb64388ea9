//! Configuration from `SERVDESK_*` environment variables, each with a working default.
//! The README documents every variable; keep the two in step.

use std::path::PathBuf;
use std::time::Duration;

use servdesk_domain::dictionaries::StatusClass;
use servdesk_domain::numbering::Scheme;
use servdesk_domain::phone::Region;
use servdesk_domain::policy::{self, Policy};
use servdesk_domain::tickets::Channel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A token bucket's size: `per_minute` tokens refill each minute, at most `burst` are held.
/// `per_minute: 0` switches the limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl RateLimit {
    pub const fn new(per_minute: u32, burst: u32) -> Self {
        Self { per_minute, burst }
    }

    /// `"<per minute>"` or `"<per minute>/<burst>"` (the burst defaults to a fifth of a minute's).
    pub fn parse(text: &str) -> Option<Self> {
        let (rate, burst) = match text.split_once('/') {
            Some((r, b)) => (r.trim().parse().ok()?, Some(b.trim().parse().ok()?)),
            None => (text.trim().parse().ok()?, None),
        };
        Some(Self { per_minute: rate, burst: burst.unwrap_or((rate / 5).max(1)) })
    }
}

/// The limits per caller and class of request (see the API's `conventions::rate_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// GET and HEAD, per API key or user.
    pub reads: RateLimit,
    /// POST, PATCH, PUT and DELETE, per API key or user.
    pub writes: RateLimit,
    /// Requests without credentials (login, refresh, public forms), per client address.
    pub public: RateLimit,
    /// Raw inbound email, per API key.
    pub inbound: RateLimit,
    /// Web form submissions per client address and form.
    pub form_per_address: RateLimit,
    /// Web form submissions per form, whoever sends them (a flood from many addresses).
    pub form_total: RateLimit,
}

impl RateLimits {
    /// No limit on any class (a load test, a fuzzing run).
    pub const fn off() -> Self {
        let off = RateLimit::new(0, 0);
        Self { reads: off, writes: off, public: off, inbound: off, form_per_address: off, form_total: off }
    }
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            reads: RateLimit::new(1200, 300),
            writes: RateLimit::new(300, 100),
            public: RateLimit::new(60, 20),
            inbound: RateLimit::new(600, 200),
            form_per_address: RateLimit::new(5, 5),
            form_total: RateLimit::new(120, 60),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub bind: String,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub database_pool_size: u32,
    /// Requests per caller and class before 429.
    pub rate_limits: RateLimits,
    /// How long a request waits for a database connection before it answers 503.
    pub database_acquire_timeout: Duration,
    /// An `Idempotency-Key` still in flight after this long belongs to a request that died
    /// with its process (before its effect committed): a retry runs it again.
    pub idempotency_abandon_after: Duration,
    pub migrate_on_start: bool,
    pub jwt_secret: Option<String>,
    pub admin_email: String,
    pub admin_password: Option<String>,
    pub cors_origins: Vec<String>,
    pub log_format: LogFormat,
    pub trust_proxy: bool,
    pub access_token_ttl: Duration,
    pub session_ttl: Duration,
    /// How long a request's session check is remembered (see `auth::holders`); 0: never.
    pub session_check: Duration,
    pub login_max_failures_per_account: u64,
    pub login_max_failures_per_ip: u64,
    pub login_failure_window: Duration,
    pub json_limit_bytes: usize,
    /// HTTP worker threads; 0 picks one per core (two on SQLite, whose writes serialise anyway).
    pub http_workers: usize,
    /// How long after closing a ticket may be reopened.
    pub reopen_window: Duration,
    /// Prefix of ticket numbers (`T` gives `T-2026-000123`).
    pub ticket_prefix: String,
    /// Prefix of call numbers (`C-2026-000017`).
    pub call_prefix: String,
    /// How ticket and call numbers are drawn on PostgreSQL (see `numbering::Scheme`).
    pub numbering: Scheme,
    /// Channels whose senders get an acknowledgement of a new call.
    pub acknowledge_channels: Vec<Channel>,
    /// Phone numbers written without a country code are read in this region.
    pub default_phone_region: Region,
    /// Where attachments are kept: empty for `<data_dir>/attachments`, `file:///path` or
    /// `s3://bucket/prefix` (credentials and endpoint in `s3_settings`).
    pub storage_url: String,
    /// The S3 client's settings as object_store names them (`aws_endpoint`, `aws_region`,
    /// `aws_access_key_id`, `aws_secret_access_key`, `aws_allow_http`, …): the environment's
    /// `AWS_*` variables, lower-cased.
    pub s3_settings: Vec<(String, String)>,
    /// The largest attachment accepted (413 beyond).
    pub attachment_max_bytes: u64,
    /// Where a ticket goes when its last open task is completed: `closed` or `resolved`.
    pub tasks_done_ticket_class: StatusClass,
    /// A stopwatch running longer than this writes an entry flagged for review.
    pub timer_max: Duration,
    /// The company named in the header of reports.
    pub company_name: String,
    pub company_address: Option<String>,
    /// ISO 4217 currency of money amounts (materials, rates, costs).
    pub currency: String,
    /// CSV exports (statements, reports): the field delimiter and the decimal mark, unless a
    /// request asks for others. Polish and Italian spreadsheets expect `;` and `,`.
    pub csv_delimiter: servdesk_documents::csv::Delimiter,
    pub csv_decimal_comma: bool,
    pub worker: WorkerSettings,
    /// Where staff open a ticket or task: links in notifications are built from it.
    pub frontend_url: String,
    /// Where Servdesk itself is reached from outside (the tracking pages, the form embed
    /// script): links customers open are built from it.
    pub public_url: String,
    /// The customers' portal (a frontend of its own): invitation and login links lead there,
    /// with `?token=…` for the frontend to redeem.
    pub portal_url: String,
    /// How long a portal login lasts (the access token and its session).
    pub portal_session_ttl: Duration,
    /// How long a tracking link keeps working after its ticket closed.
    pub tracking_keep_after_close: Duration,
    /// How long the change feed keeps its entries (a cursor older than that is expired).
    pub changes_retention: Duration,
    pub webhooks: WebhookSettings,
    /// The language of messages when neither the recipient nor the customer has one.
    pub default_language: String,
    pub mail: MailSettings,
    pub sms: SmsSettings,
    /// The largest raw inbound email accepted (413 beyond).
    pub inbound_max_bytes: usize,
    /// The largest file `POST /imports` takes.
    pub import_max_bytes: usize,
    /// The mailbox the worker polls for inbound email, if any.
    pub imap: Option<ImapSettings>,
    /// The desk's time zone: where report days, weeks and months begin (IANA name).
    pub time_zone: servdesk_domain::business_time::Tz,
    /// The longest period a report covers (422 `validation_failed` beyond).
    pub report_max_days: i64,
    /// Lets a request say when it happens (`X-Servdesk-Now`): only for `servdesk demo`,
    /// which fills a past month through the API, and for tests that build a known one.
    /// Never read from the environment, so no installation can turn it on.
    pub clock_header: bool,
}

impl Config {
    /// The rules this configuration sets, for the domain.
    pub fn policy(&self) -> Policy {
        Policy {
            reopen_window: policy::duration(self.reopen_window),
            timer_max: policy::duration(self.timer_max),
            tasks_done_class: self.tasks_done_ticket_class,
            acknowledge_channels: self.acknowledge_channels.clone(),
        }
    }
}

/// An IMAP mailbox polled for inbound email.
#[derive(Debug, Clone)]
pub struct ImapSettings {
    pub host: String,
    pub port: u16,
    /// `tls` (implicit, port 993), `starttls` or `none` (plain, for a server on the same host).
    pub security: ImapSecurity,
    pub user: String,
    pub password: String,
    pub folder: String,
    /// Where stored messages are moved; unset: they are flagged `\Seen` and left in place.
    pub move_to: Option<String>,
    pub interval: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImapSecurity {
    Tls,
    StartTls,
    None,
}

/// Outbound email.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:587` (STARTTLS when offered: `?tls=required` insists, `?tls=none` never),
    /// `smtps://host:465`, credentials as `smtp://user:password@host`. Unset: email is
    /// composed into the outbox but waits there until a relay is configured.
    pub smtp_url: Option<String>,
    /// The sender of every message, `Name <address>`; its domain names our Message-IDs.
    pub from: String,
    pub timeout: Duration,
}

/// The HTTP SMS gateway.
#[derive(Debug, Clone)]
pub struct SmsSettings {
    /// Unset: SMS wait in the outbox until a gateway is configured.
    pub url: Option<String>,
    pub method: String,
    /// A header sent with every request, `Name: value` (usually `Authorization: Bearer …`).
    pub auth_header: Option<(String, String)>,
    /// The request body, a template with `to` (E.164) and `text`.
    pub body_template: String,
    pub content_type: String,
    pub timeout: Duration,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self { smtp_url: None, from: "Servdesk <servdesk@localhost>".to_owned(), timeout: Duration::from_secs(30) }
    }
}

impl Default for SmsSettings {
    fn default() -> Self {
        Self {
            url: None,
            method: "POST".to_owned(),
            auth_header: None,
            body_template: r#"{"to": {{ to|tojson }}, "text": {{ text|tojson }}}"#.to_owned(),
            content_type: "application/json".to_owned(),
            timeout: Duration::from_secs(15),
        }
    }
}

#[derive(Debug, Clone)]
pub struct WorkerSettings {
    pub concurrency: u32,
    pub poll_interval: Duration,
    pub lock_timeout: Duration,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    pub housekeeping_interval: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            lock_timeout: Duration::from_secs(300),
            backoff_base: Duration::from_secs(10),
            backoff_cap: Duration::from_secs(3600),
            housekeeping_interval: Duration::from_secs(3600),
        }
    }
}

impl Config {
    /// Defaults for a database URL, environment ignored (what tests start from).
    pub fn for_database(database_url: String, data_dir: PathBuf) -> Self {
        Self {
            bind: "127.0.0.1:8080".to_owned(),
            data_dir,
            database_url,
            database_pool_size: 10,
            database_acquire_timeout: Duration::from_secs(2),
            rate_limits: RateLimits::default(),
            idempotency_abandon_after: Duration::from_secs(300),
            migrate_on_start: true,
            jwt_secret: None,
            admin_email: "admin@servdesk.local".to_owned(),
            admin_password: None,
            cors_origins: Vec::new(),
            log_format: LogFormat::Pretty,
            trust_proxy: false,
            access_token_ttl: Duration::from_secs(15 * 60),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            session_check: Duration::from_secs(2),
            login_max_failures_per_account: 10,
            login_max_failures_per_ip: 50,
            login_failure_window: Duration::from_secs(15 * 60),
            json_limit_bytes: 1024 * 1024,
            http_workers: 0,
            ticket_prefix: "T".to_owned(),
            call_prefix: "C".to_owned(),
            numbering: Scheme::default(),
            acknowledge_channels: vec![Channel::Email, Channel::WebForm, Channel::Portal, Channel::Sms],
            reopen_window: Duration::from_secs(30 * 24 * 3600),
            default_phone_region: Region::POLAND,
            storage_url: String::new(),
            s3_settings: Vec::new(),
            attachment_max_bytes: 25 * 1024 * 1024,
            tasks_done_ticket_class: StatusClass::Closed,
            timer_max: Duration::from_secs(12 * 3600),
            company_name: "Servdesk".to_owned(),
            company_address: None,
            currency: "EUR".to_owned(),
            csv_delimiter: servdesk_documents::csv::Delimiter::Comma,
            csv_decimal_comma: false,
            worker: WorkerSettings::default(),
            frontend_url: "http://127.0.0.1:8080".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            portal_url: "http://127.0.0.1:8080/portal".to_owned(),
            portal_session_ttl: Duration::from_secs(12 * 3600),
            tracking_keep_after_close: Duration::from_secs(30 * 24 * 3600),
            changes_retention: Duration::from_secs(30 * 24 * 3600),
            webhooks: WebhookSettings::default(),
            default_language: "en".to_owned(),
            mail: MailSettings::default(),
            sms: SmsSettings::default(),
            inbound_max_bytes: 50 * 1024 * 1024,
            import_max_bytes: 64 * 1024 * 1024,
            imap: None,
            time_zone: servdesk_domain::business_time::Tz::UTC,
            report_max_days: servdesk_domain::reports::DEFAULT_MAX_DAYS,
            clock_header: false,
        }
    }

    pub fn from_env() -> Result<Self, String> {
        let data_dir = PathBuf::from(var("SERVDESK_DATA_DIR").unwrap_or_else(|| "./servdesk-data".to_owned()));
        let database_url =
            var("SERVDESK_DATABASE_URL").unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("servdesk.db").display()));
        let mut c = Self::for_database(database_url, data_dir);
        if let Some(v) = var("SERVDESK_BIND") {
            c.bind = v;
        }
        c.database_pool_size = parse("SERVDESK_DATABASE_POOL_SIZE", c.database_pool_size)?;
        for (name, limit) in [
            ("SERVDESK_RATE_LIMIT_READS", &mut c.rate_limits.reads),
            ("SERVDESK_RATE_LIMIT_WRITES", &mut c.rate_limits.writes),
            ("SERVDESK_RATE_LIMIT_PUBLIC", &mut c.rate_limits.public),
            ("SERVDESK_RATE_LIMIT_INBOUND", &mut c.rate_limits.inbound),
            ("SERVDESK_RATE_LIMIT_FORM_PER_ADDRESS", &mut c.rate_limits.form_per_address),
            ("SERVDESK_RATE_LIMIT_FORM_TOTAL", &mut c.rate_limits.form_total),
        ] {
            if let Some(v) = var(name) {
                *limit = RateLimit::parse(&v).ok_or_else(|| format!("{name}: expected <per minute> or <per minute>/<burst>, not {v:?}"))?;
            }
        }
        c.idempotency_abandon_after =
            Duration::from_secs(parse("SERVDESK_IDEMPOTENCY_ABANDON_AFTER_SECS", c.idempotency_abandon_after.as_secs())?.max(1));
        c.database_acquire_timeout =
            Duration::from_millis(parse("SERVDESK_DATABASE_ACQUIRE_TIMEOUT_MS", c.database_acquire_timeout.as_millis() as u64)?.max(100));
        c.migrate_on_start = parse_bool("SERVDESK_MIGRATE_ON_START", c.migrate_on_start)?;
        c.jwt_secret = var("SERVDESK_JWT_SECRET");
        if c.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("SERVDESK_JWT_SECRET must be at least 32 characters".to_owned());
        }
        if let Some(v) = var("SERVDESK_ADMIN_EMAIL") {
            c.admin_email = v;
        }
        c.admin_password = var("SERVDESK_ADMIN_PASSWORD");
        c.cors_origins = var("SERVDESK_CORS_ORIGINS")
            .map(|v| v.split(',').map(|o| o.trim().to_owned()).filter(|o| !o.is_empty()).collect())
            .unwrap_or_default();
        c.log_format = match var("SERVDESK_LOG_FORMAT").as_deref() {
            None | Some("pretty") => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(format!("SERVDESK_LOG_FORMAT must be pretty or json, not {other:?}")),
        };
        c.trust_proxy = parse_bool("SERVDESK_TRUST_PROXY", c.trust_proxy)?;
        c.access_token_ttl = secs("SERVDESK_ACCESS_TOKEN_TTL_SECS", c.access_token_ttl)?;
        c.session_ttl = secs("SERVDESK_SESSION_TTL_SECS", c.session_ttl)?;
        c.session_check = secs("SERVDESK_SESSION_CHECK_SECS", c.session_check)?;
        c.login_max_failures_per_account = parse("SERVDESK_LOGIN_MAX_FAILURES_PER_ACCOUNT", c.login_max_failures_per_account)?;
        c.login_max_failures_per_ip = parse("SERVDESK_LOGIN_MAX_FAILURES_PER_IP", c.login_max_failures_per_ip)?;
        c.login_failure_window = secs("SERVDESK_LOGIN_FAILURE_WINDOW_SECS", c.login_failure_window)?;
        c.json_limit_bytes = parse("SERVDESK_JSON_LIMIT_BYTES", c.json_limit_bytes)?;
        c.http_workers = parse("SERVDESK_HTTP_WORKERS", c.http_workers)?;
        c.reopen_window = Duration::from_secs(parse("SERVDESK_REOPEN_WINDOW_DAYS", c.reopen_window.as_secs() / 86400)? * 86400);
        if let Some(prefix) = var("SERVDESK_TICKET_PREFIX") {
            if prefix.len() > 8 || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err("SERVDESK_TICKET_PREFIX must be 1–8 letters or digits".to_owned());
            }
            c.ticket_prefix = prefix;
        }
        if let Some(prefix) = var("SERVDESK_CALL_PREFIX") {
            if prefix.len() > 8 || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err("SERVDESK_CALL_PREFIX must be 1–8 letters or digits".to_owned());
            }
            c.call_prefix = prefix;
        }
        if let Some(scheme) = var("SERVDESK_NUMBERING") {
            c.numbering =
                Scheme::parse(&scheme).ok_or_else(|| format!("SERVDESK_NUMBERING must be increasing or gapless, not {scheme:?}"))?;
        }
        if let Some(list) = var("SERVDESK_ACKNOWLEDGE_CHANNELS") {
            c.acknowledge_channels = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty() && *s != "none")
                .map(|s| Channel::parse(s).ok_or_else(|| format!("SERVDESK_ACKNOWLEDGE_CHANNELS: unknown channel {s:?}")))
                .collect::<Result<_, _>>()?;
        }
        if let Some(region) = var("SERVDESK_DEFAULT_PHONE_REGION") {
            c.default_phone_region = Region::parse(&region).map_err(|e| format!("SERVDESK_DEFAULT_PHONE_REGION: {e}"))?;
        }
        if let Some(url) = var("SERVDESK_STORAGE_URL") {
            c.storage_url = url;
        }
        c.s3_settings = std::env::vars().filter(|(k, _)| k.starts_with("AWS_")).map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        c.attachment_max_bytes = parse("SERVDESK_ATTACHMENT_MAX_BYTES", c.attachment_max_bytes)?;
        c.timer_max = Duration::from_secs(parse("SERVDESK_TIMER_MAX_HOURS", c.timer_max.as_secs() / 3600)? * 3600);
        if let Some(name) = var("SERVDESK_COMPANY_NAME") {
            c.company_name = name;
        }
        c.company_address = var("SERVDESK_COMPANY_ADDRESS");
        if let Some(currency) = var("SERVDESK_CURRENCY") {
            if servdesk_domain::billing::contracts::check_currency(&currency).is_err() {
                return Err("SERVDESK_CURRENCY must be an ISO 4217 code such as EUR or PLN".to_owned());
            }
            c.currency = currency;
        }
        if let Some(v) = var("SERVDESK_CSV_DELIMITER") {
            c.csv_delimiter =
                servdesk_documents::csv::Delimiter::parse(&v).ok_or("SERVDESK_CSV_DELIMITER must be comma, semicolon or tab")?;
        }
        if let Some(v) = var("SERVDESK_CSV_DECIMAL") {
            c.csv_decimal_comma = match v.as_str() {
                "point" => false,
                "comma" => true,
                _ => return Err("SERVDESK_CSV_DECIMAL must be point or comma".to_owned()),
            };
        }
        c.tasks_done_ticket_class = match var("SERVDESK_TASKS_DONE_TICKET_STATUS").as_deref() {
            None | Some("closed") => StatusClass::Closed,
            Some("resolved") => StatusClass::Resolved,
            Some(other) => return Err(format!("SERVDESK_TASKS_DONE_TICKET_STATUS must be closed or resolved, not {other:?}")),
        };
        c.worker.concurrency = parse("SERVDESK_WORKER_CONCURRENCY", c.worker.concurrency)?.max(1);
        c.worker.lock_timeout = secs("SERVDESK_JOB_LOCK_TIMEOUT_SECS", c.worker.lock_timeout)?;
        c.worker.backoff_base = secs("SERVDESK_JOB_BACKOFF_BASE_SECS", c.worker.backoff_base)?;
        c.worker.backoff_cap = secs("SERVDESK_JOB_BACKOFF_CAP_SECS", c.worker.backoff_cap)?;
        if let Some(url) = var("SERVDESK_FRONTEND_URL") {
            c.frontend_url = url.trim_end_matches('/').to_owned();
        }
        if let Some(url) = var("SERVDESK_PUBLIC_URL") {
            c.public_url = url.trim_end_matches('/').to_owned();
        }
        c.portal_url = match var("SERVDESK_PORTAL_URL") {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("{}/portal", c.frontend_url),
        };
        c.portal_session_ttl = secs("SERVDESK_PORTAL_SESSION_TTL_SECS", c.portal_session_ttl)?;
        c.changes_retention =
            Duration::from_secs(parse("SERVDESK_CHANGES_RETENTION_DAYS", c.changes_retention.as_secs() / 86400)?.max(1) * 86400);
        c.webhooks.allow_private = parse_bool("SERVDESK_WEBHOOK_ALLOW_PRIVATE", c.webhooks.allow_private)?;
        c.webhooks.timeout = secs("SERVDESK_WEBHOOK_TIMEOUT_SECS", c.webhooks.timeout)?.max(Duration::from_secs(1));
        c.webhooks.retry_base = secs("SERVDESK_WEBHOOK_RETRY_BASE_SECS", c.webhooks.retry_base)?.max(Duration::from_secs(1));
        c.webhooks.disable_after =
            Duration::from_secs(parse("SERVDESK_WEBHOOK_DISABLE_AFTER_HOURS", c.webhooks.disable_after.as_secs() / 3600)?.max(1) * 3600);
        c.tracking_keep_after_close =
            Duration::from_secs(parse("SERVDESK_TRACKING_DAYS_AFTER_CLOSE", c.tracking_keep_after_close.as_secs() / 86400)? * 86400);
        if let Some(language) = var("SERVDESK_DEFAULT_LANGUAGE") {
            c.default_language = language.trim().to_lowercase();
        }
        c.mail.smtp_url = var("SERVDESK_SMTP_URL");
        if let Some(from) = var("SERVDESK_MAIL_FROM") {
            servdesk_domain::mail::mailbox_address(&from).ok_or_else(|| format!("SERVDESK_MAIL_FROM: {from:?} is not `Name <address>`"))?;
            c.mail.from = from;
        }
        c.mail.timeout = secs("SERVDESK_SMTP_TIMEOUT_SECS", c.mail.timeout)?;
        c.sms.url = var("SERVDESK_SMS_URL");
        if let Some(method) = var("SERVDESK_SMS_METHOD") {
            c.sms.method = method.to_uppercase();
        }
        if let Some(header) = var("SERVDESK_SMS_AUTH_HEADER") {
            let (name, value) = header.split_once(':').ok_or("SERVDESK_SMS_AUTH_HEADER: expected `Name: value`")?;
            c.sms.auth_header = Some((name.trim().to_owned(), value.trim().to_owned()));
        }
        if let Some(body) = var("SERVDESK_SMS_BODY") {
            c.sms.body_template = body;
        }
        if let Some(content_type) = var("SERVDESK_SMS_CONTENT_TYPE") {
            c.sms.content_type = content_type;
        }
        c.inbound_max_bytes = parse("SERVDESK_INBOUND_MAX_BYTES", c.inbound_max_bytes)?;
        c.import_max_bytes = parse("SERVDESK_IMPORT_MAX_BYTES", c.import_max_bytes)?;
        if let Some(zone) = var("SERVDESK_TIME_ZONE") {
            c.time_zone = servdesk_domain::business_time::time_zone(&zone)
                .ok_or_else(|| format!("SERVDESK_TIME_ZONE: not an IANA time zone name: {zone:?}"))?;
        }
        c.report_max_days = parse("SERVDESK_REPORT_MAX_DAYS", c.report_max_days)?;
        if let Some(host) = var("SERVDESK_IMAP_HOST") {
            let security = match var("SERVDESK_IMAP_SECURITY").as_deref().unwrap_or("tls") {
                "tls" => ImapSecurity::Tls,
                "starttls" => ImapSecurity::StartTls,
                "none" => ImapSecurity::None,
                other => return Err(format!("SERVDESK_IMAP_SECURITY: tls, starttls or none, not {other:?}")),
            };
            let default_port = if security == ImapSecurity::Tls { 993 } else { 143 };
            c.imap = Some(ImapSettings {
                host,
                port: parse("SERVDESK_IMAP_PORT", default_port)?,
                security,
                user: var("SERVDESK_IMAP_USER").ok_or("SERVDESK_IMAP_USER is required with SERVDESK_IMAP_HOST")?,
                password: var("SERVDESK_IMAP_PASSWORD").ok_or("SERVDESK_IMAP_PASSWORD is required with SERVDESK_IMAP_HOST")?,
                folder: var("SERVDESK_IMAP_FOLDER").unwrap_or_else(|| "INBOX".to_owned()),
                move_to: var("SERVDESK_IMAP_MOVE_TO"),
                interval: secs("SERVDESK_IMAP_INTERVAL_SECS", Duration::from_secs(60))?,
            });
        }
        Ok(c)
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// Webhook deliveries.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Lets subscriptions point at loopback, private and link-local addresses (a receiver
    /// inside the company's network; the tests' receiver). Off: such a URL is refused.
    pub allow_private: bool,
    /// How long a receiver has to answer.
    pub timeout: Duration,
    /// The first wait after a failed attempt; later waits are multiples of it (see the
    /// domain's `webhooks::next_attempt`).
    pub retry_base: Duration,
    /// A subscription whose deliveries fail this long is switched off and its owner told.
    pub disable_after: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(10),
            disable_after: Duration::from_secs(24 * 3600),
        }
    }
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse<T: std::str::FromStr>(name: &str, default: T) -> Result<T, String> {
    match var(name) {
        None => Ok(default),
        Some(v) => v.trim().parse().map_err(|_| format!("{name}: cannot parse {v:?}")),
    }
}

fn parse_bool(name: &str, default: bool) -> Result<bool, String> {
    match var(name).as_deref().map(str::to_lowercase).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(other) => Err(format!("{name}: expected true or false, not {other:?}")),
    }
}

fn secs(name: &str, default: Duration) -> Result<Duration, String> {
    parse(name, default.as_secs()).map(Duration::from_secs)
}
