//! Rate limits for every caller: a token bucket per caller and class of request — reads and
//! writes per API key or user, requests without credentials per client address, raw inbound
//! email per key — sized by `SERVDESK_RATE_LIMIT_*`. Every API response says where the
//! caller stands (`RateLimit-Policy` and `RateLimit`, IETF httpapi draft 09); past the limit
//! the answer is 429 `rate_limited` with `Retry-After`.
//!
//! The buckets live in the process: with several API instances behind a balancer each
//! keeps its own, so a caller's total is the limit times the instances it reaches (state
//! that when sizing, or enforce a hard total at the balancer). Memory is bounded: idle
//! buckets (full again) are dropped when a shard grows past its size.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{Method, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError, web};
use servdesk_domain::errors::code;
use servdesk_usecases::config::{RateLimit, RateLimits};

use crate::auth::caller::{client_address, principal_of};
use crate::error::ApiError;
use crate::state::AppState;

pub const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
pub const STATE: HeaderName = HeaderName::from_static("ratelimit");

const SHARDS: usize = 16;
/// Buckets per shard before idle ones are dropped (about 1.5 MB in all at the bound).
const SHARD_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Reads,
    Writes,
    Public,
    Inbound,
    FormPerAddress,
    FormTotal,
}

impl Class {
    fn name(self) -> &'static str {
        match self {
            Class::Reads => "reads",
            Class::Writes => "writes",
            Class::Public => "public",
            Class::Inbound => "inbound",
            Class::FormPerAddress => "form_per_address",
            Class::FormTotal => "form_total",
        }
    }

    fn limit(self, limits: &RateLimits) -> RateLimit {
        match self {
            Class::Reads => limits.reads,
            Class::Writes => limits.writes,
            Class::Public => limits.public,
            Class::Inbound => limits.inbound,
            Class::FormPerAddress => limits.form_per_address,
            Class::FormTotal => limits.form_total,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Where a caller stands after a request was counted (or refused).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    pub allowed: bool,
    /// Whole tokens left.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset_secs: u64,
    /// Seconds until the next request is allowed (0 when it is).
    pub retry_after_secs: u64,
}

impl Bucket {
    fn full(limit: RateLimit, now: Instant) -> Self {
        Bucket { tokens: f64::from(limit.burst), at: now }
    }

    fn refilled(&mut self, limit: RateLimit, now: Instant) {
        let per_sec = f64::from(limit.per_minute) / 60.0;
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * per_sec).min(f64::from(limit.burst));
        self.at = now;
    }

    /// Takes one token if there is one.
    fn take(&mut self, limit: RateLimit, now: Instant) -> Verdict {
        self.refilled(limit, now);
        let allowed = self.tokens >= 1.0;
        if allowed {
            self.tokens -= 1.0;
        }
        let per_sec = f64::from(limit.per_minute) / 60.0;
        let secs = |tokens: f64| if tokens <= 0.0 { 0 } else { (tokens / per_sec).ceil() as u64 };
        Verdict {
            allowed,
            remaining: self.tokens.floor().max(0.0) as u32,
            reset_secs: secs(f64::from(limit.burst) - self.tokens),
            retry_after_secs: if allowed { 0 } else { secs(1.0 - self.tokens).max(1) },
        }
    }

    fn is_full(&self, limit: RateLimit, now: Instant) -> bool {
        let mut b = *self;
        b.refilled(limit, now);
        b.tokens >= f64::from(limit.burst)
    }
}

pub struct Limiter {
    limits: RateLimits,
    shards: Vec<Mutex<HashMap<(Class, String), Bucket>>>,
}

impl Limiter {
    pub fn new(limits: RateLimits) -> Self {
        Self { limits, shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect() }
    }

    /// Counts one request of `caller` in `class`; `None` when the class has no limit.
    pub fn check(&self, class: Class, caller: &str, now: Instant) -> Option<(RateLimit, Verdict)> {
        let limit = class.limit(&self.limits);
        if limit.per_minute == 0 || limit.burst == 0 {
            return None;
        }
        let key = (class, caller.to_owned());
        let shard = &self.shards[shard_of(&key)];
        let mut buckets = match shard.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if buckets.len() >= SHARD_CAPACITY && !buckets.contains_key(&key) {
            let limits = self.limits;
            buckets.retain(|(c, _), b| !b.is_full(c.limit(&limits), now));
            if buckets.len() >= SHARD_CAPACITY {
                // Everyone is busy: forget the longest idle half rather than grow.
                let mut ages: Vec<Instant> = buckets.values().map(|b| b.at).collect();
                ages.sort_unstable();
                let cut = ages[ages.len() / 2];
                buckets.retain(|_, b| b.at > cut);
            }
        }
        let verdict = buckets.entry(key).or_insert_with(|| Bucket::full(limit, now)).take(limit, now);
        Some((limit, verdict))
    }
}

/// A fixed hasher: the same key must land in the same shard every time.
fn shard_of(key: &(Class, String)) -> usize {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::hash::DefaultHasher::new();
    key.hash(&mut hasher);
    (hasher.finish() as usize) % SHARDS
}

/// The form a request submits (`POST /api/v1/public/forms/{slug}/submissions`).
fn submitted_form(req: &ServiceRequest) -> Option<&str> {
    let slug = req.path().strip_prefix("/api/v1/public/forms/")?.strip_suffix("/submissions")?;
    (*req.method() == Method::POST && !slug.contains('/')).then_some(slug)
}

/// The classes a request counts in, and who it is counted against in each: one class,
/// except web form submissions, counted per address and form and per form as well.
fn classify(req: &ServiceRequest, trust_proxy: bool) -> Vec<(Class, String)> {
    let Some(first) = classify_one(req, trust_proxy) else { return Vec::new() };
    match submitted_form(req) {
        Some(slug) => {
            let address = client_address(&req.connection_info(), trust_proxy);
            vec![(Class::FormPerAddress, format!("{address}/{slug}")), (Class::FormTotal, slug.to_owned()), first]
        }
        None => vec![first],
    }
}

fn classify_one(req: &ServiceRequest, trust_proxy: bool) -> Option<(Class, String)> {
    if !req.path().starts_with("/api/") || req.path() == "/api/v1/openapi.json" {
        return None;
    }
    match principal_of(req) {
        Some(principal) => {
            let class = if req.path() == "/api/v1/inbound/email" {
                Class::Inbound
            } else if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
                Class::Reads
            } else {
                Class::Writes
            };
            Some((class, principal.subject()))
        }
        None => Some((Class::Public, client_address(&req.connection_info(), trust_proxy))),
    }
}

fn describe(class: Class, limit: RateLimit, verdict: Verdict) -> (HeaderValue, HeaderValue) {
    let window = (u64::from(limit.burst) * 60).div_ceil(u64::from(limit.per_minute.max(1)));
    let policy = format!("\"{}\";q={};w={window}", class.name(), limit.burst);
    let state = format!("\"{}\";r={};t={}", class.name(), verdict.remaining, verdict.reset_secs);
    (
        HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("")),
        HeaderValue::from_str(&state).unwrap_or(HeaderValue::from_static("")),
    )
}

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    // Every class is counted; the first that refuses answers (else the first counted
    // describes the caller's standing).
    let now = Instant::now();
    let verdicts: Vec<_> = classify(&req, state.config.trust_proxy)
        .into_iter()
        .filter_map(|(class, caller)| state.limiter.check(class, &caller, now).map(|(limit, verdict)| (class, limit, verdict)))
        .collect();
    let counted = verdicts.iter().find(|(_, _, v)| !v.allowed).or(verdicts.first()).copied();
    let Some((class, limit, verdict)) = counted else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let (policy, state_header) = describe(class, limit, verdict);
    let mut res = if verdict.allowed {
        next.call(req).await?.map_into_boxed_body()
    } else {
        let err = ApiError::too_many_requests(code::RATE_LIMITED, verdict.retry_after_secs);
        let response = err.error_response();
        req.into_response(response)
    };
    res.headers_mut().insert(POLICY, policy);
    res.headers_mut().insert(STATE, state_header);
    if !verdict.allowed {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(verdict.retry_after_secs));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    const LIMIT: RateLimit = RateLimit::new(60, 3);

    #[test]
    fn a_full_bucket_allows_its_burst_and_then_refuses_until_a_token_refills() {
        let t0 = Instant::now();
        let mut b = Bucket::full(LIMIT, t0);
        for left in [2, 1, 0] {
            let v = b.take(LIMIT, t0);
            assert!(v.allowed);
            assert_eq!(v.remaining, left);
        }
        let refused = b.take(LIMIT, t0);
        assert!(!refused.allowed);
        assert_eq!(refused.retry_after_secs, 1, "one token a second at 60 a minute");
        assert!(b.take(LIMIT, t0 + Duration::from_millis(1000)).allowed);
    }

    #[test]
    fn the_bucket_never_holds_more_than_its_burst() {
        let t0 = Instant::now();
        let mut b = Bucket::full(LIMIT, t0);
        let v = b.take(LIMIT, t0 + Duration::from_secs(3600));
        assert_eq!(v.remaining, 2);
        assert_eq!(v.reset_secs, 1);
    }

    #[test]
    fn callers_and_classes_have_buckets_of_their_own() {
        let limiter = Limiter::new(RateLimits { writes: LIMIT, reads: LIMIT, ..RateLimits::default() });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(Class::Writes, "user:a", t0).unwrap().1.allowed);
        }
        assert!(!limiter.check(Class::Writes, "user:a", t0).unwrap().1.allowed);
        assert!(limiter.check(Class::Writes, "user:b", t0).unwrap().1.allowed);
        assert!(limiter.check(Class::Reads, "user:a", t0).unwrap().1.allowed);
    }

    #[test]
    fn a_limit_of_zero_per_minute_is_no_limit() {
        let limiter = Limiter::new(RateLimits { reads: RateLimits::off().reads, ..RateLimits::default() });
        assert!(limiter.check(Class::Reads, "user:a", Instant::now()).is_none());
    }

    #[test]
    fn the_number_of_buckets_is_bounded() {
        let limiter = Limiter::new(RateLimits::default());
        let t0 = Instant::now();
        for i in 0..(SHARDS * SHARD_CAPACITY * 2) {
            limiter.check(Class::Public, &format!("ip:{i}"), t0);
        }
        let total: usize = limiter.shards.iter().map(|s| s.lock().unwrap().len()).sum();
        assert!(total <= SHARDS * SHARD_CAPACITY, "{total}");
    }

    #[test]
    fn the_headers_follow_the_ietf_draft() {
        let (policy, state) = describe(
            Class::Writes,
            RateLimit::new(300, 100),
            Verdict { allowed: true, remaining: 42, reset_secs: 12, retry_after_secs: 0 },
        );
        assert_eq!(policy, "\"writes\";q=100;w=20");
        assert_eq!(state, "\"writes\";r=42;t=12");
    }
}
