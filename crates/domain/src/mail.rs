//! Email threading: our Message-IDs, the ticket number in subjects, `In-Reply-To` and
//! `References`, and the parts of an incoming reply (new text vs quoted history).
//!
//! A reply is matched to its ticket by the number in its subject (clients add `Re:`, `AW:`,
//! `Odp:` and friends, some drop our brackets) or by the Message-IDs it answers.

use std::sync::LazyLock;

use regex::Regex;
use uuid::Uuid;

/// How many Message-IDs a `References` header carries at most: the thread's first and the
/// most recent ones (RFC 5322 lets a client trim the middle).
pub const MAX_REFERENCES: usize = 20;

/// Our Message-ID for a message: `<uuid@domain>`, without the angle brackets.
pub fn message_id(id: Uuid, domain: &str) -> String {
    format!("{}@{}", id.simple(), domain.trim().trim_matches(|c| c == '<' || c == '>'))
}

/// The domain of an address (`Servdesk <desk@example.com>` -> `example.com`).
pub fn domain_of(address: &str) -> Option<String> {
    let addr = address.rsplit_once('<').map_or(address, |(_, a)| a).trim_end_matches('>');
    addr.rsplit_once('@').map(|(_, d)| d.trim().to_lowercase()).filter(|d| !d.is_empty())
}

/// The address of a mailbox written `Name <address>` or `address`, if it is one: a local
/// part and a domain (which, as mail servers allow, may be a single label like `localhost`).
pub fn mailbox_address(mailbox: &str) -> Option<String> {
    let mailbox = mailbox.trim();
    let address = match mailbox.rsplit_once('<') {
        Some((_, rest)) => rest.strip_suffix('>')?,
        None => mailbox,
    }
    .trim();
    let (local, domain) = address.split_once('@')?;
    let well_formed = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
    well_formed.then(|| address.to_owned())
}

/// A Message-ID as stored: trimmed, without angle brackets.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    let id = raw.trim().trim_start_matches('<').trim_end_matches('>').trim();
    (!id.is_empty() && !id.contains(char::is_whitespace)).then(|| id.to_owned())
}

/// `In-Reply-To` and `References` of a new message in a thread whose messages (oldest
/// first) carried `thread`.
pub fn thread_headers(thread: &[String]) -> (Option<String>, Vec<String>) {
    let in_reply_to = thread.last().cloned();
    let references = if thread.len() <= MAX_REFERENCES {
        thread.to_vec()
    } else {
        let mut refs = vec![thread[0].clone()];
        refs.extend_from_slice(&thread[thread.len() - (MAX_REFERENCES - 1)..]);
        refs
    };
    (in_reply_to, references)
}

/// The subject with the ticket's number in brackets, once: `[T-2026-000042] Subject`.
pub fn subject_with_ticket(subject: &str, number: &str) -> String {
    let subject = subject.trim();
    if subject.contains(&format!("[{number}]")) {
        return subject.to_owned();
    }
    if subject.is_empty() { format!("[{number}]") } else { format!("[{number}] {subject}") }
}

static REPLY_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    // Re (en), AW/WG (de), Odp/PD (pl), Fwd/Fw/TR/RV/R/I (it/fr/es), SV (nordic), Odg (hr/sl).
    #[allow(clippy::expect_used)] // A constant pattern: tested below.
    Regex::new(r"(?i)^\s*(?:(?:re|aw|wg|odp|odg|pd|fwd?|tr|rv|sv|vs|r|i)\s*(?:\[\d+\])?\s*:\s*)+").expect("reply prefix pattern")
});

/// The subject without reply and forward prefixes (`Re: AW: Fwd: x` -> `x`).
pub fn strip_reply_prefixes(subject: &str) -> &str {
    let end = REPLY_PREFIX.find(subject).map_or(0, |m| m.end());
    subject[end..].trim()
}

/// The ticket number a subject names, with or without our brackets, for a ticket prefix
/// (`T`): `Re: [T-2026-000042] x` and `Odp: T-2026-000042` both name `T-2026-000042`.
pub fn ticket_number_in_subject(subject: &str, prefix: &str) -> Option<String> {
    let pattern = format!(r"(?i)(?:^|[^A-Za-z0-9])({}-\d{{4}}-\d{{6}})(?:$|[^0-9])", regex::escape(prefix));
    let re = Regex::new(&pattern).ok()?;
    re.captures(subject).map(|c| c[1].to_uppercase())
}

/// The Message-IDs a header such as `References` lists.
pub fn message_ids_in(header: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else { break };
        if let Some(id) = normalize_message_id(&rest[start + 1..start + len]) {
            ids.push(id);
        }
        rest = &rest[start + len + 1..];
    }
    if ids.is_empty() {
        ids.extend(header.split_whitespace().filter_map(normalize_message_id));
    }
    ids
}

/// A reply split into what the sender wrote and the history they quoted below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyParts {
    pub new_text: String,
    pub quoted: Option<String>,
}

static QUOTE_HEADER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // A constant pattern: tested below.
    Regex::new(concat!(
        r"(?im)^\s*(?:",
        r"On .{3,200}wrote:\s*$",
        r"|W dniu .{3,200}pisze:\s*$",
        r"|Dne .{3,200}(?:napisal|napisala|napisal\(a\)|je napisal|je napisala|pisze):\s*$",
        r"|Il giorno .{3,200}ha scritto:\s*$",
        r"|Am .{3,200}schrieb .{0,200}:\s*$",
        r"|-{2,}\s*(?:Original Message|Oryginalna wiadomość|Messaggio originale|Izvorna poruka|Izvirno sporočilo|Ursprüngliche Nachricht)\s*-{2,}\s*$",
        r"|_{10,}\s*$",
        r"|From:\s.+$",
        r")"
    ))
    .expect("quote header pattern")
});

/// Splits a plain-text reply at the first line that starts the quoted history (an
/// attribution line such as "On … wrote:", a forwarded-message marker, an Outlook header
/// block, or the first `>` line that runs to the end).
pub fn split_reply(text: &str) -> ReplyParts {
    let text = text.replace("\r\n", "\n");
    let mut cut = QUOTE_HEADER.find(&text).map(|m| m.start());
    // A trailing block of `>` lines with nothing but blank lines after it.
    let lines: Vec<&str> = text.lines().collect();
    let mut first_quoted = None;
    for (i, line) in lines.iter().enumerate().rev() {
        if line.trim_start().starts_with('>') {
            first_quoted = Some(i);
        } else if !line.trim().is_empty() {
            break;
        }
    }
    if let Some(i) = first_quoted {
        let offset: usize = lines[..i].iter().map(|l| l.len() + 1).sum();
        cut = Some(cut.map_or(offset, |c| c.min(offset)));
    }
    match cut {
        Some(at) if !text[..at].trim().is_empty() => {
            ReplyParts { new_text: text[..at].trim_end().to_owned(), quoted: Some(text[at..].trim().to_owned()) }
        }
        _ => ReplyParts { new_text: text.trim_end().to_owned(), quoted: None },
    }
}

/// What we know of the sender of an email that answers a ticket (by the number in its
/// subject or by its thread). Ticket numbers are sequential and subjects are easy to write,
/// so answering a ticket — a public comment on it, and reopening it — is for those the
/// ticket is about: its contact, its customer's contacts, and anyone we wrote to about it.
/// Anyone else's message becomes a call linked to the ticket, for an agent to merge.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SenderStanding {
    pub is_ticket_contact: bool,
    pub is_customer_contact: bool,
    pub was_written_to: bool,
}

impl SenderStanding {
    pub fn may_answer_ticket(self) -> bool {
        self.is_ticket_contact || self.is_customer_contact || self.was_written_to
    }
}

/// What an incoming message is, as far as loops are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundKind {
    /// One of our own messages come back (a copy, a forwarding loop).
    Own,
    /// A delivery status notification: one of our messages bounced.
    Bounce,
    /// Written by a machine (auto-reply, list, bulk): stored, never answered, no call.
    Automated(&'static str),
    /// Written by a person.
    Person,
}

/// The headers of an incoming message that tell machines from people.
#[derive(Debug, Clone, Copy, Default)]
pub struct InboundSignals<'a> {
    /// Its Message-ID is one we generated.
    pub our_message_id: bool,
    /// `multipart/report; report-type=delivery-status` (RFC 3464), or a `message/delivery-status` part.
    pub delivery_report: bool,
    pub from: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub auto_submitted: Option<&'a str>,
    pub precedence: Option<&'a str>,
    /// It came through a mailing list (`List-Id`).
    pub list: bool,
    /// `X-Autoreply`, `X-Autorespond` or Microsoft's `X-Auto-Response-Suppress`-style markers.
    pub autoreply_header: bool,
}

const BOUNCE_SUBJECTS: [&str; 8] = [
    "undelivered mail",
    "undeliverable",
    "delivery status notification",
    "returned mail",
    "failure notice",
    "mail delivery failed",
    "delivery failure",
    "niedostarczon",
];

/// Decides what an incoming message is: no call, no acknowledgement and no comment for
/// anything but a person's message — the rule that keeps two robots from mailing each
/// other forever.
pub fn classify_inbound(s: InboundSignals<'_>) -> InboundKind {
    if s.our_message_id {
        return InboundKind::Own;
    }
    let local = s.from.and_then(|f| f.split('@').next()).unwrap_or("").to_lowercase();
    let subject = s.subject.unwrap_or("").to_lowercase();
    let daemon = matches!(local.as_str(), "mailer-daemon" | "postmaster");
    if s.delivery_report || (daemon && BOUNCE_SUBJECTS.iter().any(|b| subject.contains(b))) {
        return InboundKind::Bounce;
    }
    if s.auto_submitted.is_some_and(|v| !v.trim().eq_ignore_ascii_case("no")) {
        return InboundKind::Automated("auto_submitted");
    }
    if s.precedence.is_some_and(|p| matches!(p.trim().to_lowercase().as_str(), "bulk" | "junk" | "list")) {
        return InboundKind::Automated("precedence");
    }
    if s.list {
        return InboundKind::Automated("mailing_list");
    }
    if s.autoreply_header {
        return InboundKind::Automated("auto_reply");
    }
    if daemon {
        return InboundKind::Automated("mailer_daemon");
    }
    InboundKind::Person
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_is_an_address_with_or_without_a_name() {
        assert_eq!(mailbox_address("Servdesk <desk@example.com>").as_deref(), Some("desk@example.com"));
        assert_eq!(mailbox_address("desk@example.com").as_deref(), Some("desk@example.com"));
        assert_eq!(mailbox_address("Servdesk <servdesk@localhost>").as_deref(), Some("servdesk@localhost"));
        assert!(mailbox_address("Servdesk <desk@example.com").is_none());
        assert!(mailbox_address("not an address").is_none());
        assert!(mailbox_address("Servdesk <>").is_none());
    }

    #[test]
    fn message_ids_are_ours_and_bracketless() {
        let id = Uuid::parse_str("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b").unwrap();
        assert_eq!(message_id(id, "desk.example.com"), "0190a1b2c3d47e5f8a9b0c1d2e3f4a5b@desk.example.com");
        assert_eq!(normalize_message_id(" <abc@x> "), Some("abc@x".to_owned()));
        assert_eq!(normalize_message_id("<>"), None);
        assert_eq!(domain_of("Servdesk <Desk@Example.COM>"), Some("example.com".to_owned()));
        assert_eq!(domain_of("nobody"), None);
    }

    #[test]
    fn a_reply_answers_the_last_message_and_references_the_thread() {
        let thread: Vec<String> = (0..3).map(|i| format!("m{i}@x")).collect();
        let (reply_to, refs) = thread_headers(&thread);
        assert_eq!(reply_to.as_deref(), Some("m2@x"));
        assert_eq!(refs, thread);
        assert_eq!(thread_headers(&[]), (None, vec![]));
    }

    #[test]
    fn long_threads_keep_the_first_and_the_latest_references() {
        let thread: Vec<String> = (0..50).map(|i| format!("m{i}@x")).collect();
        let (_, refs) = thread_headers(&thread);
        assert_eq!(refs.len(), MAX_REFERENCES);
        assert_eq!(refs[0], "m0@x");
        assert_eq!(refs[1], "m31@x");
        assert_eq!(refs.last().unwrap(), "m49@x");
    }

    #[test]
    fn the_ticket_number_is_put_in_the_subject_once() {
        assert_eq!(subject_with_ticket("Boiler leaks", "T-2026-000042"), "[T-2026-000042] Boiler leaks");
        assert_eq!(subject_with_ticket("Re: [T-2026-000042] Boiler leaks", "T-2026-000042"), "Re: [T-2026-000042] Boiler leaks");
        assert_eq!(subject_with_ticket("", "T-2026-000042"), "[T-2026-000042]");
    }

    #[test]
    fn a_ticket_number_is_found_with_or_without_brackets_behind_any_prefix() {
        for subject in [
            "Re: [T-2026-000042] Boiler leaks",
            "Odp: T-2026-000042 Boiler",
            "AW: WG: [t-2026-000042]",
            "Fwd: RE: ticket T-2026-000042",
            "T-2026-000042",
        ] {
            assert_eq!(ticket_number_in_subject(subject, "T").as_deref(), Some("T-2026-000042"), "{subject}");
        }
        assert_eq!(ticket_number_in_subject("Order ST-2026-000042", "T"), None);
        assert_eq!(ticket_number_in_subject("T-2026-0000421", "T"), None);
        assert_eq!(ticket_number_in_subject("Question about invoices", "T"), None);
        assert_eq!(ticket_number_in_subject("[SD-2026-000007] x", "SD").as_deref(), Some("SD-2026-000007"));
    }

    #[test]
    fn reply_prefixes_are_stripped_in_any_language() {
        assert_eq!(strip_reply_prefixes("Re: AW: Odp: Fwd: Boiler"), "Boiler");
        assert_eq!(strip_reply_prefixes("RE[2]: Boiler"), "Boiler");
        assert_eq!(strip_reply_prefixes("Reply needed"), "Reply needed");
    }

    #[test]
    fn references_headers_list_their_ids() {
        assert_eq!(message_ids_in("<a@x> <b@y>\r\n <c@z>"), ["a@x", "b@y", "c@z"]);
        assert_eq!(message_ids_in("a@x"), ["a@x"]);
        assert!(message_ids_in("").is_empty());
    }

    #[test]
    fn a_reply_is_split_from_the_history_it_quotes() {
        let parts = split_reply("Thanks, it works now.\n\nOn Mon, 23 Nov 2026 at 10:00, Servdesk <desk@x> wrote:\n> Hello\n> the fix\n");
        assert_eq!(parts.new_text, "Thanks, it works now.");
        assert!(parts.quoted.unwrap().starts_with("On Mon"));
        let polish = split_reply("Dziękuję\n\nW dniu 23.11.2026 o 10:00, Serwis <s@x> pisze:\n> tekst");
        assert_eq!(polish.new_text, "Dziękuję");
        let quoted_only_at_end = split_reply("Yes\n> earlier\n> text\n\n");
        assert_eq!(quoted_only_at_end.new_text, "Yes");
        let inline = split_reply("> question?\nanswer\n");
        assert_eq!(inline.quoted, None);
        let outlook = split_reply("Ok\r\n\r\n________________________________\r\nFrom: Desk\r\nSent: …");
        assert_eq!(outlook.new_text, "Ok");
    }

    #[test]
    fn our_own_messages_and_bounces_are_recognised_first() {
        let own = InboundSignals { our_message_id: true, from: Some("ana@x.si"), ..Default::default() };
        assert_eq!(classify_inbound(own), InboundKind::Own);
        let report = InboundSignals { delivery_report: true, from: Some("MAILER-DAEMON@mx.x"), ..Default::default() };
        assert_eq!(classify_inbound(report), InboundKind::Bounce);
        let plain_bounce =
            InboundSignals { from: Some("postmaster@mx.x"), subject: Some("Undeliverable: Your ticket"), ..Default::default() };
        assert_eq!(classify_inbound(plain_bounce), InboundKind::Bounce);
    }

    #[test]
    fn machines_are_told_apart_from_people() {
        let auto = |s: InboundSignals<'static>| classify_inbound(s);
        assert_eq!(
            auto(InboundSignals { auto_submitted: Some("auto-replied"), ..Default::default() }),
            InboundKind::Automated("auto_submitted")
        );
        assert_eq!(auto(InboundSignals { auto_submitted: Some("No"), ..Default::default() }), InboundKind::Person);
        assert_eq!(auto(InboundSignals { precedence: Some("Bulk"), ..Default::default() }), InboundKind::Automated("precedence"));
        assert_eq!(auto(InboundSignals { precedence: Some("first-class"), ..Default::default() }), InboundKind::Person);
        assert_eq!(auto(InboundSignals { list: true, ..Default::default() }), InboundKind::Automated("mailing_list"));
        assert_eq!(auto(InboundSignals { autoreply_header: true, ..Default::default() }), InboundKind::Automated("auto_reply"));
        assert_eq!(
            auto(InboundSignals { from: Some("mailer-daemon@x"), subject: Some("Hi"), ..Default::default() }),
            InboundKind::Automated("mailer_daemon")
        );
        assert_eq!(
            auto(InboundSignals { from: Some("ana@x.si"), subject: Some("Undeliverable boiler"), ..Default::default() }),
            InboundKind::Person
        );
    }

    #[test]
    fn a_message_that_is_all_quote_is_kept_whole() {
        let parts = split_reply("> only quoted\n");
        assert_eq!(parts.new_text, "> only quoted");
        assert_eq!(parts.quoted, None);
    }

    #[test]
    fn a_stranger_who_writes_a_ticket_number_does_not_answer_the_ticket() {
        assert!(!SenderStanding::default().may_answer_ticket());
        assert!(SenderStanding { is_customer_contact: true, ..SenderStanding::default() }.may_answer_ticket());
        assert!(SenderStanding { was_written_to: true, ..SenderStanding::default() }.may_answer_ticket());
        assert!(SenderStanding { is_ticket_contact: true, ..SenderStanding::default() }.may_answer_ticket());
    }
}
