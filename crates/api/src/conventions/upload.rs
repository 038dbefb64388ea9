//! Multipart uploads, the same for every route that takes files: each `file` part is judged
//! from its first bytes, streamed into the object store while its size and SHA-256 are
//! counted, and refused (413) past the size limit. Either every file of a request is stored
//! or none is: on any failure the objects already written are removed.

use actix_multipart::{Field, Multipart, MultipartError};
use actix_web::http::header::{Charset, ContentDisposition};
use bytes::{Bytes, BytesMut};
use chrono::Utc;
use futures_util::StreamExt;
use servdesk_domain::attachments::{self, Rejection, SNIFF_BYTES};
use servdesk_domain::errors::{code, field};
use servdesk_usecases::attachments::StoredFile;
use servdesk_usecases::storage::{Storage, Upload};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// Files one request may carry.
pub const MAX_FILES: usize = 20;
/// The form field files are sent in.
pub const FILE_PART: &str = "file";

/// A file now in the object store, not yet recorded in the database.
#[derive(Debug, Clone)]
pub struct Received {
    /// The form part it came in.
    pub part: String,
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub storage_key: String,
}

impl Received {
    /// The file as the use cases take it: in the file store, waiting for its row.
    pub fn stored(&self) -> StoredFile {
        StoredFile {
            id: self.id,
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size_bytes: self.size_bytes,
            sha256: self.sha256.clone(),
            storage_key: self.storage_key.clone(),
        }
    }
}

/// Reads every part of `payload` into `storage`. The caller records the files in its
/// transaction and calls [`discard`] if that fails.
pub async fn receive(storage: &Storage, max_bytes: u64, payload: Multipart) -> ApiResult<Vec<Received>> {
    let spec = FormSpec { files: &[FILE_PART], fields: &[], require_files: true };
    Ok(receive_form(storage, max_bytes, payload, &spec).await?.files)
}

/// What a multipart form may hold: file parts (stored) and small text parts (kept in memory).
pub struct FormSpec<'a> {
    pub files: &'a [&'a str],
    pub fields: &'a [&'a str],
    pub require_files: bool,
}

/// A received form: its files (already in the object store) and its text parts.
pub struct Form {
    pub files: Vec<Received>,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// The largest text part of a form (a JSON document of a completion, say).
const MAX_FIELD_BYTES: usize = 1024 * 1024;

/// Reads a multipart form as `spec` says; files are judged, stored and counted as
/// [`receive`] does, text parts are read whole. On any error nothing stays stored.
pub async fn receive_form(storage: &Storage, max_bytes: u64, mut payload: Multipart, spec: &FormSpec<'_>) -> ApiResult<Form> {
    let mut received: Vec<Received> = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    // actix-multipart panics when polled after its end or an error: remember either.
    let mut finished = false;
    let outcome = async {
        loop {
            let part = match payload.next().await {
                Some(Ok(field)) => Ok(field),
                Some(Err(e)) => {
                    finished = true;
                    Err(e)
                }
                None => {
                    finished = true;
                    break;
                }
            };
            let mut field = part.map_err(malformed)?;
            let name = field.name().unwrap_or("").to_owned();
            if spec.fields.contains(&name.as_str()) {
                if fields.iter().any(|(n, _)| *n == name) {
                    return Err(ApiError::invalid_field(&name, field::REPEATED_PART, "send this part once"));
                }
                let text = read_text(&mut field, &name).await?;
                fields.push((name, text));
                continue;
            }
            if !spec.files.contains(&name.as_str()) {
                let expected = spec.files.iter().chain(spec.fields).map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", ");
                return Err(ApiError::invalid_field(&name, field::UNKNOWN_PART, format!("this form takes parts named {expected}")));
            }
            if received.len() == MAX_FILES {
                return Err(ApiError::invalid_field(&name, field::TOO_MANY_FILES, format!("at most {MAX_FILES} files per request")));
            }
            let mut file = receive_one(storage, max_bytes, &mut field).await?;
            file.part = name;
            received.push(file);
        }
        if spec.require_files && received.is_empty() {
            let part = spec.files.first().copied().unwrap_or(FILE_PART);
            return Err(ApiError::invalid_field(
                part,
                field::REQUIRED,
                format!("send the files as multipart/form-data parts named \"{part}\""),
            ));
        }
        Ok(())
    }
    .await;
    match outcome {
        Ok(()) => Ok(Form { files: received, fields }),
        Err(err) => {
            discard(storage, &received).await;
            // Read what the client is still sending, so it gets to see the answer rather than
            // a reset connection (bounded: a client that never stops is cut off).
            if !finished {
                drain(&mut payload, max_bytes.saturating_mul(2)).await;
            }
            Err(err)
        }
    }
}

/// Removes the objects of files whose rows were not written.
pub async fn discard(storage: &Storage, received: &[Received]) {
    storage.discard(received.iter().map(|r| r.storage_key.as_str())).await;
}

async fn receive_one(storage: &Storage, max_bytes: u64, field: &mut Field) -> ApiResult<Received> {
    let filename = attachments::safe_filename(&filename(field.content_disposition()));
    let declared = field.content_type().map(|m| m.essence_str().to_owned());
    let mut head = BytesMut::new();
    let mut rest: Option<Bytes> = None;
    // A field must not be polled again once it has ended.
    let mut ended = false;
    while head.len() < SNIFF_BYTES {
        match field.next().await {
            Some(chunk) => {
                let chunk = chunk.map_err(malformed)?;
                let take = chunk.len().min(SNIFF_BYTES - head.len());
                head.extend_from_slice(&chunk[..take]);
                if take < chunk.len() {
                    rest = Some(chunk.slice(take..));
                }
            }
            None => {
                ended = true;
                break;
            }
        }
    }
    let content_type = attachments::classify(&head, declared.as_deref()).map_err(|r| match r {
        Rejection::Forbidden { .. } => ApiError::invalid_field(FILE_PART, field::FORBIDDEN_TYPE, format!("{filename}: {r}")),
        Rejection::Mismatch { .. } => ApiError::invalid_field(FILE_PART, field::CONTENT_TYPE_MISMATCH, format!("{filename}: {r}")),
    })?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let storage_key = servdesk_usecases::storage::Storage::attachment_key(id, now);
    let mut upload = storage.begin(&storage_key).await?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    let result = async {
        for chunk in [Some(head.freeze()), rest].into_iter().flatten() {
            write(&mut upload, &mut hasher, &mut size, max_bytes, chunk, &filename).await?;
        }
        while !ended && let Some(chunk) = field.next().await {
            write(&mut upload, &mut hasher, &mut size, max_bytes, chunk.map_err(malformed)?, &filename).await?;
        }
        Ok::<_, ApiError>(())
    }
    .await;
    if let Err(err) = result {
        upload.abort().await;
        return Err(err);
    }
    upload.finish().await?;
    Ok(Received {
        part: FILE_PART.to_owned(),
        id,
        filename,
        content_type,
        size_bytes: i64::try_from(size).unwrap_or(i64::MAX),
        sha256: hex::encode(hasher.finalize()),
        storage_key,
    })
}

/// A text part, read whole (bounded), as UTF-8.
async fn read_text(field: &mut Field, name: &str) -> ApiResult<String> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(malformed)?;
        if buf.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(ApiError::new(code::PART_TOO_LARGE, format!("part {name:?} is over {MAX_FIELD_BYTES} bytes")));
        }
        buf.extend_from_slice(&chunk);
    }
    let text =
        String::from_utf8(buf.to_vec()).map_err(|_| ApiError::invalid_field(name, field::NOT_UTF8, "this part must be UTF-8 text"))?;
    if text.contains('\0') {
        // As for JSON bodies (conventions::characters): no text holds a NUL.
        return Err(ApiError::new(code::INVALID_CHARACTER, format!("part {name:?} contains a NUL character, which no text accepts")));
    }
    Ok(text)
}

async fn write(upload: &mut Upload, hasher: &mut Sha256, size: &mut u64, max_bytes: u64, chunk: Bytes, filename: &str) -> ApiResult<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    *size += chunk.len() as u64;
    if *size > max_bytes {
        return Err(ApiError::new(code::ATTACHMENT_TOO_LARGE, format!("{filename} is larger than the limit of {max_bytes} bytes")));
    }
    hasher.update(&chunk);
    Ok(upload.write(chunk).await?)
}

/// The part's file name, preferring the RFC 2231 `filename*` (UTF-8) over plain `filename`.
fn filename(disposition: Option<&ContentDisposition>) -> String {
    let Some(cd) = disposition else { return String::new() };
    if let Some(ext) = cd.get_filename_ext()
        && matches!(ext.charset, Charset::Ext(ref c) if c.eq_ignore_ascii_case("utf-8"))
        && let Ok(name) = String::from_utf8(ext.value.clone())
    {
        return name;
    }
    cd.get_filename().unwrap_or("").to_owned()
}

fn malformed(err: MultipartError) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing | MultipartError::ContentTypeParse | MultipartError::ContentTypeIncompatible => {
            ApiError::new(code::UNSUPPORTED_MEDIA_TYPE, "send files as multipart/form-data")
        }
        other => ApiError::new(code::MALFORMED_MULTIPART, format!("the multipart body could not be read: {other}")),
    }
}

/// Reads and drops the rest of the body; stops at its end, at any error, or when `budget`
/// bytes have been read (a field cut short by an error was already dropped by the caller).
async fn drain(payload: &mut Multipart, mut budget: u64) {
    while let Some(Ok(mut field)) = payload.next().await {
        loop {
            match field.next().await {
                Some(Ok(chunk)) => {
                    budget = budget.saturating_sub(chunk.len() as u64);
                    if budget == 0 {
                        return;
                    }
                }
                Some(Err(_)) => return,
                None => break,
            }
        }
    }
}

/// A body sent as JSON, or as `multipart/form-data` whose text parts are the same fields
/// (each a string) beside `file` parts: what a portal or a web page posts. The files are
/// in the file store when this returns; on any error none is.
pub async fn json_or_form<T: serde::de::DeserializeOwned + validator::Validate>(
    state: &crate::state::AppState,
    req: &actix_web::HttpRequest,
    payload: actix_web::web::Payload,
    text_fields: &[&str],
) -> ApiResult<(T, Vec<Received>)> {
    let essence = crate::conventions::body::media_type(req);
    match essence.as_str() {
        "application/json" => {
            let bytes = crate::conventions::body::read_limited(&mut payload.into_inner(), state.config.json_limit_bytes).await?;
            let body: T = crate::conventions::problems::json_body(&bytes)?;
            body.validate()?;
            Ok((body, Vec::new()))
        }
        "multipart/form-data" => {
            let spec = FormSpec { files: &[FILE_PART], fields: text_fields, require_files: false };
            let form =
                receive_form(&state.storage, state.config.attachment_max_bytes, Multipart::new(req.headers(), payload), &spec).await?;
            let object: serde_json::Map<String, serde_json::Value> =
                form.fields.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            let parsed = serde_json::from_value::<T>(serde_json::Value::Object(object))
                .map_err(|e| ApiError::new(code::INVALID_BODY, format!("the form's fields do not match: {e}")))
                .and_then(|body| body.validate().map(|()| body).map_err(ApiError::from));
            match parsed {
                Ok(body) => Ok((body, form.files)),
                Err(e) => {
                    discard(&state.storage, &form.files).await;
                    Err(e)
                }
            }
        }
        _ => {
            Err(ApiError::new(code::UNSUPPORTED_MEDIA_TYPE, "send application/json, or multipart/form-data with the files as `file` parts"))
        }
    }
}
