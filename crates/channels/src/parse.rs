//! Reading an incoming email (RFC 5322, MIME) into what Servdesk keeps of it. Whatever the
//! charset (ISO-8859-2, Windows-1250, UTF-8), transfer encoding, structure or damage, the
//! result has text to show: a message that cannot be parsed at all keeps its raw bytes as
//! text, read as UTF-8 where it is and Latin-1 elsewhere.

use mail_parser::{Address, MessageParser, MimeHeaders, PartType};
use servdesk_domain::mail::{message_ids_in, normalize_message_id};

pub use servdesk_usecases::inbound::{File, Parsed};

fn first_address(address: Option<&Address<'_>>) -> (Option<String>, Option<String>) {
    let first = address.and_then(|a| a.first());
    (first.and_then(|a| a.address()).map(|a| a.trim().to_lowercase()), first.and_then(|a| a.name()).map(|n| n.trim().to_owned()))
}

/// Bytes as text: UTF-8 where valid, else each byte as its Latin-1 character (nothing lost).
fn lossless_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn header_text(message: &mail_parser::Message<'_>, name: &str) -> Option<String> {
    message.header_raw(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What the databases can store: no NUL characters (PostgreSQL's text refuses them), and
/// at most `max` characters.
fn storable(s: &str, max: usize) -> String {
    s.chars().filter(|c| *c != '\0').take(max).collect()
}

pub fn parse(raw: &[u8]) -> Parsed {
    let mut parsed = parse_unchecked(raw);
    parsed.message_id = parsed.message_id.filter(|id| id.len() <= 900 && !id.contains('\0'));
    parsed.from_address = parsed.from_address.filter(|a| a.len() <= 254).map(|a| storable(&a, 254));
    parsed.from_name = parsed.from_name.map(|n| storable(&n, 200));
    parsed.to = parsed.to.iter().filter(|a| a.len() <= 320).map(|a| storable(a, 320)).collect();
    parsed.subject = parsed.subject.map(|s| storable(&s, 998));
    parsed.thread.retain(|id| id.len() <= 900 && !id.contains('\0'));
    parsed.auto_submitted = parsed.auto_submitted.map(|v| storable(&v, 40));
    if parsed.text.trim().is_empty() && parsed.html.is_none() {
        // Nothing readable came out of the MIME structure (a broken one, an unknown
        // charset): keep what follows the headers as it is, so nothing is lost.
        let body = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .map(|at| &raw[at + 4..])
            .or_else(|| raw.windows(2).position(|w| w == b"\n\n").map(|at| &raw[at + 2..]));
        parsed.text = lossless_text(body.unwrap_or(raw));
    }
    parsed.text = storable(&parsed.text, usize::MAX);
    parsed.html = parsed.html.map(|h| storable(&h, usize::MAX));
    for file in &mut parsed.files {
        file.filename = storable(&file.filename, 255);
    }
    parsed
}

fn parse_unchecked(raw: &[u8]) -> Parsed {
    let Some(message) = MessageParser::default().parse(raw).filter(|m| !m.parts.is_empty()) else {
        return Parsed { text: lossless_text(raw), malformed: true, ..Default::default() };
    };
    let (from_address, from_name) = first_address(message.from().or(message.sender()));
    let to =
        message.to().into_iter().chain(message.cc()).flat_map(|a| a.iter()).filter_map(|a| a.address()).map(|a| a.to_lowercase()).collect();
    let mut thread: Vec<String> = Vec::new();
    for header in ["In-Reply-To", "References"] {
        if let Some(raw) = message.header_raw(header) {
            for id in message_ids_in(raw) {
                if !thread.contains(&id) {
                    thread.push(id);
                }
            }
        }
    }
    let content_type = message.content_type();
    let delivery_report = content_type.is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct.attribute("report-type").is_some_and(|r| r.eq_ignore_ascii_case("delivery-status"))
    }) || message.parts.iter().any(|p| {
        p.content_type().is_some_and(|ct| {
            ct.ctype().eq_ignore_ascii_case("message") && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("delivery-status"))
        })
    });
    let mut reported_ids = Vec::new();
    if delivery_report {
        for part in &message.parts {
            match &part.body {
                PartType::Message(inner) => reported_ids.extend(inner.message_id().and_then(normalize_message_id)),
                PartType::Text(text) => reported_ids.extend(ids_in_headers_text(text)),
                PartType::Binary(bytes) | PartType::InlineBinary(bytes) => reported_ids.extend(ids_in_headers_text(&lossless_text(bytes))),
                _ => {}
            }
        }
    }
    let text_body = message.body_text(0).map(|t| t.into_owned());
    let html = message.body_html(0).map(|h| h.into_owned());
    // An HTML-only message: mail-parser turns the HTML into text for body_text.
    let text = text_body.unwrap_or_default();
    let body_parts: Vec<u32> = message.text_body.iter().chain(message.html_body.iter()).copied().collect();
    let mut files = Vec::new();
    for (index, part) in message.parts.iter().enumerate() {
        let index = index as u32;
        if body_parts.contains(&index) || part.is_multipart() {
            continue;
        }
        let is_attachment = message.attachments.contains(&index);
        let ct = part.content_type();
        let is_image = ct.is_some_and(|c| c.ctype().eq_ignore_ascii_case("image"));
        if !is_attachment && !is_image {
            continue;
        }
        let bytes = match &part.body {
            PartType::Binary(b) | PartType::InlineBinary(b) => b.to_vec(),
            PartType::Text(t) | PartType::Html(t) => t.as_bytes().to_vec(),
            PartType::Message(m) => m.raw_message().to_vec(),
            PartType::Multipart(_) => continue,
        };
        let content_type = ct.map(|c| match c.subtype() {
            Some(sub) => format!("{}/{}", c.ctype(), sub).to_lowercase(),
            None => c.ctype().to_lowercase(),
        });
        let filename = part.attachment_name().map(str::to_owned).unwrap_or_else(|| {
            let ext = content_type.as_deref().and_then(|c| c.split('/').nth(1)).unwrap_or("bin");
            format!("part-{index}.{ext}")
        });
        let inline = part.content_disposition().is_some_and(|d| d.ctype().eq_ignore_ascii_case("inline")) || part.content_id().is_some();
        files.push(File { filename, content_type, bytes, inline });
    }
    Parsed {
        message_id: message.message_id().and_then(normalize_message_id),
        from_address,
        from_name,
        to,
        subject: message.subject().map(|s| s.trim().to_owned()),
        date: message.date().map(|d| d.to_rfc3339()),
        thread,
        auto_submitted: header_text(&message, "Auto-Submitted"),
        precedence: header_text(&message, "Precedence"),
        list: message.header_raw("List-Id").is_some(),
        autoreply_header: ["X-Autoreply", "X-Autorespond", "X-Autoresponder"].iter().any(|h| message.header_raw(*h).is_some()),
        delivery_report,
        reported_ids,
        text,
        html,
        files,
        malformed: false,
    }
}

/// `Message-ID:` lines in a block of headers (a `text/rfc822-headers` part of a bounce).
fn ids_in_headers_text(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim().eq_ignore_ascii_case("message-id").then(|| message_ids_in(value)).filter(|ids| !ids.is_empty())
        })
        .flatten()
        .collect()
}
