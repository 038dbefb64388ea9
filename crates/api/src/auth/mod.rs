//! Authentication (who is calling) and authorisation (may they): JWT access tokens with
//! rotating refresh tokens for staff, hashed API keys for integrations, one extractor for both.

pub mod api_keys;
pub mod authorized;
pub mod caller;
pub mod customer;
pub mod holders;
pub mod passwords;
pub mod throttle;
pub mod tokens;

pub use authorized::{Authorized, InPerson, can};
pub use caller::{Caller, authenticate};
pub use customer::Customer;
