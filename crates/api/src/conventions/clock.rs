//! `X-Servdesk-Now`: a request that says when it happens (RFC 3339). Honoured only where
//! the installation was built for it (`Config::clock_header`: `servdesk demo` filling a past
//! month through the API, tests building a known one) and ignored everywhere else.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, web};
use chrono::{DateTime, Utc};

use crate::state::AppState;

pub const HEADER: &str = "x-servdesk-now";

pub async fn middleware(req: ServiceRequest, next: Next<impl MessageBody + 'static>) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let honoured = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.config.clock_header);
    let stated = honoured
        .then(|| req.headers().get(HEADER)?.to_str().ok().and_then(|v| DateTime::parse_from_rfc3339(v).ok()))
        .flatten()
        .map(|t| t.with_timezone(&Utc));
    match stated {
        Some(instant) => servdesk_usecases::at(instant, next.call(req)).await,
        None => next.call(req).await,
    }
}
