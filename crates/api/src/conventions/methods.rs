//! 405 for a method a route does not take. Actix answers a known path with an unknown method
//! like an unknown path (404); clients and generated SDKs need to tell the two apart, so the
//! fallback service looks the path up among the documented routes and answers 405 with
//! `Allow` when it is one of them.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use servdesk_domain::errors::code;

use crate::error::ApiError;

/// The documented path templates with the methods each takes.
#[derive(Clone, Default)]
pub struct MethodIndex {
    routes: Arc<Vec<(Vec<String>, Vec<&'static str>)>>,
}

impl MethodIndex {
    pub fn from_document(doc: &utoipa::openapi::OpenApi) -> Self {
        let routes = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter_map(|(m, has)| has.then_some(m))
                .collect();
                (segments(path).map(str::to_owned).collect(), methods)
            })
            .collect();
        Self { routes: Arc::new(routes) }
    }

    /// The methods the route at `path` takes, if a documented route matches it. Where a
    /// literal route and a template both match (`/contacts/lookup`, `/contacts/{id}`), the
    /// most literal one is the resource.
    pub fn allowed(&self, path: &str) -> Option<Vec<&'static str>> {
        let wanted: Vec<&str> = segments(path).collect();
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len() && template.iter().zip(&wanted).all(|(t, w)| (t.starts_with('{') && !w.is_empty()) || t == w)
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(_, methods)| methods.clone())
    }

    /// The fallback answer: 405 with `Allow` for a known route, else 404.
    pub fn respond(&self, req: &HttpRequest) -> HttpResponse {
        match self.allowed(req.path()) {
            Some(methods) if !methods.contains(&req.method().as_str()) => {
                let mut res =
                    ApiError::new(code::METHOD_NOT_ALLOWED, format!("{} takes {}", req.path(), methods.join(", "))).error_response();
                if let Ok(value) = header::HeaderValue::from_str(&methods.join(", ")) {
                    res.headers_mut().insert(header::ALLOW, value);
                }
                res
            }
            _ => ApiError::new(code::NOT_FOUND, "no such route").error_response(),
        }
    }
}

fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/').split('/').skip(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> MethodIndex {
        MethodIndex {
            routes: Arc::new(vec![
                (segments("/api/v1/tickets").map(str::to_owned).collect(), vec!["GET", "POST"]),
                (segments("/api/v1/tickets/{id}").map(str::to_owned).collect(), vec!["GET", "PATCH"]),
                (segments("/api/v1/tickets/similar").map(str::to_owned).collect(), vec!["GET"]),
            ]),
        }
    }

    #[test]
    fn a_known_path_lists_the_methods_it_takes() {
        assert_eq!(index().allowed("/api/v1/tickets"), Some(vec!["GET", "POST"]));
        assert_eq!(index().allowed("/api/v1/tickets/0193"), Some(vec!["GET", "PATCH"]));
    }

    #[test]
    fn where_a_literal_route_and_a_template_both_match_the_literal_one_is_the_resource() {
        assert_eq!(index().allowed("/api/v1/tickets/similar"), Some(vec!["GET"]));
    }

    #[test]
    fn an_unknown_path_is_not_found() {
        assert_eq!(index().allowed("/api/v1/nothing"), None);
        assert_eq!(index().allowed("/api/v1/tickets/1/2"), None);
    }
}
