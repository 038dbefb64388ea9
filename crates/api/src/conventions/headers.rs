//! Headers every response carries for the browser's and the proxies' sake:
//! - `X-Content-Type-Options: nosniff` everywhere: a JSON body or an attachment is never
//!   reinterpreted as HTML or script.
//! - `Cache-Control: no-store` on API responses that set no caching of their own: they hold
//!   customers' data and credentials (token pairs, API key secrets, calendar links), which no
//!   shared or browser cache should keep. Attachment downloads set their own revalidation.
//! - On the Swagger UI pages: no framing (`X-Frame-Options`, `frame-ancestors`) and a
//!   content security policy that allows only the page's own scripts and styles.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;

/// Swagger UI sets inline styles from its script and draws icons from `data:` URIs.
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut res = next.call(req).await?;
    let is_docs = res.request().path().starts_with("/docs");
    let is_api = res.request().path().starts_with("/api/");
    let headers = res.headers_mut();
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if is_api && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if is_docs {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DOCS_CSP));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    Ok(res)
}
