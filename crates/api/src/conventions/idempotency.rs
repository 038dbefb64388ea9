//! `Idempotency-Key` on POST: the first response is stored per caller for 24 hours; the same
//! key with the same request replays it (`Idempotent-Replayed: true`), with a different
//! request answers 422, and while the first is still running answers 409.
//!
//! Applies to authenticated callers only (records are kept per principal); a 5xx is not
//! stored, so a retry after our own failure runs the request again — unless its effect had
//! committed (`servdesk_usecases::idempotency`): a key is never acted on twice, and a retry
//! whose first run's response was lost with its process answers 409
//! `idempotent_request_carried_out`.

use actix_web::body::{BoxBody, MessageBody, to_bytes};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};
use servdesk_domain::errors::code;
use servdesk_persistence::idempotency::{self, Begin, StoredResponse};
use sha2::{Digest, Sha256};

use super::spool::{SpoolError, Spooled};
use super::{body, upload};
use crate::auth::caller::principal_of;
use crate::error::ApiError;
use crate::state::{AppState, now};

pub const HEADER: HeaderName = HeaderName::from_static("idempotency-key");
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

const TTL_HOURS: i64 = 24;
/// Response headers worth replaying.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn fail(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    let response = err.error_response();
    req.into_response(response)
}

pub async fn middleware(mut req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(&HEADER) {
        Some(v) if req.method() == Method::POST => v.to_str().map(str::to_owned),
        _ => return next.call(req).await.map(ServiceResponse::map_into_boxed_body),
    };
    let Some(principal) = principal_of(&req) else {
        // Anonymous: the route answers 401 (or is public, like login, and runs as usual).
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let key = match key {
        Ok(k) if !k.is_empty() && k.len() <= 255 => k,
        _ => {
            return Ok(fail(req, ApiError::new(code::INVALID_IDEMPOTENCY_KEY, "Idempotency-Key must be 1–255 visible ASCII characters")));
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(fail(req, ApiError::internal("AppState missing")));
    };

    // Read the body to fingerprint it, then hand it back to the handler: a JSON body from
    // memory, an upload (up to the attachment limits) from a file kept while the request runs.
    let mut hasher = request_hasher(req.method().as_str(), req.path(), req.query_string());
    let mut payload = req.take_payload();
    let is_upload = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("multipart/"));
    let _spooled = if is_upload {
        let limit = state.config.attachment_max_bytes.saturating_mul(upload::MAX_FILES as u64).saturating_add(1024 * 1024);
        let boundary = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|ct| ct.parse::<actix_web::mime::Mime>().ok())
            .and_then(|m| m.get_param(actix_web::mime::BOUNDARY).map(|b| format!("--{}", b.as_str())))
            .unwrap_or_default();
        let spooled =
            match Spooled::write(&mut payload, &state.config.data_dir.join("spool"), limit, &mut hasher, boundary.as_bytes()).await {
                Ok(s) => s,
                Err(SpoolError::TooLarge(_)) => {
                    return Ok(fail(req, ApiError::new(code::PAYLOAD_TOO_LARGE, "the request body is too large")));
                }
                Err(SpoolError::Body(e)) => return Ok(fail(req, ApiError::new(code::MALFORMED_BODY, e))),
                Err(e @ SpoolError::Disk(_)) => return Ok(fail(req, ApiError::internal(e))),
            };
        match spooled.payload().await {
            Ok(p) => req.set_payload(p),
            Err(e) => return Ok(fail(req, ApiError::internal(e))),
        }
        Some(spooled)
    } else {
        let body = match body::read_limited(&mut payload, state.config.json_limit_bytes).await {
            Ok(b) => b,
            Err(e) => return Ok(fail(req, e)),
        };
        hasher.update(&body);
        req.set_payload(Payload::from(body));
        None
    };
    let fingerprint = hex::encode(hasher.finalize());

    let subject = principal.subject();
    let begun = idempotency::begin(
        &state.db,
        &subject,
        &key,
        &fingerprint,
        now(),
        chrono::Duration::hours(TTL_HOURS),
        // An in-flight record older than this belongs to a request that died with its process.
        chrono::Duration::from_std(state.config.idempotency_abandon_after).unwrap_or(chrono::Duration::minutes(5)),
    )
    .await;
    match begun {
        Err(e) => Ok(fail(req, e.into())),
        Ok(Begin::Mismatch) => {
            Ok(fail(req, ApiError::new(code::IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was used with a different request")))
        }
        Ok(Begin::InFlight) => Ok(fail(
            req,
            ApiError::new(code::IDEMPOTENCY_KEY_IN_FLIGHT, "a request with this Idempotency-Key is still being processed; retry shortly"),
        )),
        Ok(Begin::CarriedOut) => Ok(fail(
            req,
            ApiError::new(
                code::IDEMPOTENT_REQUEST_CARRIED_OUT,
                "the request with this Idempotency-Key was carried out, but its response was lost when the server stopped; \
                 it will not run again: read the resource to see the result",
            ),
        )),
        Ok(Begin::Replay(record)) => {
            let status = u16::try_from(record.response_status.unwrap_or(200))
                .ok()
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(StatusCode::OK);
            let mut response = HttpResponse::build(status);
            for (name, value) in idempotency::stored_headers(&record) {
                response.insert_header((name, value));
            }
            response.insert_header((REPLAYED, HeaderValue::from_static("true")));
            let response = response.body(record.response_body.unwrap_or_default());
            Ok(req.into_response(response))
        }
        Ok(Begin::Started) => {
            // The use cases' transactions mark the key as carried out inside themselves.
            let held = servdesk_usecases::idempotency::scope(subject.clone(), key.clone(), next.call(req));
            let res = held.await?.map_into_boxed_body();
            if res.status().is_server_error() {
                if let Err(e) = idempotency::abandon(&state.db, &subject, &key).await {
                    tracing::error!(error = %e, "could not release the idempotency key");
                }
                return Ok(res);
            }
            let (http_req, response) = res.into_parts();
            let (head, body) = response.into_parts();
            let bytes = to_bytes(body).await.unwrap_or_else(|_| Bytes::new());
            let headers = KEPT_HEADERS
                .iter()
                .filter_map(|name| head.headers().get(name).and_then(|v| v.to_str().ok()).map(|v| (name.to_string(), v.to_owned())))
                .collect();
            let stored = StoredResponse { status: head.status().as_u16(), headers, body: String::from_utf8_lossy(&bytes).into_owned() };
            if let Err(e) = idempotency::complete(&state.db, &subject, &key, stored).await {
                // The effect happened; the client gets its answer. A retry will see the key
                // in flight until it is abandoned, never a second effect.
                tracing::error!(error = %e, "could not store the idempotent response");
            }
            Ok(ServiceResponse::new(http_req, head.set_body(BoxBody::new(bytes))))
        }
    }
}

/// The fingerprint's hasher fed with the request line; the body follows.
fn request_hasher(method: &str, path: &str, query: &str) -> Sha256 {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update(b" ");
    hasher.update(path.as_bytes());
    hasher.update(b"?");
    hasher.update(query.as_bytes());
    hasher.update(b"\n");
    hasher
}

#[cfg(test)]
fn fingerprint(method: &str, path: &str, query: &str, body: &[u8]) -> String {
    let mut hasher = request_hasher(method, path, query);
    hasher.update(body);
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_changes_with_the_body_or_the_path() {
        let a = fingerprint("POST", "/api/v1/teams", "", b"{\"name\":\"a\"}");
        assert_eq!(a, fingerprint("POST", "/api/v1/teams", "", b"{\"name\":\"a\"}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/teams", "", b"{\"name\":\"b\"}"));
        assert_ne!(a, fingerprint("POST", "/api/v1/users", "", b"{\"name\":\"a\"}"));
    }
}
