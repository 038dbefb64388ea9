//! Webhook subscriptions (admins, or a key with `webhooks:write`): where Servdesk tells of
//! changes, signed; the delivery log with redelivery; a ping; secret rotation.

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use servdesk_domain::errors::field;
use servdesk_domain::webhooks::EventType;
use servdesk_persistence::webhooks::{Delivery, DeliveryStatus, Subscription, SubscriptionSpec};
use servdesk_usecases::webhooks as usecase;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::auth::{Authorized, can};
use crate::conventions::etag::{IfMatch, created, versioned};
use crate::conventions::pagination::{PageParams, Paged, encode};
use crate::error::{ApiError, ApiResult, Problem};
use crate::openapi::{NotFound, StaleVersion, tags};
use crate::state::AppState;
use crate::wire;

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[schema(example = json!({
    "url": "https://erp.example.com/servdesk/webhooks",
    "description": "ERP: work orders and time",
    "event_types": ["ticket.created", "ticket.closed", "time_entry.created"]
}))]
pub struct WebhookIn {
    /// Where deliveries are `POST`ed (http or https; the host must resolve to a public
    /// address unless the installation allows internal receivers).
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub url: String,
    #[validate(length(max = 500))]
    #[schema(max_length = 500)]
    pub description: Option<String>,
    /// The events to hear; empty or absent: every event.
    #[serde(default)]
    #[schema(schema_with = wire::webhook_event_types)]
    pub event_types: Vec<String>,
    /// Off: nothing is queued for it. Switching it back on starts afresh.
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

impl WebhookIn {
    fn spec(self) -> ApiResult<SubscriptionSpec> {
        let mut event_types = Vec::with_capacity(self.event_types.len());
        for name in &self.event_types {
            match EventType::parse(name).filter(|t| *t != EventType::Ping) {
                Some(t) if !event_types.contains(&t) => event_types.push(t),
                Some(_) => {}
                None => return Err(ApiError::invalid_field("event_types", field::UNKNOWN, format!("{name} is not an event type"))),
            }
        }
        Ok(SubscriptionSpec {
            url: self.url,
            description: self.description.map(|d| d.trim().to_owned()).filter(|d| !d.is_empty()),
            event_types,
            active: self.active,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: Uuid,
    pub url: String,
    pub description: Option<String>,
    /// Empty: every event.
    #[schema(schema_with = wire::webhook_event_types)]
    pub event_types: Vec<String>,
    pub active: bool,
    /// The secret's last four characters (the secret itself is shown once, when made).
    #[schema(example = "…x9Qa")]
    pub secret_hint: String,
    /// Until then deliveries also carry a signature under the secret before the last rotation.
    pub previous_secret_expires_at: Option<DateTime<Utc>>,
    /// Told when the subscription is switched off for failing.
    pub owner_user_id: Option<Uuid>,
    /// Deliveries have failed since then (none got through since).
    pub failing_since: Option<DateTime<Utc>>,
    /// Why it was switched off, when it was for failing.
    pub disabled_reason: Option<String>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Subscription> for WebhookOut {
    fn from(s: Subscription) -> Self {
        let tail: String = s.secret.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
        Self {
            id: s.id,
            url: s.url,
            description: s.description,
            event_types: s.event_types.iter().map(|t| t.as_str().to_owned()).collect(),
            active: s.active,
            secret_hint: format!("…{tail}"),
            previous_secret_expires_at: s.previous_secret_until.filter(|until| *until > crate::state::now()),
            owner_user_id: s.owner_user_id,
            failing_since: s.failing_since,
            disabled_reason: s.disabled_reason,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// A subscription with its signing secret, shown only when it is made or rotated.
#[derive(Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookOut,
    /// Verify each delivery's `Servdesk-Signature` with it; store it like a password.
    #[schema(example = "whsec_3q2-7wEcE1pqa0cH4iV9x9Qa")]
    pub secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct WebhooksOut {
    pub items: Vec<WebhookOut>,
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    /// The event's id (`Servdesk-Event-Id`; the same on every redelivery).
    pub event_id: Uuid,
    #[schema(example = "ticket.updated")]
    pub event_type: String,
    /// `pending` (waiting for its first or next attempt), `delivered` or `failed`.
    #[schema(example = "delivered")]
    pub status: String,
    pub attempts: u32,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// The receiver's HTTP status of the last attempt (none when it could not be reached).
    pub response_status: Option<u16>,
    pub duration_ms: Option<u32>,
    /// The first kilobyte of the receiver's answer.
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
    /// The delivery this one repeats.
    pub redelivery_of: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

fn delivery_out(d: Delivery, event_type: EventType) -> DeliveryOut {
    DeliveryOut {
        id: d.id,
        event_id: d.event_id,
        event_type: event_type.as_str().to_owned(),
        status: d.status.as_str().to_owned(),
        attempts: d.attempts,
        next_attempt_at: (d.status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
        last_attempt_at: d.last_attempt_at,
        response_status: d.response_status,
        duration_ms: d.duration_ms,
        response_excerpt: d.response_excerpt,
        error: d.error,
        redelivery_of: d.redelivery_of,
        created_at: d.created_at,
        delivered_at: d.delivered_at,
    }
}

#[derive(Debug, Default, Deserialize, ToSchema, Validate)]
#[serde(default)]
#[schema(example = json!({"overlap_hours": 24}))]
pub struct RotateIn {
    /// How long deliveries also carry a signature under the old secret, 0–168 hours
    /// (default 24): time to deploy the new secret to the receiver.
    #[validate(range(max = 168))]
    #[schema(maximum = 168)]
    pub overlap_hours: Option<u32>,
}

const INVALID: &str = "`validation_failed`: not an http(s) URL (`url`), a host that does not resolve (`unresolvable`) or resolves to \
                       a private address (`private_address`), or an unknown event type";

/// Adds a subscription. The answer carries its signing secret, shown this once.
#[utoipa::path(
    operation_id = "create_webhook",
    tag = tags::WEBHOOKS,
    request_body = WebhookIn,
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks")]
pub async fn create(
    auth: Authorized<can::WebhooksManage>,
    state: web::Data<AppState>,
    body: web::Json<WebhookIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let s = usecase::create(&state, body.into_inner().spec()?, auth.principal().user_id()).await?;
    let (id, version, secret) = (s.id, s.version, s.secret.clone());
    Ok(created(format!("/api/v1/webhooks/{id}"), version, &WebhookWithSecret { webhook: s.into(), secret }))
}

/// The subscriptions.
#[utoipa::path(
    operation_id = "list_webhooks",
    tag = tags::WEBHOOKS,
    responses((status = 200, body = WebhooksOut)),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks")]
pub async fn list(_auth: Authorized<can::WebhooksManage>, state: web::Data<AppState>) -> ApiResult<web::Json<WebhooksOut>> {
    let all = servdesk_persistence::webhooks::all(&state.db).await?;
    Ok(web::Json(WebhooksOut { items: all.into_iter().map(WebhookOut::from).collect() }))
}

/// One subscription.
#[utoipa::path(
    operation_id = "get_webhook",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get(_auth: Authorized<can::WebhooksManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let s = servdesk_persistence::webhooks::get(&state.db, id.into_inner()).await?;
    Ok(versioned(HttpResponse::Ok(), s.version, &WebhookOut::from(s)))
}

/// Replaces a subscription's URL, events, description and switch (`If-Match` guards a
/// colleague's change). Switching a failed subscription back on clears its failure.
#[utoipa::path(
    operation_id = "replace_webhook",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path), IfMatch),
    request_body = WebhookIn,
    responses(
        (status = 200, body = WebhookOut),
        NotFound,
        StaleVersion,
        (status = 422, description = INVALID, body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[put("/webhooks/{id}")]
pub async fn replace(
    _auth: Authorized<can::WebhooksManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: web::Json<WebhookIn>,
) -> ApiResult<HttpResponse> {
    body.validate()?;
    let s = usecase::update(&state, id.into_inner(), if_match.0, body.into_inner().spec()?).await?;
    Ok(versioned(HttpResponse::Ok(), s.version, &WebhookOut::from(s)))
}

/// Removes a subscription and its delivery log.
#[utoipa::path(
    operation_id = "delete_webhook",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path)),
    responses((status = 204, description = "Deleted"), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn remove(_auth: Authorized<can::WebhooksManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    servdesk_persistence::webhooks::delete(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a new signing secret (shown this once). For `overlap_hours` deliveries carry a
/// signature under each secret, so the receiver can switch without missing one.
#[utoipa::path(
    operation_id = "rotate_webhook_secret",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path)),
    request_body = RotateIn,
    responses(
        (status = 200, body = WebhookWithSecret),
        NotFound,
        (status = 422, description = "`validation_failed`: an overlap beyond 168 hours", body = Problem, content_type = "application/problem+json")
    ),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate(
    _auth: Authorized<can::WebhooksManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: Option<web::Json<RotateIn>>,
) -> ApiResult<HttpResponse> {
    let body = body.map(web::Json::into_inner).unwrap_or_default();
    body.validate()?;
    let overlap = chrono::Duration::hours(i64::from(body.overlap_hours.unwrap_or(24)));
    let s = usecase::rotate(&state, id.into_inner(), overlap).await?;
    let (version, secret) = (s.version, s.secret.clone());
    Ok(versioned(HttpResponse::Ok(), version, &WebhookWithSecret { webhook: s.into(), secret }))
}

/// Sends a `ping` event to the subscription now (also to one switched off): one attempt,
/// in the delivery log like any other.
#[utoipa::path(
    operation_id = "ping_webhook",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path)),
    responses((status = 202, description = "Queued; its outcome shows in the delivery log", body = DeliveryOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks/{id}/ping")]
pub async fn ping(_auth: Authorized<can::WebhooksManage>, state: web::Data<AppState>, id: web::Path<Uuid>) -> ApiResult<HttpResponse> {
    let d = usecase::ping(&state, id.into_inner()).await?;
    Ok(HttpResponse::Accepted().json(delivery_out(d, EventType::Ping)))
}

/// The subscription's deliveries, newest first: status, attempts, the receiver's answer.
/// Kept as long as the change feed's entries.
#[utoipa::path(
    operation_id = "list_webhook_deliveries",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path), PageParams),
    responses((status = 200, body = Paged<DeliveryOut>), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn deliveries(
    _auth: Authorized<can::WebhooksManage>,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    page: web::Query<PageParams>,
) -> ApiResult<web::Json<Paged<DeliveryOut>>> {
    let (before, limit) = page.append_only("deliveries")?;
    let s = servdesk_persistence::webhooks::get(&state.db, id.into_inner()).await?;
    let (items, next) = servdesk_persistence::webhooks::log(&state.db, s.id, before, limit).await?;
    Ok(web::Json(Paged {
        items: items.into_iter().map(|(d, t)| delivery_out(d, t)).collect(),
        next_cursor: next.map(|id| encode(servdesk_persistence::Cursor::Id(id))),
    }))
}

/// Sends a delivery's event again as a new delivery (same event id and body, a fresh
/// signature), in order behind anything still pending for the same record.
#[utoipa::path(
    operation_id = "redeliver_webhook_delivery",
    tag = tags::WEBHOOKS,
    params(("id" = Uuid, Path), ("delivery_id" = Uuid, Path)),
    responses((status = 202, description = "Queued", body = DeliveryOut), NotFound),
    security(("bearer" = []), ("api_key" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redeliver")]
pub async fn redeliver(
    _auth: Authorized<can::WebhooksManage>,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, delivery_id) = path.into_inner();
    let d = usecase::redeliver(&state, id, delivery_id).await?;
    let event = servdesk_persistence::webhooks::event(&state.db, d.event_id).await?;
    Ok(HttpResponse::Accepted().json(delivery_out(d, event.event_type)))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(replace)
        .service(remove)
        .service(rotate)
        .service(ping)
        .service(deliveries)
        .service(redeliver);
}
