//! Content negotiation: which of a route's representations the client's `Accept` prefers.

use actix_web::HttpRequest;
use actix_web::http::header;

/// The offered media type the `Accept` header ranks highest (by `q`, then by the order
/// offered). No header, `*/*`, or nothing acceptable: the first offered — a client that
/// asks for nothing we have still gets the default rather than an error.
pub fn preferred<'a>(req: &HttpRequest, offered: &[&'a str]) -> &'a str {
    let default = offered.first().copied().unwrap_or("application/json");
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else { return default };
    let ranges: Vec<(String, f32)> = accept
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let range = pieces.next()?.trim().to_ascii_lowercase();
            let q = pieces.filter_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.trim().parse::<f32>().ok())).next().unwrap_or(1.0);
            (!range.is_empty()).then_some((range, q))
        })
        .collect();
    let quality = |media: &str| -> f32 {
        let kind = media.split('/').next().unwrap_or_default();
        ranges
            .iter()
            .filter(|(range, _)| range == media || range == "*/*" || range.strip_suffix("/*") == Some(kind))
            // The most specific range decides.
            .max_by_key(|(range, _)| {
                if range == media {
                    2
                } else if range == "*/*" {
                    0
                } else {
                    1
                }
            })
            .map_or(0.0, |(_, q)| *q)
    };
    offered
        .iter()
        .copied()
        .enumerate()
        .map(|(i, media)| (media, quality(media), i))
        .filter(|(_, q, _)| *q > 0.0)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.2.cmp(&a.2)))
        .map_or(default, |(media, _, _)| media)
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    const OFFERED: [&str; 3] = ["application/json", "text/csv", "application/pdf"];

    fn with(accept: &str) -> &'static str {
        preferred(&TestRequest::default().insert_header((header::ACCEPT, accept)).to_http_request(), &OFFERED)
    }

    #[test]
    fn the_highest_ranked_offered_type_wins_and_json_is_the_default() {
        assert_eq!(preferred(&TestRequest::default().to_http_request(), &OFFERED), "application/json");
        assert_eq!(with("text/csv"), "text/csv");
        assert_eq!(with("application/pdf, text/csv;q=0.5"), "application/pdf");
        assert_eq!(with("text/*;q=0.9, application/json;q=0.2"), "text/csv");
        assert_eq!(with("*/*"), "application/json");
        assert_eq!(with("image/png"), "application/json");
        assert_eq!(with("text/csv;q=0, */*;q=0.1"), "application/json");
    }
}
