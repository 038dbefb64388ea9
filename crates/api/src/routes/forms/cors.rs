//! CORS of the public form routes, per form: a browser on one of the form's allowed
//! origins may fetch and post it; any other origin gets no CORS headers (the browser then
//! refuses) and its preflight answers 403. Runs outside the API's own CORS layer, which
//! knows only the staff frontends.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpResponse, ResponseError, web};
use servdesk_usecases::forms as usecase;

use crate::state::AppState;

const PREFIX: &str = "/api/v1/public/forms/";

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<BoxBody>, Error> {
    let origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let slug = req.path().strip_prefix(PREFIX).map(|rest| rest.split('/').next().unwrap_or_default().to_owned());
    let (Some(origin), Some(slug), Some(state)) = (origin, slug, req.app_data::<web::Data<AppState>>().cloned()) else {
        return next.call(req).await.map(ServiceResponse::map_into_boxed_body);
    };
    let allowed = match usecase::public(&state, &slug).await {
        Ok(form) => form.allows_origin(&origin),
        Err(_) => false,
    };
    let preflight = req.method() == Method::OPTIONS && req.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        let response = if allowed {
            HttpResponse::NoContent()
                .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.as_str()))
                .insert_header((header::ACCESS_CONTROL_ALLOW_METHODS, "GET, POST"))
                .insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type"))
                .insert_header((header::ACCESS_CONTROL_MAX_AGE, "600"))
                .insert_header((header::VARY, "Origin"))
                .finish()
        } else {
            crate::error::ApiError::new(
                servdesk_domain::errors::code::ORIGIN_NOT_ALLOWED,
                "this form does not take submissions from this site",
            )
            .error_response()
        };
        return Ok(req.into_response(response));
    }
    let mut res = next.call(req).await?.map_into_boxed_body();
    let headers = res.headers_mut();
    headers.remove(header::ACCESS_CONTROL_ALLOW_ORIGIN);
    headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    if allowed && let Ok(value) = HeaderValue::from_str(&origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    }
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    Ok(res)
}
