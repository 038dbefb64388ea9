//! The error vocabulary: every code a client can receive, in one table.
//!
//! A problem code (`code` of a problem document) has a kind; the API maps each kind to one
//! HTTP status in one place. A field code (`errors[].code` of a `validation_failed`
//! problem) names the rule a request field broke. Both tables are enumerable: a test checks
//! them, and the OpenAPI document lists them from here, so documented and produced codes
//! cannot drift. Codes are stable: rename one and clients break.

/// What kind of failure a problem code is. Knows nothing of HTTP; the API maps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The request itself cannot be read (bad JSON, a malformed header or parameter).
    Malformed,
    /// No valid credentials.
    Unauthenticated,
    /// Credentials are fine; the role or scopes do not allow this.
    Forbidden,
    /// No such resource, or one the caller may not see.
    NotFound,
    /// The route does not take this method.
    MethodNotAllowed,
    /// The request is valid but collides with the resource's state or a uniqueness rule.
    Conflict,
    /// The caller's precondition (a version it read) no longer holds.
    Precondition,
    /// What the request names existed once and is no longer kept (an old feed cursor).
    Gone,
    /// The body is larger than accepted.
    TooLarge,
    /// The body's media type is not one the route reads.
    UnsupportedMediaType,
    /// The request as a whole is readable but unacceptable (a body that misses the schema,
    /// invalid fields — listed in `errors`).
    Unprocessable,
    /// A field broke a rule: the code of an `errors[]` entry (its problem is `validation_failed`).
    InvalidField,
    /// Too many attempts; retry after a while.
    RateLimited,
    /// A dependency (database, file store) does not answer; retry later.
    Unavailable,
    /// A broken invariant inside; logged, never explained to the client.
    Internal,
}

/// One stable code with its kind and what it means: a pointer into the table, so errors
/// that carry one stay small.
#[derive(Clone, Copy)]
pub struct Code(&'static Definition);

#[derive(Debug)]
pub struct Definition {
    name: &'static str,
    kind: ErrorKind,
    summary: &'static str,
}

impl Definition {
    pub const fn new(name: &'static str, kind: ErrorKind, summary: &'static str) -> Self {
        Self { name, kind, summary }
    }
}

impl PartialEq for Code {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name && self.0.kind == other.0.kind
    }
}

impl Eq for Code {}

impl std::hash::Hash for Code {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.name.hash(state);
    }
}

impl std::fmt::Debug for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

impl Code {
    pub const fn new(definition: &'static Definition) -> Self {
        Self(definition)
    }

    pub const fn as_str(&self) -> &'static str {
        self.0.name
    }

    pub const fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// What the code means, for the documentation.
    pub const fn summary(&self) -> &'static str {
        self.0.summary
    }

    /// A field code (`errors[].code`) rather than a problem code.
    pub fn is_field(&self) -> bool {
        self.0.kind == ErrorKind::InvalidField
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.name)
    }
}

/// An error of the domain: every one names its code (and so its kind).
pub trait DomainError: std::fmt::Display {
    fn code(&self) -> Code;
    /// The request field the error is about, when it is a field error.
    fn field(&self) -> Option<&'static str> {
        None
    }
}

macro_rules! code_table {
    ($table:ident; $( $(#[$doc:meta])* $konst:ident = $name:literal, $kind:ident, $summary:literal; )*) => {
        $( $(#[$doc])* pub const $konst: super::Code = super::Code::new(&super::Definition::new($name, super::ErrorKind::$kind, $summary)); )*
        /// Every code of this table.
        pub const $table: &[super::Code] = &[$($konst),*];
    };
}

/// Problem codes: the `code` of a problem document.
pub mod code {
    code_table! { ALL;
        BAD_REQUEST = "bad_request", Malformed, "the request is malformed";
        MALFORMED_JSON = "malformed_json", Malformed, "the body is not valid JSON";
        MALFORMED_BODY = "malformed_body", Malformed, "the body could not be read";
        MALFORMED_MULTIPART = "malformed_multipart", Malformed, "the multipart body could not be read";
        INVALID_PATH_PARAMETER = "invalid_path_parameter", Malformed, "a path parameter is malformed";
        INVALID_QUERY = "invalid_query", Malformed, "the query string is malformed";
        INVALID_IF_MATCH = "invalid_if_match", Malformed, "If-Match is not an ETag of this API";
        INVALID_CURSOR = "invalid_cursor", Malformed, "the cursor is malformed or belongs to another query";
        CURSOR_EXPIRED = "cursor_expired", Gone, "the change feed no longer keeps entries this old; read the resources again";
        INVALID_IDEMPOTENCY_KEY = "invalid_idempotency_key", Malformed, "Idempotency-Key must be 1–255 visible ASCII characters";
        UNSUPPORTED_FILTER = "unsupported_filter", Malformed, "this list cannot be filtered that way";
        INVALID_RANGE = "invalid_range", Malformed, "the period's end is before its start, or the period is too long";
        EMPTY_MESSAGE = "empty_message", Malformed, "an inbound email without content";
        REQUEST_FAILED = "request_failed", Malformed, "the request failed (a client error without a code of its own)";
        UNAUTHORIZED = "unauthorized", Unauthenticated, "authentication is required";
        MISSING_CREDENTIALS = "missing_credentials", Unauthenticated, "no Authorization header";
        INVALID_CREDENTIALS = "invalid_credentials", Unauthenticated, "wrong email or password, or a malformed Authorization header";
        TOKEN_EXPIRED = "token_expired", Unauthenticated, "the access token expired; refresh it";
        INVALID_TOKEN = "invalid_token", Unauthenticated, "the access token is not valid";
        SESSION_REVOKED = "session_revoked", Unauthenticated, "the session was ended; log in again";
        USER_INACTIVE = "user_inactive", Unauthenticated, "the account is deactivated";
        INVALID_API_KEY = "invalid_api_key", Unauthenticated, "unknown or revoked API key";
        REFRESH_TOKEN_REUSED = "refresh_token_reused", Unauthenticated, "a refresh token was used twice; the session was ended";
        INVALID_REFRESH_TOKEN = "invalid_refresh_token", Unauthenticated, "unknown, expired or revoked refresh token";
        INVALID_FEED_TOKEN = "invalid_feed_token", Unauthenticated, "the calendar link is not valid";
        INVALID_LINK = "invalid_link", Unauthenticated, "the portal link is unknown, used or expired; ask for a new one";
        CUSTOMER_TOKEN = "customer_token", Forbidden, "a customer's portal token opens the portal routes only";
        STAFF_TOKEN = "staff_token", Forbidden, "the portal routes are for customers' contacts; staff use the staff routes";
        FORBIDDEN = "forbidden", Forbidden, "the role or key scopes do not allow this";
        ORIGIN_NOT_ALLOWED = "origin_not_allowed", Forbidden, "the web form does not take submissions from this site (Origin)";
        USER_ONLY = "user_only", Forbidden, "only a staff member (not an API key) can do this";
        NOT_FOUND = "not_found", NotFound, "no such resource, or one the caller may not see";
        METHOD_NOT_ALLOWED = "method_not_allowed", MethodNotAllowed, "the route does not accept this method";
        ALREADY_TRIAGED = "already_triaged", Conflict, "the call was converted, merged or dismissed already";
        ALREADY_ASSIGNED = "already_assigned", Conflict, "someone already has the ticket";
        NOT_IN_TEAM = "not_in_team", Conflict, "only members of the ticket's team can claim it";
        NOT_ASSIGNEE = "not_assignee", Conflict, "only the ticket's assignee or a coordinator can hand it over";
        OPEN_TASKS = "open_tasks", Conflict, "the ticket has open tasks (listed in errors); cancel them with it or finish them";
        TICKET_CLOSED = "ticket_closed", Conflict, "the ticket is closed; reopen it first";
        TICKET_NOT_CLOSED = "ticket_not_closed", Conflict, "only a closed ticket can be reopened";
        USE_CLOSE = "use_close", Conflict, "closing has its own action: POST /tickets/{id}/close";
        REOPEN_WINDOW_PASSED = "reopen_window_passed", Conflict, "the reopen window has passed; open a new ticket";
        TASK_CLOSED = "task_closed", Conflict, "the task is done or cancelled and can no longer change";
        INVALID_TRANSITION = "invalid_transition", Conflict, "the task cannot move from its status to that one";
        NO_TIMER = "no_timer", Conflict, "no stopwatch is running";
        TIMER_RUNNING = "timer_running", Conflict, "a stopwatch is already running";
        LAST_ADMIN = "last_admin", Conflict, "the last active admin cannot be demoted or deactivated";
        MESSAGE_NOT_FAILED = "message_not_failed", Conflict, "only a failed outbound message can be retried";
        ATTACHMENT_IN_COMMENT = "attachment_in_comment", Conflict, "the file is part of a comment and stays with it";
        ATTACHMENT_SIGNED_OFF = "attachment_signed_off", Conflict, "the file is part of a signed-off field completion and stays";
        CHECKLIST_ITEM_CHECKED = "checklist_item_checked", Conflict, "a checked line stays on the checklist";
        IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight", Conflict, "a request with this Idempotency-Key is still running";
        IDEMPOTENT_REQUEST_CARRIED_OUT = "idempotent_request_carried_out", Conflict, "the request with this Idempotency-Key was carried out but its response was lost when the server stopped; it will not run again";
        DUPLICATE_MESSAGE = "duplicate_message", Conflict, "an email with this Message-ID was stored meanwhile";
        ALREADY_COMPLETED = "already_completed", Conflict, "the task was completed already";
        JOB_NOT_DEAD = "job_not_dead", Conflict, "only a dead job can be retried";
        NAME_TAKEN = "name_taken", Conflict, "the name is taken in this list";
        TEAM_NAME_TAKEN = "team_name_taken", Conflict, "a team with this name exists";
        EMAIL_TAKEN = "email_taken", Conflict, "a user with this email exists";
        SKU_TAKEN = "sku_taken", Conflict, "a product with this SKU exists";
        SERIAL_NUMBER_TAKEN = "serial_number_taken", Conflict, "the product has a unit with this serial number";
        DEFAULT_REQUIRED = "default_required", Conflict, "the default of a list cannot be removed; make another the default first";
        USER_HAS_HISTORY = "user_has_history", Conflict, "the user has history; deactivate them instead";
        TEAM_IN_USE = "team_in_use", Conflict, "records refer to the team";
        DICTIONARY_ENTRY_IN_USE = "dictionary_entry_in_use", Conflict, "records refer to the entry; deactivate it instead";
        CUSTOMER_IN_USE = "customer_in_use", Conflict, "records refer to the customer; deactivate it instead";
        LOCATION_IN_USE = "location_in_use", Conflict, "records refer to the location; deactivate it instead";
        CONTACT_IN_USE = "contact_in_use", Conflict, "records refer to the contact; deactivate it instead";
        PARTNER_IN_USE = "partner_in_use", Conflict, "records refer to the partner; deactivate it instead";
        PRODUCT_IN_USE = "product_in_use", Conflict, "records refer to the product; deactivate it instead";
        EQUIPMENT_IN_USE = "equipment_in_use", Conflict, "records refer to the unit; deactivate it instead";
        ALREADY_BILLED = "already_billed", Conflict, "a finalized statement billed it; correct it with a credit note (a document)";
        DRAFT_OUTDATED = "draft_outdated", Conflict, "what the draft bills changed since it was computed; recompute it";
        STATEMENT_NOT_FINAL = "statement_not_final", Conflict, "the statement's run is not finalized yet";
        RUN_NOT_DRAFT = "run_not_draft", Conflict, "the billing run is not a draft (still computing, or finalized)";
        GENERATED_DOCUMENT = "generated_document", Conflict, "intervention reports and statements are Servdesk's own and change only through it";
        DOCUMENT_NUMBER_TAKEN = "document_number_taken", Conflict, "a document of this kind with this number exists";
        EXTERNAL_REF_TAKEN = "external_ref_taken", Conflict, "another record of this kind has this external reference";
        CUSTOM_FIELD_KEY_TAKEN = "custom_field_key_taken", Conflict, "another custom field of this kind of record has this key";
        SLUG_TAKEN = "slug_taken", Conflict, "another web form has this slug";
        RATE_EXISTS = "rate_exists", Conflict, "a billing rate for this scope already starts on this date";
        CALENDAR_IN_USE = "calendar_in_use", Conflict, "an SLA policy runs on the calendar; give the policy another one first";
        STALE_VERSION = "stale_version", Precondition, "the resource changed since it was read (If-Match); fetch it again";
        PAYLOAD_TOO_LARGE = "payload_too_large", TooLarge, "the body is larger than accepted";
        ATTACHMENT_TOO_LARGE = "attachment_too_large", TooLarge, "a file is larger than the attachment limit";
        PART_TOO_LARGE = "part_too_large", TooLarge, "a form part is larger than accepted";
        MESSAGE_TOO_LARGE = "message_too_large", TooLarge, "the inbound email is larger than accepted";
        UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", UnsupportedMediaType, "the body's content type is not accepted here";
        VALIDATION_FAILED = "validation_failed", Unprocessable, "fields are invalid; each is listed in errors";
        INVALID_BODY = "invalid_body", Unprocessable, "the body does not match the schema";
        EXPORT_TOO_LARGE = "export_too_large", Unprocessable, "more rows than one export takes; narrow the filter";
        INVALID_CHARACTER = "invalid_character", Unprocessable, "a text contains a NUL character, which no text accepts";
        IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", Unprocessable, "the Idempotency-Key was used with a different request";
        RATE_LIMITED = "rate_limited", RateLimited, "too many requests of this class from this caller; retry after Retry-After seconds";
        TOO_MANY_LOGIN_ATTEMPTS = "too_many_login_attempts", RateLimited, "too many failed logins; retry after Retry-After seconds";
        STORAGE_UNAVAILABLE = "storage_unavailable", Unavailable, "the file store does not answer; retry later";
        DATABASE_UNAVAILABLE = "database_unavailable", Unavailable, "the database does not answer";
        INTERNAL_ERROR = "internal_error", Internal, "an internal error; it has been logged";
    }
}

/// Field codes: the `code` of an `errors[]` entry of a `validation_failed` problem.
pub mod field {
    code_table! { ALL;
        REQUIRED = "required", InvalidField, "the field is required";
        LENGTH = "length", InvalidField, "too short or too long";
        RANGE = "range", InvalidField, "out of range";
        EMAIL = "email", InvalidField, "not an email address";
        PHONE = "phone", InvalidField, "not a phone number";
        BLANK = "blank", InvalidField, "must not be blank";
        PASSWORD_POLICY = "password_policy", InvalidField, "the password is too weak";
        COUNTRY = "country", InvalidField, "not an ISO 3166-1 alpha-2 country code";
        URL = "url", InvalidField, "not a URL";
        OBJECT = "object", InvalidField, "must be a JSON object";
        PATTERN = "pattern", InvalidField, "not a valid pattern";
        TEMPLATE = "template", InvalidField, "the template has an unknown or unclosed placeholder";
        TEMPLATE_INVALID = "template_invalid", InvalidField, "the notification template does not compile or render";
        INVALID_LANGUAGE = "invalid_language", InvalidField, "not a BCP 47 language tag";
        NOT_UTF8 = "not_utf8", InvalidField, "the part is not UTF-8 text";
        INVALID_JSON = "invalid_json", InvalidField, "a form part is not the JSON it should be";
        NOT_FOUND = "not_found", InvalidField, "no such record";
        INACTIVE = "inactive", InvalidField, "the referenced record is deactivated";
        INVALID_QUANTITY = "invalid_quantity", InvalidField, "not a quantity (at most three decimals, positive)";
        SIGNATURE_INCOMPLETE = "signature_incomplete", InvalidField, "a signature needs the signer's name, and a name needs the signature";
        NOT_PNG = "not_png", InvalidField, "the signature must be a PNG image";
        NOT_A_PHOTO = "not_a_photo", InvalidField, "photos are JPEG or PNG images";
        NOT_ATTACHABLE = "not_attachable", InvalidField, "the file cannot be attached here (another ticket's, or in a comment already)";
        NOT_FOR_THIS_KIND = "not_for_this_kind", InvalidField, "the field does not apply to this kind of dictionary";
        CONTACT_OF_ANOTHER_CUSTOMER = "contact_of_another_customer", InvalidField, "the contact belongs to another customer";
        LOCATION_OF_ANOTHER_CUSTOMER = "location_of_another_customer", InvalidField, "the location belongs to another customer";
        CONTRACT_OF_ANOTHER_CUSTOMER = "contract_of_another_customer", InvalidField, "the contract belongs to another customer (or the unit has none)";
        PARTNER_LINK = "partner_link", InvalidField, "partner users (and only they) name their partner";
        WRONG_PASSWORD = "wrong_password", InvalidField, "the current password is wrong";
        WRONG_CATEGORY = "wrong_category", InvalidField, "the task type belongs to another task category";
        WRONG_TICKET = "wrong_ticket", InvalidField, "the task belongs to another ticket";
        SERIAL_PATTERN = "serial_pattern", InvalidField, "the serial number does not match its product's format";
        SERIAL_MISMATCH = "serial_mismatch", InvalidField, "differs from the linked equipment's serial number";
        PRODUCT_REQUIRED = "product_required", InvalidField, "name the product to check an unknown or ambiguous serial number";
        WARRANTY_REASON_REQUIRED = "warranty_reason_required", InvalidField, "overriding the warranty flag needs a reason";
        BEFORE_START = "before_start", InvalidField, "the end is before the start";
        TOO_LONG = "too_long", InvalidField, "the span is longer than allowed";
        INCOMPLETE_SPAN = "incomplete_span", InvalidField, "give both ends of the span, or minutes";
        OUT_OF_RANGE = "out_of_range", InvalidField, "the minutes are out of range";
        IN_THE_FUTURE = "in_the_future", InvalidField, "the time is in the future";
        TOO_OLD = "too_old", InvalidField, "the time is more than a year back";
        USER_ONLY = "user_only", InvalidField, "only staff members log time";
        UNSUPPORTED = "unsupported", InvalidField, "the list cannot be ordered or filtered that way";
        UNKNOWN = "unknown", InvalidField, "not one of the accepted values";
        NOT_ASSIGNABLE = "not_assignable", InvalidField, "the person cannot be given this (finance and partner users work no tickets, finance no tasks)";
        NOT_A_CLOSING_STATUS = "not_a_closing_status", InvalidField, "the status is not of class closed or cancelled";
        OPEN_TASK = "open_task", InvalidField, "an open task of the ticket (one entry per task)";
        REPEATED_PART = "repeated_part", InvalidField, "a form part was sent twice";
        UNKNOWN_PART = "unknown_part", InvalidField, "the form has no part of this name";
        TOO_MANY_FILES = "too_many_files", InvalidField, "too many files in one request";
        FORBIDDEN_TYPE = "forbidden_type", InvalidField, "this kind of file is not accepted";
        CONTENT_TYPE_MISMATCH = "content_type_mismatch", InvalidField, "the file's content is not what its type says";
        PERIOD = "period", InvalidField, "not a period: 2027-01 (month), 2027-Q1 (quarter), 2027-H1 (half year) or 2027 (year)";
        CURRENCY = "currency", InvalidField, "not an ISO 4217 currency code (three capital letters)";
        DUPLICATE = "duplicate", InvalidField, "repeated where each must be unique";
        ORIGIN = "origin", InvalidField, "not a web origin: http(s)://host[:port], nothing after";
        OVERLAPS = "overlaps", InvalidField, "another contract of the customer covers the same work on some of these days";
        PRIVATE_ADDRESS = "private_address", InvalidField, "the host resolves to a loopback, private or link-local address (an installation setting allows them)";
        UNRESOLVABLE = "unresolvable", InvalidField, "the host name does not resolve";
        TYPE = "type", InvalidField, "the value is not of the field's type";
        UNKNOWN_OPTION = "unknown_option", InvalidField, "not one of the field's options";
        TIME_ZONE = "time_zone", InvalidField, "not an IANA time zone name (Europe/Ljubljana)";
        TIME_OF_DAY = "time_of_day", InvalidField, "not a time of day HH:MM (00:00 to 24:00)";
        RANGES = "ranges", InvalidField, "a day's working ranges run backwards or overlap";
        NO_TARGET = "no_target", InvalidField, "a policy needs at least one target";
    }
}

/// Finds a problem code by name.
pub fn problem_code(name: &str) -> Option<Code> {
    code::ALL.iter().copied().find(|c| c.as_str() == name)
}

/// Finds a field code by name.
pub fn field_code(name: &str) -> Option<Code> {
    field::ALL.iter().copied().find(|c| c.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(table: &[Code]) -> Vec<&'static str> {
        table.iter().map(|c| c.as_str()).collect()
    }

    #[test]
    fn every_code_is_lower_snake_case() {
        for c in code::ALL.iter().chain(field::ALL) {
            assert!(c.as_str().chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'), "{c}");
            assert!(!c.summary().is_empty(), "{c} has no summary");
        }
    }

    #[test]
    fn no_code_is_listed_twice_in_its_table() {
        for table in [code::ALL, field::ALL] {
            let mut all = names(table);
            let count = all.len();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), count);
        }
    }

    #[test]
    fn field_codes_are_field_errors_and_problem_codes_are_not() {
        assert!(field::ALL.iter().all(Code::is_field));
        assert!(!code::ALL.iter().any(Code::is_field));
    }

    #[test]
    fn a_code_is_found_by_its_name_in_its_own_table() {
        assert_eq!(problem_code("not_found"), Some(code::NOT_FOUND));
        assert_eq!(field_code("not_found"), Some(field::NOT_FOUND));
        assert_eq!(problem_code("before_start"), None);
    }
}
