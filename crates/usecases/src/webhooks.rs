//! Webhooks: subscriptions an admin (or an ERP's key) manages, and the worker that gives
//! each event its payload and delivers it, signed, in order per record, with retries for
//! about a day; a subscription failing all that time is switched off and its owner told.
//!
//! Events are written by the change itself (see the persistence module's `tell`): the ticket
//! timeline's events become webhook events in the same transaction, and so do calls' and
//! documents'.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Instant;

use futures_util::future::join_all;
use serde_json::{Value, json};
use servdesk_domain::errors::field;
use servdesk_domain::notifications::NotificationEvent;
use servdesk_domain::webhooks::{self as rules, Event, EventType};
use servdesk_persistence::jobs::Job;
use servdesk_persistence::webhooks::{self as store, Attempt, Delivery, DeliveryStatus, StoredEvent, Subscription, SubscriptionSpec};
use servdesk_persistence::{DatabaseConnection, TransactionTrait};
use uuid::Uuid;

use crate::jobs::{JobFuture, JobHandler};
use crate::{Desk, Error, Result, now};

pub use store::DELIVER_JOB;

fn new_secret() -> Result<String> {
    let token = crate::secrets::random_token(24).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
    Ok(format!("whsec_{token}"))
}

/// Checks a destination: http(s) with a host that resolves, and — unless the installation
/// allows it — only to public addresses.
async fn check_destination(desk: &Desk, raw: &str) -> Result<reqwest::Url> {
    let bad = |message: &str| Error::invalid_field("url", field::URL, message.to_owned());
    let url = reqwest::Url::parse(raw.trim()).map_err(|_| bad("not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad("an http or https URL with a host and without credentials"));
    }
    addresses(desk, &url).await?;
    Ok(url)
}

/// The addresses `url`'s host resolves to, refused when one is not public (unless allowed).
async fn addresses(desk: &Desk, url: &reqwest::Url) -> Result<Vec<SocketAddr>> {
    let host = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|_| Error::invalid_field("url", field::UNRESOLVABLE, format!("{host} does not resolve")))?
        .collect();
    if found.is_empty() {
        return Err(Error::invalid_field("url", field::UNRESOLVABLE, format!("{host} does not resolve")));
    }
    if !desk.config.webhooks.allow_private
        && let Some(private) = found.iter().find(|a| !rules::is_public(a.ip()))
    {
        return Err(Error::invalid_field(
            "url",
            field::PRIVATE_ADDRESS,
            format!("{host} resolves to {} (set SERVDESK_WEBHOOK_ALLOW_PRIVATE to allow internal receivers)", private.ip()),
        ));
    }
    Ok(found)
}

/// A new subscription; its secret is shown to the caller this once.
pub async fn create(desk: &Desk, mut spec: SubscriptionSpec, owner: Option<Uuid>) -> Result<Subscription> {
    spec.url = check_destination(desk, &spec.url).await?.to_string();
    Ok(store::create(&desk.db, spec, new_secret()?, owner, now()).await?)
}

pub async fn update(desk: &Desk, id: Uuid, expected: Option<i64>, mut spec: SubscriptionSpec) -> Result<Subscription> {
    spec.url = check_destination(desk, &spec.url).await?.to_string();
    Ok(store::update(&desk.db, id, expected, spec, now()).await?)
}

/// A new secret; the old one is still signed with for `overlap` (receivers switch over
/// without losing a delivery: each carries a signature under both meanwhile).
pub async fn rotate(desk: &Desk, id: Uuid, overlap: chrono::Duration) -> Result<Subscription> {
    let now = now();
    Ok(store::rotate(&desk.db, id, new_secret()?, now + overlap, now).await?)
}

/// Sends a `ping` to the subscription (active or not): a delivery like any other, in its log.
pub async fn ping(desk: &Desk, id: Uuid) -> Result<Delivery> {
    let subscription = store::get(&desk.db, id).await?;
    let now = now();
    let txn = desk.db.begin().await?;
    let event = store::insert_event(&txn, &Event::new(EventType::Ping, "webhook", subscription.id), now).await?;
    let payload = payload(&event, Some(json!({"id": subscription.id, "url": subscription.url})));
    store::dispatch(&txn, &event, &payload, &[subscription.id], now).await?;
    store::wake(&txn, now).await?;
    txn.commit().await?;
    let (log, _) = store::log(&desk.db, id, None, 1).await?;
    log.into_iter().next().map(|(d, _)| d).ok_or_else(|| Error::internal("the ping's delivery is missing"))
}

/// Sends the delivery's event again, as a new delivery (the log keeps both).
pub async fn redeliver(desk: &Desk, subscription_id: Uuid, delivery_id: Uuid) -> Result<Delivery> {
    let of = store::delivery(&desk.db, delivery_id).await?;
    if of.subscription_id != subscription_id {
        return Err(Error::not_found());
    }
    let now = now();
    let txn = desk.db.begin().await?;
    let again = store::redeliver(&txn, &of, now).await?;
    store::wake(&txn, now).await?;
    txn.commit().await?;
    Ok(again)
}

/// The body every delivery of `event` sends.
fn payload(event: &StoredEvent, data: Option<Value>) -> String {
    let mut body = json!({
        "id": event.id,
        "type": event.event_type.as_str(),
        "occurred_at": event.occurred_at,
        "resource": event.resource,
        "resource_id": event.resource_id,
        "data": data,
        "previous": event.previous,
    });
    // An SLA notice names its target and due time under `sla`, not as earlier values.
    if event.event_type.is_sla() {
        body["sla"] = body["previous"].take();
    }
    body.to_string()
}

/// How many deliveries go out at once, and how long one run of the worker keeps going.
const PARALLEL: u64 = 8;
const RUN_FOR: std::time::Duration = std::time::Duration::from_secs(30);

/// The job that dispatches waiting events and delivers what is due.
pub struct Deliveries {
    desk: Desk,
}

impl Deliveries {
    pub fn new(desk: Desk) -> Self {
        Self { desk }
    }
}

impl JobHandler for Deliveries {
    fn run<'a>(&'a self, _job: &'a Job, _db: &'a DatabaseConnection) -> JobFuture<'a> {
        Box::pin(async move { self.run_until_idle().await.map_err(|e| e.to_string()) })
    }
}

impl Deliveries {
    async fn run_until_idle(&self) -> Result<()> {
        let started = Instant::now();
        let mut subscriptions: HashMap<Uuid, Subscription> = HashMap::new();
        while started.elapsed() < RUN_FOR {
            let dispatched = self.dispatch_waiting().await?;
            let lock = now() + servdesk_domain::policy::duration(self.desk.config.webhooks.timeout) * 2;
            let due = store::claim_due(&self.desk.db, now(), lock, PARALLEL).await?;
            if due.is_empty() && dispatched == 0 {
                break;
            }
            for d in &due {
                if let std::collections::hash_map::Entry::Vacant(slot) = subscriptions.entry(d.subscription_id) {
                    slot.insert(store::get(&self.desk.db, d.subscription_id).await?);
                }
            }
            let outcomes = join_all(due.iter().map(|d| self.deliver(d, subscriptions.get(&d.subscription_id)))).await;
            for (d, outcome) in due.iter().zip(outcomes) {
                if let Some(disabled) = self.settle(d, outcome).await? {
                    subscriptions.insert(disabled.id, disabled);
                }
            }
        }
        // What failed waits for its next attempt: a run then.
        if let Some(at) = store::next_due(&self.desk.db, now()).await? {
            store::wake(&self.desk.db, at).await?;
        }
        Ok(())
    }

    /// Gives waiting events their payload and deliveries; how many it dispatched.
    async fn dispatch_waiting(&self) -> Result<usize> {
        let waiting = store::waiting(&self.desk.db, 100).await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        let active = store::active(&self.desk.db).await?;
        for event in &waiting {
            let data = if event.event_type == EventType::TimeEntryDeleted {
                None
            } else {
                crate::render::render(&self.desk, &event.resource, event.resource_id).await?
            };
            let to: Vec<Uuid> = active.iter().filter(|s| rules::wants(&s.event_types, event.event_type)).map(|s| s.id).collect();
            let txn = self.desk.db.begin().await?;
            if store::dispatch(&txn, event, &payload(event, data), &to, now()).await? {
                txn.commit().await?;
            }
        }
        Ok(waiting.len())
    }

    /// One attempt: `Ok` with the receiver's status and answer, `Err` when none came.
    async fn deliver(&self, d: &Delivery, subscription: Option<&Subscription>) -> Sent {
        let started = Instant::now();
        let Some(subscription) = subscription.filter(|s| s.active || is_ping_delivery(d)) else {
            return Sent { result: Err("the subscription is switched off".to_owned()), elapsed: started.elapsed(), stop: true };
        };
        let result = self.post(d, subscription).await;
        Sent { result, elapsed: started.elapsed(), stop: false }
    }

    async fn post(&self, d: &Delivery, subscription: &Subscription) -> std::result::Result<(u16, String), String> {
        let event = store::event(&self.desk.db, d.event_id).await.map_err(|e| e.to_string())?;
        let body = event.payload.ok_or("the event has no payload")?;
        let url = reqwest::Url::parse(&subscription.url).map_err(|e| e.to_string())?;
        // Resolved and checked now and the connection pinned to what was checked, so a
        // name that changed its address since the subscription was saved cannot redirect
        // deliveries inside the network.
        let addresses = addresses(&self.desk, &url).await.map_err(|e| e.to_string())?;
        let host = url.host_str().unwrap_or_default().to_owned();
        let client = reqwest::Client::builder()
            .timeout(self.desk.config.webhooks.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .resolve_to_addrs(&host, &addresses)
            .user_agent(concat!("Servdesk-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| e.to_string())?;
        let t = now().timestamp();
        let signatures: Vec<String> =
            subscription.secrets_at(now()).iter().map(|s| crate::secrets::sign(s.as_bytes(), &format!("{t}.{body}"))).collect();
        let response = client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("Servdesk-Event-Id", event.id.to_string())
            .header("Servdesk-Event-Type", event.event_type.as_str())
            .header("Servdesk-Delivery-Id", d.id.to_string())
            .header("Servdesk-Signature", rules::signature_header(t, &signatures))
            .body(body)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Ok((status, rules::excerpt(&text)))
    }

    /// Records the attempt; switches the subscription off when it has failed long enough.
    /// Returns the subscription when it was switched off now.
    async fn settle(&self, d: &Delivery, sent: Sent) -> Result<Option<Subscription>> {
        let at = now();
        let attempts = d.attempts + 1;
        let delivered = matches!(sent.result, Ok((status, _)) if (200..300).contains(&status));
        let (response_status, response_excerpt, error) = match sent.result {
            Ok((status, text)) => (Some(status), Some(text), (!delivered).then(|| format!("the receiver answered {status}"))),
            Err(e) => (None, None, Some(e)),
        };
        let base = servdesk_domain::policy::duration(self.desk.config.webhooks.retry_base);
        let next = if delivered || sent.stop || is_ping_delivery(d) { None } else { rules::next_attempt(attempts, at, base) };
        let status = match (delivered, next) {
            (true, _) => DeliveryStatus::Delivered,
            (false, Some(_)) => DeliveryStatus::Pending,
            (false, None) => DeliveryStatus::Failed,
        };
        let attempt = Attempt {
            at,
            response_status,
            duration_ms: u32::try_from(sent.elapsed.as_millis()).unwrap_or(u32::MAX),
            response_excerpt,
            error: error.clone(),
            status,
            next_attempt_at: next,
        };
        store::record_attempt(&self.desk.db, d.id, attempt).await?;
        if delivered {
            store::mark_healthy(&self.desk.db, d.subscription_id).await?;
            return Ok(None);
        }
        if sent.stop || is_ping_delivery(d) {
            return Ok(None);
        }
        store::mark_failing(&self.desk.db, d.subscription_id, at).await?;
        let subscription = store::get(&self.desk.db, d.subscription_id).await?;
        let after = servdesk_domain::policy::duration(self.desk.config.webhooks.disable_after);
        if !rules::should_disable(subscription.failing_since, at, after) {
            return Ok(None);
        }
        let reason = error.unwrap_or_else(|| "deliveries kept failing".to_owned());
        let txn = self.desk.db.begin().await?;
        if !store::disable(&txn, subscription.id, &reason, at).await? {
            return Ok(None);
        }
        store::fail_pending(&txn, subscription.id, "the subscription was switched off after failing for too long").await?;
        if let Some(owner) = subscription.owner_user_id {
            let link = format!("{}/settings/webhooks/{}", self.desk.config.frontend_url.trim_end_matches('/'), subscription.id);
            let payload = json!({"user_id": owner, "webhook": {"url": subscription.url, "reason": reason}, "link": link});
            crate::notify::queue(&txn, NotificationEvent::WebhookDisabled, payload, at).await?;
        }
        txn.commit().await?;
        tracing::warn!(subscription = %subscription.id, url = %subscription.url, "webhook subscription switched off after failing");
        Ok(Some(store::get(&self.desk.db, subscription.id).await?))
    }
}

/// A ping is tried once: it asks whether the receiver works now.
fn is_ping_delivery(d: &Delivery) -> bool {
    d.resource_key.starts_with("webhook:")
}

struct Sent {
    result: std::result::Result<(u16, String), String>,
    elapsed: std::time::Duration,
    /// Not worth retrying (the subscription is off).
    stop: bool,
}

/// A transport error in words an admin reads in the log.
fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the receiver did not answer in time".to_owned()
    } else if e.is_connect() {
        "could not connect to the receiver".to_owned()
    } else {
        format!("the request failed: {e}")
    }
}
