//! Servdesk's domain: the vocabulary and the rules of the service desk, free of I/O.
//!
//! Nothing here reads a clock, a database or the network: callers pass the current time
//! in, so every rule is a plain function that a unit test can pin down.

#[macro_use]
mod macros;

pub mod access;
pub mod attachments;
pub mod billing;
pub mod business_time;
pub mod calendar;
pub mod calls;
pub mod canned_responses;
pub mod checklists;
pub mod clock;
pub mod completion;
pub mod custom_fields;
pub mod dictionaries;
pub mod directory;
pub mod documents;
pub mod email;
pub mod errors;
pub mod forms;
pub mod imports;
pub mod jobs;
pub mod mail;
pub mod messages;
pub mod notifications;
pub mod numbering;
pub mod password;
pub mod phone;
pub mod policy;
pub mod portal;
pub mod reports;
pub mod sla;
pub mod tasks;
pub mod telephony;
pub mod tickets;
pub mod time;
pub mod timeline;
pub mod tracking;
pub mod triage;
pub mod users;
pub mod webhooks;

pub use access::{Actor, ApiKey, Permission, Principal, Role, Scope, Visibility};
pub use email::Email;
