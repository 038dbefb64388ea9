//! Attachments: what a file is, judged from its bytes rather than from what the uploader
//! says, and the names it may be stored and offered under.

use std::fmt;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Actor;
use crate::errors::{Code, DomainError, code};

/// How many leading bytes are enough to recognise a format (and to tell text from binary).
pub const SNIFF_BYTES: usize = 8192;

/// Formats that are never accepted: programs a colleague might run by double-clicking.
const FORBIDDEN: &[&str] = &[
    "application/vnd.microsoft.portable-executable",
    "application/x-msdownload",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-sharedlib",
    "text/x-shellscript",
    "application/x-shellscript",
];

/// Formats whose magic numbers are reliable: a file declared as one of these that does not
/// start like one is something else in disguise.
fn declared_type_is_checkable(declared: &str) -> bool {
    declared.starts_with("image/") || declared.starts_with("audio/") || declared.starts_with("video/") || declared == "application/pdf"
}

/// Generic containers whose more precise type (a Word document is a zip) only the uploader knows.
fn is_container(detected: &str) -> bool {
    matches!(detected, "application/zip" | "application/x-ole-storage" | "application/vnd.ms-cfb")
}

/// Formats a browser may show inline without risk (no script can run in them).
pub fn may_be_shown_inline(content_type: &str) -> bool {
    matches!(content_type, "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// An executable or script.
    Forbidden { detected: String },
    /// Declared as a format it does not start like.
    Mismatch { declared: String, detected: String },
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::Forbidden { detected } => write!(f, "files of type {detected} are not accepted"),
            Rejection::Mismatch { declared, detected } => {
                write!(f, "the file was declared as {declared} but its content is {detected}")
            }
        }
    }
}

/// The content type an upload is stored under, from its first bytes (`head`, up to
/// [`SNIFF_BYTES`]) and the type the uploader declared, if any.
///
/// The bytes win: a recognised format is stored as what it is. A declared type is kept only
/// where the bytes cannot tell more (text subtypes, containers, unknown binary formats), and a
/// declared image, audio, video or PDF that the bytes contradict is refused.
pub fn classify(head: &[u8], declared: Option<&str>) -> Result<String, Rejection> {
    let declared = declared
        .map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase())
        .filter(|d| !d.is_empty() && d != "application/octet-stream");
    let detected = detect(head);
    if FORBIDDEN.contains(&detected.as_str()) {
        return Err(Rejection::Forbidden { detected });
    }
    let Some(declared) = declared else { return Ok(detected) };
    if FORBIDDEN.contains(&declared.as_str()) {
        return Err(Rejection::Forbidden { detected: declared });
    }
    if declared == detected {
        return Ok(detected);
    }
    let recognised = detected != TEXT && detected != BINARY;
    if recognised && !is_container(&detected) {
        // The bytes name a precise format: a contradicting declaration of a checkable type
        // is refused, any other declaration (often a guess from the extension) is corrected.
        if declared_type_is_checkable(&declared) {
            return Err(Rejection::Mismatch { declared, detected });
        }
        return Ok(detected);
    }
    if detected == TEXT {
        // SVG is text; it is stored as such but never shown inline (it can carry scripts).
        if declared.starts_with("text/") || is_textual_application(&declared) || declared == "image/svg+xml" {
            return Ok(declared);
        }
    }
    if declared_type_is_checkable(&declared) {
        return Err(Rejection::Mismatch { declared, detected });
    }
    if detected == TEXT && !is_textual_application(&declared) {
        return Ok(detected);
    }
    Ok(declared)
}

const TEXT: &str = "text/plain";
const BINARY: &str = "application/octet-stream";

fn is_textual_application(declared: &str) -> bool {
    matches!(declared, "application/json" | "application/xml" | "application/csv" | "application/x-yaml" | "application/yaml")
        || declared.ends_with("+json")
        || declared.ends_with("+xml")
}

/// The format the bytes show: a recognised magic number, else text or opaque binary.
fn detect(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if looks_like_text(head) { TEXT.to_owned() } else { BINARY.to_owned() }
}

/// Valid UTF-8 (a character cut at the end of the sniffed prefix allowed) without NUL bytes.
/// Text in legacy single-byte encodings counts too when it has no control characters.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) if e.error_len().is_none() => true,
        Err(_) => head.iter().all(|&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t' | 0x0c)),
    }
}

/// A file name safe to store and to offer back: the last path component, without control
/// characters, at most 255 characters; `attachment` when nothing is left.
pub fn safe_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last.chars().filter(|c| !c.is_control()).take(255).collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() { "attachment".to_owned() } else { trimmed.to_owned() }
}

/// A file of a call, ticket, comment or task: its metadata (the bytes live in the object
/// store under `storage_key`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub id: Uuid,
    pub call_id: Option<Uuid>,
    pub ticket_id: Option<Uuid>,
    pub comment_id: Option<Uuid>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Actor,
    pub created_at: DateTime<Utc>,
    /// The task whose completion brought it (photos, the signature, the report).
    pub task_id: Option<Uuid>,
    /// `file` (uploaded as such), `photo`, `signature` or `report`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemovalRefused {
    #[error("only who uploaded a file (or a coordinator) removes it")]
    NotUploader,
    #[error("the file is part of a comment and stays with it")]
    InComment,
    #[error("the file is part of a signed-off field completion (a photo, the signature or the report) and stays with it")]
    SignedOff,
}

impl DomainError for RemovalRefused {
    fn code(&self) -> Code {
        match self {
            Self::NotUploader => code::FORBIDDEN,
            Self::InComment => code::ATTACHMENT_IN_COMMENT,
            Self::SignedOff => code::ATTACHMENT_SIGNED_OFF,
        }
    }
}

impl Attachment {
    /// A file is removed by who uploaded it, or by a coordinator; one sent with a comment is
    /// part of what was said, and the photos, signature and report of a field completion are
    /// what the customer signed off: those stay.
    pub fn check_removal(&self, by: Actor, coordinates: bool) -> Result<(), RemovalRefused> {
        if self.uploaded_by != by && !coordinates {
            return Err(RemovalRefused::NotUploader);
        }
        if self.comment_id.is_some() {
            return Err(RemovalRefused::InComment);
        }
        if self.kind != "file" {
            return Err(RemovalRefused::SignedOff);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uploaded_by(user: u128, comment: Option<Uuid>) -> Attachment {
        Attachment {
            id: Uuid::nil(),
            call_id: None,
            ticket_id: Some(Uuid::nil()),
            comment_id: comment,
            filename: "a.pdf".into(),
            content_type: "application/pdf".into(),
            size_bytes: 1,
            sha256: String::new(),
            storage_key: String::new(),
            uploaded_by: Actor { user_id: Some(Uuid::from_u128(user)), api_key_id: None },
            created_at: DateTime::<Utc>::UNIX_EPOCH,
            task_id: None,
            kind: "file".into(),
        }
    }

    #[test]
    fn who_uploaded_a_file_removes_it_and_so_does_a_coordinator() {
        let me = Actor { user_id: Some(Uuid::from_u128(1)), api_key_id: None };
        let colleague = Actor { user_id: Some(Uuid::from_u128(2)), api_key_id: None };
        assert_eq!(uploaded_by(1, None).check_removal(me, false), Ok(()));
        assert_eq!(uploaded_by(1, None).check_removal(colleague, false), Err(RemovalRefused::NotUploader));
        assert_eq!(uploaded_by(1, None).check_removal(colleague, true), Ok(()));
    }

    #[test]
    fn a_file_sent_with_a_comment_stays_with_it() {
        let me = Actor { user_id: Some(Uuid::from_u128(1)), api_key_id: None };
        assert_eq!(uploaded_by(1, Some(Uuid::nil())).check_removal(me, true), Err(RemovalRefused::InComment));
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    const PDF: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n";
    /// A 64-bit ELF header is 64 bytes; recognisers look past its start.
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0>\0\x01\0\0\0\x40\x10\x40\0\0\0\0\0\x40\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x40\0\x38\0\x01\0\0\0\0\0\0\0";
    const EXE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0\xb8\0\0\0\0\0\0\0@\0\0\0\0\0\0\0";

    #[test]
    fn a_recognised_format_is_stored_as_what_its_bytes_are() {
        assert_eq!(classify(PNG, None).as_deref(), Ok("image/png"));
        assert_eq!(classify(PDF, Some("application/octet-stream")).as_deref(), Ok("application/pdf"));
        assert_eq!(classify(PNG, Some("image/png; name=x.png")).as_deref(), Ok("image/png"));
    }

    #[test]
    fn a_wrong_guess_from_the_extension_is_corrected() {
        assert_eq!(classify(PDF, Some("application/msword")).as_deref(), Ok("application/pdf"));
    }

    #[test]
    fn a_declared_image_that_is_not_one_is_refused() {
        assert_eq!(
            classify(b"<html><script>alert(1)</script></html>", Some("image/png")),
            Err(Rejection::Mismatch { declared: "image/png".into(), detected: "text/html".into() })
        );
        assert!(matches!(classify(PDF, Some("image/jpeg")), Err(Rejection::Mismatch { .. })));
        assert!(matches!(classify(b"just words", Some("application/pdf")), Err(Rejection::Mismatch { .. })));
    }

    #[test]
    fn executables_are_refused_whatever_they_are_declared_as() {
        assert!(matches!(classify(ELF, Some("text/plain")), Err(Rejection::Forbidden { .. })));
        assert!(matches!(classify(EXE, None), Err(Rejection::Forbidden { .. })));
        assert!(matches!(classify(b"#!/bin/sh\nrm -rf /\n", None), Err(Rejection::Forbidden { .. })));
    }

    #[test]
    fn text_keeps_its_declared_subtype() {
        assert_eq!(classify(b"serial;model\nA1;X\n", Some("text/csv")).as_deref(), Ok("text/csv"));
        assert_eq!(classify(b"{\"a\":1}", Some("application/json")).as_deref(), Ok("application/json"));
        assert_eq!(classify("Zażółć gęślą jaźń".as_bytes(), None).as_deref(), Ok("text/plain"));
        assert_eq!(classify(b"plain words", Some("application/msword")).as_deref(), Ok("text/plain"));
    }

    #[test]
    fn text_in_a_legacy_encoding_is_still_text() {
        // "Zażółć" in Windows-1250.
        assert_eq!(classify(b"Za\xbf\xf3\xb3\xe6 g\xea\x9cl\xb9", None).as_deref(), Ok("text/plain"));
    }

    #[test]
    fn a_character_cut_at_the_end_of_the_sniffed_prefix_does_not_make_text_binary() {
        let mut head = "x".repeat(10).into_bytes();
        head.extend_from_slice(&"ż".as_bytes()[..1]);
        assert_eq!(classify(&head, None).as_deref(), Ok("text/plain"));
    }

    #[test]
    fn unknown_binary_keeps_a_declared_type_the_bytes_cannot_check() {
        let blob = [0u8, 1, 2, 3, 250, 251, 252];
        assert_eq!(classify(&blob, None).as_deref(), Ok("application/octet-stream"));
        assert_eq!(classify(&blob, Some("application/x-custom-log")).as_deref(), Ok("application/x-custom-log"));
    }

    #[test]
    fn a_container_keeps_the_precise_type_the_uploader_declared() {
        let zip = b"PK\x03\x04\x14\0\0\0\x08\0\0\0!\0abc";
        let docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        assert_eq!(classify(zip, Some(docx)).as_deref(), Ok(docx));
        assert_eq!(classify(zip, None).as_deref(), Ok("application/zip"));
    }

    #[test]
    fn svg_is_accepted_but_never_shown_inline() {
        assert_eq!(classify(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>", Some("image/svg+xml")).as_deref(), Ok("image/svg+xml"));
        assert!(!may_be_shown_inline("image/svg+xml"));
        assert!(may_be_shown_inline("image/jpeg"));
    }

    #[test]
    fn file_names_lose_their_paths_and_control_characters() {
        assert_eq!(safe_filename("C:\\Users\\ana\\photo 1.jpg"), "photo 1.jpg");
        assert_eq!(safe_filename("../../etc/passwd"), "passwd");
        assert_eq!(safe_filename("rep\u{0}ort\n.pdf"), "report.pdf");
        assert_eq!(safe_filename("  "), "attachment");
        assert_eq!(safe_filename(".."), "attachment");
        assert_eq!(safe_filename("Račun.pdf"), "Račun.pdf");
        assert_eq!(safe_filename(&"a".repeat(300)).len(), 255);
    }

    #[test]
    fn a_signed_off_completions_photos_signature_and_report_stay() {
        for kind in ["photo", "signature", "report"] {
            let file = Attachment { kind: kind.into(), ..uploaded_by(1, None) };
            assert_eq!(file.check_removal(file.uploaded_by, true), Err(RemovalRefused::SignedOff), "{kind}");
        }
    }
}
