//! The portal's caller: a customer's contact with a portal token. Staff tokens and API
//! keys answer 403 `staff_token` here, as a customer token does on staff routes.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use servdesk_domain::errors::code;
use servdesk_domain::portal::PortalCustomer;

use super::caller::{AuthOutcome, outcome_of};
use crate::error::ApiError;

/// The logged-in portal contact; extracting it answers 401 for anyone else.
#[derive(Debug, Clone)]
pub struct Customer(pub PortalCustomer);

impl FromRequest for Customer {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(match outcome_of(req) {
            Some(AuthOutcome::Customer(c)) => Ok(Customer(c)),
            Some(AuthOutcome::Authenticated(_)) => {
                Err(ApiError::new(code::STAFF_TOKEN, "the portal routes are for customers' contacts; staff use the staff routes"))
            }
            Some(AuthOutcome::Rejected { code, detail }) => Err(ApiError::new(code, detail)),
            Some(AuthOutcome::Anonymous) | None => {
                Err(ApiError::new(code::MISSING_CREDENTIALS, "send `Authorization: Bearer <portal access token>`"))
            }
        })
    }
}
