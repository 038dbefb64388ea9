//! Live events for a frontend (`GET /stream`): the change feed as server-sent events,
//! filtered to what the caller may see, resumable with `Last-Event-ID`, with heartbeats.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use bytes::Bytes;
use serde::Deserialize;
use servdesk_domain::{Principal, Visibility};
use servdesk_usecases::changes::{self, Cursor};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiResult, Problem};
use crate::openapi::tags;
use crate::state::AppState;

/// How often the feed is looked at while nothing happens, and how long a quiet stream waits
/// before a heartbeat (proxies close idle connections).
const POLL: Duration = Duration::from_millis(500);
const HEARTBEAT: Duration = Duration::from_secs(15);

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Only these resources, comma-separated (as `GET /changes`).
    pub types: Option<String>,
    /// Where to start when there is no `Last-Event-ID` (a feed cursor); without either, now.
    pub after: Option<String>,
}

struct Follow {
    state: web::Data<AppState>,
    principal: Principal,
    visibility: Visibility,
    types: Vec<String>,
    cursor: Option<Cursor>,
    pending: VecDeque<Bytes>,
    quiet_since: Instant,
}

impl Follow {
    /// The next piece of the stream: an event, a heartbeat, or the end on an error.
    async fn next(mut self) -> Option<(Result<Bytes, actix_web::Error>, Self)> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                self.quiet_since = Instant::now();
                return Some((Ok(event), self));
            }
            if self.quiet_since.elapsed() >= HEARTBEAT {
                self.quiet_since = Instant::now();
                return Some((Ok(Bytes::from_static(b": heartbeat\n\n")), self));
            }
            let page = match changes::read(&self.state, self.cursor, &self.types, 100).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::warn!(error = %e, "live stream ends");
                    return None;
                }
            };
            let moved = !page.entries.is_empty();
            for (change, cursor) in page.entries {
                match changes::visible_to(&self.state, &self.principal, &self.visibility, &change).await {
                    Ok(true) => {
                        let record = match changes::records(&self.state, &[&change]).await {
                            Ok(mut r) => r.pop().flatten(),
                            Err(e) => {
                                tracing::warn!(error = %e, "live stream ends");
                                return None;
                            }
                        };
                        let data = serde_json::json!({
                            "resource": change.resource, "id": change.resource_id, "action": change.action, "at": change.at,
                            "record": record,
                        });
                        let event = format!("id: {}\nevent: {}.{}\ndata: {data}\n\n", cursor.encode(), change.resource, change.action);
                        self.pending.push_back(Bytes::from(event));
                    }
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "live stream ends");
                        return None;
                    }
                }
                self.cursor = Some(cursor);
            }
            if !moved {
                self.cursor = page.next.or(self.cursor);
                tokio::time::sleep(POLL).await;
            }
        }
    }
}

/// Server-sent events of the changes the caller may see (the same rules as the REST reads):
/// `event: <resource>.<action>`, `data: {resource, id, action, at, record}` (`record` as in `GET /changes`), `id:` a feed cursor.
/// Reconnect with `Last-Event-ID` to resume without losing or repeating an event; a comment
/// line every 15 s keeps proxies from closing a quiet stream (behind nginx: `proxy_buffering
/// off` and a `proxy_read_timeout` above 15 s).
#[utoipa::path(
    operation_id = "live_stream",
    tag = tags::SYNC,
    params(StreamParams, ("Last-Event-ID" = Option<String>, Header, description = "The id of the last event received")),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "`invalid_cursor`", body = Problem, content_type = "application/problem+json"),
        (status = 410, description = "`cursor_expired`", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/stream")]
pub async fn stream(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<StreamParams>,
) -> ApiResult<HttpResponse> {
    let resume = req.headers().get("Last-Event-ID").and_then(|v| v.to_str().ok()).map(str::to_owned).or(params.after.clone());
    let types: Vec<String> =
        params.types.as_deref().map(|t| t.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let cursor = match resume.as_deref() {
        Some(raw) => Some(Cursor::decode(raw)?),
        None => None,
    };
    // Checks the cursor and the types now, so a bad one is an answer, not a closed stream;
    // without a cursor the stream starts at the feed's end.
    changes::read(&state, cursor, &types, 1).await?;
    let cursor = match cursor {
        Some(c) => Some(c),
        None => Some(changes::end(&state).await?),
    };
    let principal = caller.principal().clone();
    let visibility = servdesk_usecases::access::visibility(&state.db, &principal).await?;
    let follow = Follow { state, principal, visibility, types, cursor, pending: VecDeque::new(), quiet_since: Instant::now() };
    let body = futures_util::stream::unfold(follow, Follow::next);
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(stream);
}
