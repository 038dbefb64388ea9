//! Servdesk's storage: connecting to SQLite or PostgreSQL, the schema's entities, and one
//! store module per aggregate. Store functions take any connection or transaction, so a
//! use case composes several of them inside one transaction.

mod alarm_state;
pub mod api_keys;
pub mod attachments;
pub mod billing;
pub mod calls;
pub mod canned_responses;
pub mod changes;
pub mod checklists;
pub mod comments;
pub mod completion;
pub mod custom_fields;
pub mod db;
pub mod dictionaries;
pub mod directory;
pub mod documents;
mod entities;
pub mod error;
pub mod external_refs;
pub mod idempotency;
pub mod imports;
mod insert_select;
pub mod jobs;
pub mod locks;
pub mod login_failures;
mod lookup;
pub mod messages;
pub mod notification_settings;
pub mod page;
mod pg_arrays;
pub mod portal;
mod positional;
pub mod reports;
pub mod rollups;
pub mod search;
pub mod sequences;
pub mod sessions;
pub mod settings;
pub mod sla;
pub mod tasks;
pub mod teams;
pub mod templates;
pub mod tickets;
pub mod time;
pub mod tracking;
pub mod triage_rules;
pub mod users;
mod versioned;
pub mod web_forms;
pub mod webhooks;

pub use db::{Backend, connect, migrate_up};
pub use error::StoreError;
pub use page::{Cursor, Page, PageRequest, Sort};
pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};

/// A JSON object kept as text (custom field values); an unreadable one reads as empty rather
/// than failing the record it belongs to.
pub(crate) fn json_object(text: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(text) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}
