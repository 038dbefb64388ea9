//! Serving a stored file: streamed from the file store with its `ETag` (the SHA-256, so
//! `If-None-Match` answers 304), a `Content-Disposition` every client can read, and headers
//! that keep a browser from running what it downloads.

use actix_web::http::header::{self, Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::TryStreamExt;
use servdesk_domain::attachments::{Attachment, may_be_shown_inline};

use crate::error::ApiResult;
use crate::state::AppState;

/// The file's bytes; `inline` asks to show it in the browser (honoured for the types that
/// are safe to show).
pub async fn serve(state: &AppState, req: &HttpRequest, attachment: &Attachment, inline: bool) -> ApiResult<HttpResponse> {
    let etag = format!("\"{}\"", attachment.sha256);
    let cached =
        req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    if cached {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    let inline = inline && may_be_shown_inline(&attachment.content_type);
    let stream = state.storage.read(&attachment.storage_key).await?;
    Ok(HttpResponse::Ok()
        .content_type(attachment.content_type.as_str())
        .insert_header((header::CONTENT_DISPOSITION, disposition(&attachment.filename, inline)))
        .insert_header((header::ETAG, etag))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=0, must-revalidate"))
        .no_chunking(u64::try_from(attachment.size_bytes).unwrap_or(0))
        .streaming(stream.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))))
}

/// `attachment; filename="ascii"; filename*=UTF-8''…` so every client gets a usable name.
fn disposition(filename: &str, inline: bool) -> ContentDisposition {
    let ascii: String = filename.chars().map(|c| if c.is_ascii() && !c.is_ascii_control() && c != '"' { c } else { '_' }).collect();
    ContentDisposition {
        disposition: if inline { DispositionType::Inline } else { DispositionType::Attachment },
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: filename.as_bytes().to_vec(),
            }),
        ],
    }
}
