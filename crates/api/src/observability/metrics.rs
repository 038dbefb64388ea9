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
use uuid::Uuid;

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
        let s = series.entry((method.to_owned(), route.to_owned(), status)).or_default();
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

/// The route's label: the path with every id segment written `{id}`, which is the route
/// template for all our routes, so ids cannot explode the label set. (Asking actix for the
/// matched pattern routes the request a second time, regexes and all; that is kept for 404s,
/// where an unknown path must be counted as `unmatched`, not as itself.)
fn route_label(path: &str) -> String {
    path.split('/').map(|seg| if Uuid::try_parse(seg).is_ok() { "{id}" } else { seg }).collect::<Vec<_>>().join("/")
}

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().to_string();
    let metrics = req.app_data::<web::Data<AppState>>().map(|s| s.metrics.clone());
    let res = next.call(req).await?.map_into_boxed_body();
    if let Some(metrics) = metrics {
        let status = res.status().as_u16();
        let route = if matches!(status, 404 | 405) {
            res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned())
        } else {
            route_label(res.request().path())
        };
        metrics.observe(&method, &route, status, started.elapsed().as_secs_f64());
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_a_path_are_labelled_as_the_route_template_writes_them() {
        let id = Uuid::now_v7();
        assert_eq!(route_label(&format!("/api/v1/tickets/{id}/comments")), "/api/v1/tickets/{id}/comments");
        assert_eq!(route_label("/api/v1/tickets"), "/api/v1/tickets");
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
