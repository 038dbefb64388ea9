//! Request counts and latency histograms per route template, method and status, rendered in
//! the Prometheus text format with the job queue's depth.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};

use crate::state::AppState;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Series {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, secs: f64) {
        let Ok(mut series) = self.series.lock() else { return };
        let mut key = (method.to_owned(), route.to_owned(), status);
        if series.len() >= MAX_SERIES && !series.contains_key(&key) {
            key.1 = "other".to_owned();
        }
        let s = series.entry(key).or_default();
        s.count += 1;
        s.sum_secs += secs;
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self, job_counts: &BTreeMap<&'static str, i64>) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP servdesk_http_requests_total HTTP requests by route template, method and status.");
        let _ = writeln!(out, "# TYPE servdesk_http_requests_total counter");
        let series = match self.series.lock() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ((method, route, status), s) in series.iter() {
            let _ = writeln!(out, "servdesk_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        let _ = writeln!(out, "# HELP servdesk_http_request_duration_seconds HTTP request latency.");
        let _ = writeln!(out, "# TYPE servdesk_http_request_duration_seconds histogram");
        for ((method, route, status), s) in series.iter() {
            let labels = format!("method=\"{method}\",route=\"{route}\",status=\"{status}\"");
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "servdesk_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {}", s.buckets[i]);
            }
            let _ = writeln!(out, "servdesk_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}", s.count);
            let _ = writeln!(out, "servdesk_http_request_duration_seconds_sum{{{labels}}} {}", s.sum_secs);
            let _ = writeln!(out, "servdesk_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
        let _ = writeln!(out, "# HELP servdesk_jobs Background jobs by status.");
        let _ = writeln!(out, "# TYPE servdesk_jobs gauge");
        for (status, n) in job_counts {
            let _ = writeln!(out, "servdesk_jobs{{status=\"{status}\"}} {n}");
        }
        out
    }
}

/// At most this many series are kept; requests beyond them are counted under `route="other"`,
/// so no sequence of requests can grow the label set (and the process) without bound.
const MAX_SERIES: usize = 2_000;

/// Methods outside this list (actix accepts any token as a method) are labelled `OTHER`.
const METHODS: [&str; 9] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"];

fn method_label(method: &str) -> &str {
    METHODS.iter().find(|m| **m == method).copied().unwrap_or("OTHER")
}

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = method_label(req.method().as_str()).to_owned();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let res = next.call(req).await?.map_into_boxed_body();
    if let Some(metrics) = metrics {
        // The matched route template only: a 401 or 429 answered before routing still has its
        // template, and a path no route matches is `unmatched`, never itself.
        let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
        metrics.observe(&method, &route, res.status().as_u16(), started.elapsed().as_secs_f64());
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("XYZZY"), "OTHER");
    }

    #[test]
    fn the_label_set_stops_growing_at_its_bound() {
        let m = Metrics::default();
        for i in 0..MAX_SERIES + 50 {
            m.observe("GET", &format!("/r{i}"), 200, 0.001);
        }
        let series = m.series.lock().unwrap();
        assert_eq!(series.len(), MAX_SERIES + 1, "the bound plus the one overflow series");
        assert_eq!(series[&("GET".to_owned(), "other".to_owned(), 200)].count, 50);
    }

    #[test]
    fn a_request_is_counted_in_every_bucket_at_or_above_its_latency() {
        let m = Metrics::default();
        m.observe("GET", "/api/v1/me", 200, 0.03);
        let text = m.render(&BTreeMap::new());
        assert!(text.contains("le=\"0.025\"} 0"), "{text}");
        assert!(text.contains("le=\"0.05\"} 1"), "{text}");
        assert!(text.contains("servdesk_http_requests_total{method=\"GET\",route=\"/api/v1/me\",status=\"200\"} 1"), "{text}");
    }
}
